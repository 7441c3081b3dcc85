import ArgumentParser
import Fleet
import Foundation
import Inventory
import Testing

@testable import Converge

/// `converge plan` on an inventory whose var has the wrong type for the role's typed vars:
/// the host fails at plan time with a message naming the inventory file, the host and the
/// var, against a fake host (no SSH).
@Suite(.serialized) struct TypedVarsCommandTests {
    /// A base role as a playbook writes it: `somaxconn` an optional integer.
    struct BaseVars: Decodable { var somaxconn: Int? }

    static let base = Role("base") { host in
        let vars = try host.vars(as: BaseVars.self)
        File("/etc/sysctl.d/60-somaxconn.conf", content: "net.core.somaxconn = \(vars.somaxconn ?? 4096)\n")
    }

    @Test func aStringWhereTheRoleWantsAnIntegerFailsThePlan() async throws {
        let (status, stderr) = try await plan(somaxconn: #""8192""#)
        #expect(status == 1)
        let path = stderr.split(separator: "\n").first { $0.contains("var somaxconn") }
        #expect(path != nil, "stderr: \(stderr)")
        #expect(stderr.contains(
            "web1: roles: role base: \(try directory())/inventory.json: host web1: var somaxconn: expected an integer, found the string \"8192\""),
            "stderr: \(stderr)")
    }

    @Test func anIntegerPlans() async throws {
        let (status, stderr) = try await plan(somaxconn: "8192")
        // Changes pending (the setting is not there on the fake host): 2, and no error.
        #expect(status == 2, "stderr: \(stderr)")
        #expect(!stderr.contains("var somaxconn"))
    }

    private func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("converge-typed-vars-tests").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `converge plan` on a one-host inventory with the given `somaxconn`, returning the
    /// exit status and what it wrote on standard error.
    private func plan(somaxconn: String) async throws -> (Int32, String) {
        let inventory = try directory() + "/inventory.json"
        try Data("""
            {"hosts": [{"name": "web1", "address": "192.0.2.10", "roles": ["base"], "vars": {"somaxconn": \(somaxconn)}}]}
            """.utf8).write(to: URL(fileURLWithPath: inventory))
        let web1 = FakeConnection(host: "web1", release: .bookworm)
        web1.answer(.contains("converge_paths()"), with: .output(""))   // the file is missing
        let convergence: @Sendable (Playbook, Inventory) -> Convergence = {
            Convergence(playbook: $0, inventory: $1, connector: FakeConnector(["web1": web1]), cache: nil,
                        key: PlanKey(bytes: Data(repeating: 7, count: 32)))
        }
        var status: Int32 = 0
        let stderr = try await capturingStandardError {
            await Playbook.$current.withValue(Playbook([Self.base])) {
                await Convergence.$forCommands.withValue(convergence) {
                    do {
                        guard var command = try ConvergeCommand.parseAsRoot(["plan", "--quiet", inventory]) as? AsyncParsableCommand
                        else { Issue.record("plan is not an async command"); return }
                        try await command.run()
                    } catch let exit as ExitCode {
                        status = exit.rawValue
                    } catch {
                        Issue.record("plan threw \(error)")
                        status = -1
                    }
                }
            }
        }
        return (status, stderr)
    }

    /// What `body` writes on the process's standard error (fd 2), which the commands print
    /// their failures on.
    private func capturingStandardError(_ body: () async throws -> Void) async throws -> String {
        let path = try directory() + "/stderr-\(UUID().uuidString)"
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(file >= 0)
        let saved = dup(2)
        dup2(file, 2)
        close(file)
        do {
            try await body()
        } catch {
            dup2(saved, 2)
            close(saved)
            throw error
        }
        dup2(saved, 2)
        close(saved)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try String(contentsOfFile: path, encoding: .utf8)
    }
}
