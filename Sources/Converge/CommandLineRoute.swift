import ArgumentParser
import Foundation
import Inventory

/// What ``ConvergeCommand/main(playbook:arguments:)`` does with a command line before the
/// argument parser sees it.
///
/// `apply` is the default subcommand, so the parser takes any first word it does not know
/// for apply's inventory: `converge plna fleet.json` would be refused as an apply with an
/// unexpected argument, and `converge --version` as an apply without an inventory. A first
/// word that is no file and is close to a subcommand's name is refused here, naming the
/// subcommand it most likely meant; it can never start an apply.
enum CommandLineRoute: Equatable {
    /// Hand the arguments to the argument parser.
    case parse
    /// Print ``ConvergeBuild/versionText(playbook:)`` and exit 0: `--version`, `-V`.
    case version
    /// Print `Error: MESSAGE` and exit 64 (EX_USAGE), as the parser does for bad usage.
    case refuse(String)

    /// The route of `arguments` (without the program's name) under `command`; `exists`
    /// tells whether a path names a file or directory.
    static func route(_ arguments: [String], command: ParsableCommand.Type = ConvergeCommand.self,
                      exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> CommandLineRoute {
        if command == ConvergeCommand.self, let first = arguments.first, first == "--version" || first == "-V" {
            return .version
        }
        var command = command
        var path = [command._commandName]
        for word in arguments {
            // An option, or `--` and what follows: the parser's.
            if word.hasPrefix("-") { return .parse }
            let configuration = command.configuration
            if let subcommand = configuration.subcommands.first(where: { $0.names.contains(word) }) {
                command = subcommand
                path.append(word)
                continue
            }
            // The built-in `help` subcommand, or a command that takes no subcommand: the parser's.
            guard configuration.defaultSubcommand != nil, word != "help" else { return .parse }
            // The default subcommand's first argument: an inventory that exists, or a typo.
            if exists(word) || word.contains("/") || word.contains(".") { return .parse }
            let names = configuration.subcommands.map { $0._commandName }
            if path.count == 1, word == "version" {
                return .refuse("unknown subcommand 'version'; did you mean '--version'?")
            }
            if let match = closestMatch(to: word, among: names) {
                let meant = (path.dropFirst() + [match]).joined(separator: " ")
                return .refuse("unknown subcommand '\(word)'; did you mean '\(meant)'?")
            }
            return .parse  // the default subcommand says it cannot read that inventory
        }
        return .parse
    }
}

extension ParsableCommand {
    /// The names the parser accepts for the command: its name and aliases.
    fileprivate static var names: [String] { [_commandName] + configuration.aliases }
}

extension ConvergeCommand {
    /// Answers the command line when it must not reach the parser (``CommandLineRoute``):
    /// prints the version, or refuses a mistyped subcommand with exit status 64. Returns
    /// whether the parser should run.
    static func answerBeforeParsing(_ arguments: [String], playbook: Playbook) -> Bool {
        switch CommandLineRoute.route(arguments) {
        case .parse:
            return true
        case .version:
            print(ConvergeBuild.versionText(playbook: playbook))
            return false
        case .refuse(let message):
            FileHandle.standardError.write(Data("Error: \(message)\nSee 'converge --help' for the subcommands.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
    }
}
