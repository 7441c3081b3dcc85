import Fleet
import Foundation
import Inventory
import Lab
import Planner

/// `converge lab test`: Molecule's sequence (create, converge, idempotence, verify,
/// destroy) on a replica of an inventory, each step timed, ending with a summary and
/// whether it passed.
struct LabTest {
    var up: LabUp
    /// The playbooks package whose tests are the team's own checks; nil for none.
    var packageDirectory: String?
    /// Leave the lab up at the end, whatever happened (to look into a failure).
    var keep = false

    /// One step's outcome, as the summary shows it.
    struct Step {
        var name: String
        var outcome: Outcome
        var detail: String
        var seconds: Double

        enum Outcome: String { case passed, failed, skipped }
    }

    /// Runs the sequence; each step's progress goes to standard output and standard error
    /// as it happens. A failed step skips the rest but `down`.
    func run() async -> [Step] {
        var steps: [Step] = []
        var failed = false
        func step(_ name: String, _ body: () async throws -> String) async {
            guard !failed else {
                steps.append(Step(name: name, outcome: .skipped, detail: "", seconds: 0))
                return
            }
            Self.announce(name)
            let started = ContinuousClock.now
            do {
                let detail = try await body()
                steps.append(Step(name: name, outcome: .passed, detail: detail, seconds: started.duration(to: .now).secondsValue))
            } catch {
                failed = true
                steps.append(Step(name: name, outcome: .failed, detail: "\(error)", seconds: started.duration(to: .now).secondsValue))
            }
        }

        var labInventory = ""
        await step("up") {
            let result = try up.run()
            print(up.summary(of: result), terminator: "")
            fflush(nil)
            labInventory = result.inventory
            return "\(result.replica.hosts.count) host(s): " + result.replica.hosts.map { "\($0.name) \($0.release)" }.joined(separator: ", ")
        }
        await step("converge") {
            let status = try Self.runConverge(["apply", labInventory])
            guard status == 0 else { throw CommandFailure(["converge apply \(labInventory) exited \(status)"]) }
            return "applied"
        }
        await step("idempotence") {
            let changes = try await Self.secondPlan(of: labInventory)
            guard changes.isEmpty else {
                throw CommandFailure(["a second converge would change " + changes.joined(separator: "; ")])
            }
            return "a second plan changes nothing"
        }
        await step("verify") {
            try await Self.healthChecks(of: labInventory)
        }
        await step("checks") {
            guard let packageDirectory else { return "no package tests (--no-package-tests)" }
            let status = try Self.run(["swift", "test", "--package-path", packageDirectory],
                                      environment: ["CONVERGE_LAB_INVENTORY": URL(fileURLWithPath: labInventory).standardizedFileURL.path,
                                                    "CONVERGE_LAB_NAME": up.name])
            guard status == 0 else { throw CommandFailure(["swift test in \(packageDirectory) exited \(status)"]) }
            return "swift test passed, with CONVERGE_LAB_INVENTORY=\(labInventory)"
        }
        if keep {
            steps.append(Step(name: "down", outcome: .skipped, detail: "kept up (--keep): converge lab down --name \(up.name)", seconds: 0))
        } else {
            failed = false
            await step("down") {
                let status = try LabRegistry().takeDown(up.name)
                guard status == 0 else { throw CommandFailure(["scripts/lab down exited \(status)"]) }
                return "removed"
            }
        }
        return steps
    }

    /// The summary table and the verdict:
    ///
    /// ```
    /// up           passed    41.2 s  2 host(s): web1 bookworm, app1 trixie
    /// idempotence  FAILED     3.1 s  a second converge would change web1: file:/etc/motd (update)
    /// lab test of inventory/two.json: FAILED at idempotence
    /// ```
    static func summary(_ steps: [Step], inventory: String) -> String {
        var text = ""
        for step in steps {
            let outcome = step.outcome == .failed ? "FAILED" : step.outcome.rawValue
            text += step.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                + outcome.padding(toLength: 8, withPad: " ", startingAt: 0)
                + (step.outcome == .skipped ? "        " : String(format: "%6.1f s", step.seconds))
                + (step.detail.isEmpty ? "" : "  " + step.detail.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: 31)))
                + "\n"
        }
        if let failure = steps.first(where: { $0.outcome == .failed }) {
            text += "lab test of \(inventory): FAILED at \(failure.name)\n"
        } else {
            text += "lab test of \(inventory): passed\n"
        }
        return text
    }

    private static func announce(_ step: String) {
        print("== lab test: \(step)")
        fflush(nil)
    }

    /// The lab inventory's hosts and the playbook's convergence of them.
    private static func convergence(of path: String) throws -> (Convergence, [Inventory.Host]) {
        let inventory = try Inventory.load(contentsOf: path)
        return (try Convergence.checkingRoles(of: inventory.hosts, in: inventory), inventory.hosts)
    }

    /// Every change a plan of the lab inventory has, as `host: resource (action: reason)`.
    private static func secondPlan(of path: String) async throws -> [String] {
        let (convergence, hosts) = try convergence(of: path)
        let runner = FleetRunner(events: FleetEventFanOut([]))
        let (result, _) = await convergence.plan(hosts, with: runner)
        if let failure = result.hosts.compactMap(\.report.failure).first { throw CommandFailure([failure.description]) }
        return result.values.flatMap { plan in
            plan.changes.map { "\(plan.host): \($0.resource) (\($0.action.rawValue): \($0.reason))" }
        }
    }

    /// Runs the roles' health checks on every host.
    private static func healthChecks(of path: String) async throws -> String {
        let (convergence, hosts) = try convergence(of: path)
        let result = await convergence.checkHealth(of: hosts, with: FleetRunner(events: FleetEventFanOut([])))
        let failures = result.hosts.compactMap(\.report.failure)
        guard failures.isEmpty else { throw CommandFailure(failures.map(\.description)) }
        let checks = result.values.reduce(0, +)
        return checks == 0 ? "the roles have no health checks" : "\(checks) health check(s) passed on \(result.hosts.count) host(s)"
    }

    /// This very converge, with `arguments`.
    private static func runConverge(_ arguments: [String]) throws -> Int32 {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return try run([executable] + arguments)
    }

    private static func run(_ command: [String], environment: [String: String] = [:]) throws -> Int32 {
        fflush(nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
