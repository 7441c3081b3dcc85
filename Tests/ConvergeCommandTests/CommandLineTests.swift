import Foundation
import SSH
import Testing
import TestSupport

@testable import Converge

/// What the command line does before the argument parser: `--version`, and a mistyped
/// subcommand, which apply (the default subcommand) would otherwise take for an inventory.
@Suite struct CommandLineRouteTests {
    /// Routes `arguments` with `files` as the only paths that exist.
    func route(_ arguments: [String], files: Set<String> = []) -> CommandLineRoute {
        CommandLineRoute.route(arguments, exists: { files.contains($0) })
    }

    @Test func versionFlags() {
        #expect(route(["--version"]) == .version)
        #expect(route(["-V"]) == .version)
        // Only converge's own: after a subcommand the parser answers.
        #expect(route(["plan", "--version"]) == .parse)
        #expect(route(["version"]) == .refuse("unknown subcommand 'version'; did you mean '--version'?"))
    }

    @Test func aMistypedSubcommandIsNamedAndNeverAnInventory() {
        #expect(route(["plna", "inventory/fleet.json"]) == .refuse("unknown subcommand 'plna'; did you mean 'plan'?"))
        #expect(route(["aply", "inventory/fleet.json"]) == .refuse("unknown subcommand 'aply'; did you mean 'apply'?"))
        #expect(route(["dirft"]) == .refuse("unknown subcommand 'dirft'; did you mean 'drift'?"))
        #expect(route(["boostrap", "192.0.2.1"]) == .refuse("unknown subcommand 'boostrap'; did you mean 'bootstrap'?"))
        #expect(route(["import-ansibel", "hosts"]) == .refuse("unknown subcommand 'import-ansibel'; did you mean 'import-ansible'?"))
        #expect(route(["completion", "bash"]) == .refuse("unknown subcommand 'completion'; did you mean 'completions'?"))
        // Below a command whose default subcommand takes an inventory too.
        #expect(route(["drift", "histroy"]) == .refuse("unknown subcommand 'histroy'; did you mean 'drift history'?"))
    }

    @Test func inventoriesSubcommandsAndOptionsGoToTheParser() {
        // A file of that name is an inventory, however close to a subcommand.
        #expect(route(["plna"], files: ["plna"]) == .parse)
        // Paths and words far from every subcommand: apply says it cannot read them.
        #expect(route(["inventory/fleet.json"]) == .parse)
        #expect(route(["plan.json"]) == .parse)
        #expect(route(["production"]) == .parse)
        #expect(route(["plan", "plna"]) == .parse)
        #expect(route(["drift", "inventory/fleet.json"]) == .parse)
        #expect(route(["drift", "history", "--history", "x"]) == .parse)
        #expect(route(["--limit", "web1", "inventory/fleet.json"]) == .parse)
        #expect(route(["help", "plan"]) == .parse)
        #expect(route([]) == .parse)
    }
}

/// `converge --version`: converge's version and commit, the playbooks', libssh2's.
@Suite struct VersionTests {
    @Test func namesConvergeThePlaybooksAndLibSSH2() {
        let playbook = Playbook([Role("base") { _ in }, Role("web") { _ in }], name: "acme-playbooks", version: "1.4.0")
        let lines = ConvergeBuild.versionText(playbook: playbook).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("converge \(ConvergeBuild.version) (commit "))
        #expect(lines[1] == "playbooks acme-playbooks 1.4.0 (2 roles)")
        #expect(lines[2] == "libssh2 \(LibSSH2.version)")
        #expect(LibSSH2.version.first?.isNumber == true)
        #expect(ConvergeBuild.versionText(playbook: Playbook([])).contains("playbooks unnamed (0 roles;"))
    }

    @Test func theCommitIsThatOfThisCheckout() throws {
        // The tests are built from a git checkout: the SourceCommit plugin found its commit.
        let commit = try #require(ConvergeBuild.commit)
        #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit))
        #expect(ConvergeBuild.versionText(playbook: Playbook([])).hasPrefix("converge \(ConvergeBuild.version) (commit \(commit.prefix(12))"))
    }
}

/// The built command line (converge-lab, beside the tests), run as a user runs it.
@Suite struct CommandLineBinaryTests {
    static let binary = Bundle.main.bundleURL.appendingPathComponent("converge-lab").path

    @Test func versionOnStandardOutput() throws {
        for flag in ["--version", "-V"] {
            let result = try run([Self.binary, flag])
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix("converge \(ConvergeBuild.version) (commit "))
            #expect(result.stdout.contains("\nplaybooks converge-lab \(ConvergeBuild.version) (14 roles)\n"))
            #expect(result.stdout.contains("\nlibssh2 \(LibSSH2.version)\n"))
        }
    }

    @Test func mistypedSubcommandExits64() throws {
        let result = try run([Self.binary, "plna", "inventory/fleet.json"])
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(result.stderr.hasPrefix("Error: unknown subcommand 'plna'; did you mean 'plan'?\n"))
    }

    @Test func completionScripts() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try run([Self.binary, "completions", shell])
            #expect(result.status == 0, "\(result.stderr)")
            for subcommand in ["plan", "drift", "import-ansible", "completions"] {
                #expect(result.stdout.contains(subcommand), "\(shell): \(subcommand)")
            }
        }
        #expect(try run([Self.binary, "completions", "tcsh"]).status == 64)
    }
}

/// `--serial` and `--max-fail` as counts or shares; `--no-rollout` alone.
@Suite struct RolloutOptionTests {
    @Test func countsAndSharesAreTakenAndNonsenseRefused() throws {
        let command = try ApplyCommand.parse(["inventory/fleet.json", "--serial", "20%", "--max-fail", "10%", "--pause", "2.5"])
        #expect(command.serial == .percent(20) && command.maxFail == .percent(10) && command.pause == 2.5)
        #expect(try ApplyCommand.parse(["inventory/fleet.json", "--serial", "2"]).serial == .count(2))
        #expect(try ApplyCommand.parse(["inventory/fleet.json", "--pause", "3"]).pause == 3)
        #expect(try ApplyCommand.parse(["inventory/fleet.json", "--no-rollout"]).noRollout)
        for arguments in [["--serial", "0"], ["--serial", "0%"], ["--serial", "150%"], ["--max-fail", "-1"],
                          ["--serial", "1", "--pause", "-1"], ["--no-rollout", "--serial", "1"], ["--no-rollout", "--pause", "1"]] {
            #expect(throws: (any Error).self, "\(arguments)") { try ApplyCommand.parse(["inventory/fleet.json"] + arguments) }
        }
    }
}
