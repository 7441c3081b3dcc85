import ArgumentParser
@_exported import Facts
@_exported import Resources
@_exported import Shell

/// The `converge` command line: typed Swift playbooks applied to Debian hosts over SSH.
///
/// A playbooks package builds its own `converge` binary with its roles:
///
/// ```swift
/// // Sources/converge/main.swift
/// import Converge
/// import MyPlaybooks
///
/// await ConvergeCommand.main(playbook: .myFleet)
/// ```
public struct ConvergeCommand: AsyncParsableCommand {
    // Computed: the version names the playbook of the running command line.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "converge",
            abstract: "Bring a fleet of Debian hosts to the state its playbooks describe, over SSH.",
            version: ConvergeBuild.versionText(playbook: Playbook.current),
            subcommands: [
                ApplyCommand.self, PlanCommand.self, DriftCommand.self, BootstrapCommand.self, FactsCommand.self,
                RolesCommand.self, InitCommand.self, ImportAnsibleCommand.self, ExecCommand.self,
                SecretsCommand.self, LabCommand.self, CompletionsCommand.self,
            ],
            defaultSubcommand: ApplyCommand.self
        )
    }

    public init() {}

    /// Runs the command line (`arguments`, or the process's) with the roles of `playbook`.
    /// Returns when the command succeeded; exits with its status otherwise.
    public static func main(playbook: Playbook, arguments: [String]? = nil) async {
        await Playbook.$current.withValue(playbook) {
            // `--version`, `-V` and mistyped subcommands, which apply would take for an inventory.
            guard answerBeforeParsing(arguments ?? Array(CommandLine.arguments.dropFirst()), playbook: playbook) else { return }
            await main(arguments)
        }
    }
}

extension Playbook {
    /// The playbook of the running command line, set by ``ConvergeCommand/main(playbook:arguments:)``.
    @TaskLocal static var current = Playbook([])
}
