import ArgumentParser

/// The `converge` command: typed Swift playbooks applied to Debian hosts over SSH.
@main
struct Converge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "converge",
        abstract: "Bring a fleet of Debian hosts to the state its playbooks describe, over SSH.",
        subcommands: [ApplyCommand.self, PlanCommand.self, DriftCommand.self, BootstrapCommand.self, FactsCommand.self,
                      ImportAnsibleCommand.self],
        defaultSubcommand: ApplyCommand.self
    )
}
