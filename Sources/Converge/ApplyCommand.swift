import ArgumentParser
import Fleet
import Inventory
import Foundation
import Planner


/// `converge apply` (and plain `converge INVENTORY`): plan every host, then apply the changes.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Plan every host, then make the changes (the default command).",
        discussion: """
            Hosts are converged in parallel, or in rolling batches with --serial, so that a role \
            behind a load balancer is never restarted everywhere at once. One failing or \
            unreachable host never stops the others. Exits 0 when every host converged, 1 otherwise.
            """
    )

    @OptionGroup(title: "Fleet options (the inventory may also be a plan saved by `converge plan --out`)")
    var fleet: FleetOptions

    @Option(help: "Converge hosts in batches of this many, one batch after the other.")
    var serial: Int?

    @Option(name: .customLong("max-fail"),
            help: "With --serial: start no further batch once more than this many hosts failed.")
    var maxFail = 0

    func validate() throws {
        if let serial, serial < 1 { throw ValidationError("--serial must be at least 1, not \(serial)") }
        if maxFail < 0 { throw ValidationError("--max-fail cannot be negative") }
    }

    func run() async throws {
        let convergence: Convergence
        let work: [(Inventory.Host, @Sendable () async throws -> Convergence.PlannedHost)]
        if let saved = try SavedPlan.load(fleet.inventory) {
            // Exactly the saved changes, on the hosts it names, if they have not changed since.
            let inventory = try Inventory.load(contentsOf: saved.inventoryPath)
            convergence = Convergence(playbook: Playbook.current, inventory: inventory)
            let selected = Set(try inventory.hosts(matching: fleet.selectors).map(\.name))
            work = try saved.plan.hosts.filter { selected.contains($0.host) }.map { hostPlan in
                guard let host = inventory.host(named: hostPlan.host) else {
                    throw CommandFailure(["\(fleet.inventory): host \(hostPlan.host) is no longer in \(saved.inventoryPath)"])
                }
                return (host, { [convergence] in try await convergence.resume(hostPlan, on: host) })
            }
        } else {
            let (inventory, hosts) = try fleet.selectedHosts()
            convergence = try Convergence.checkingRoles(of: hosts, in: inventory)
            work = hosts.map { [convergence] host in (host, { try await convergence.plan(host) }) }
        }

        let clock = ContinuousClock()
        let started = clock.now
        let batchSize = serial ?? max(work.count, 1)
        var reports: [HostReport] = []
        var batches = stride(from: 0, to: work.count, by: batchSize).map { Array(work[$0..<min($0 + batchSize, work.count)]) }
        while !batches.isEmpty {
            let batch = batches.removeFirst()
            let progress = ProgressDisplay(hosts: batch.map(\.0.name))
            let results = await batch.concurrentMap(limit: fleet.parallel) { host, prepare in
                await HostReport.converge(host, prepare: prepare, with: convergence, progress: progress)
            }
            await progress.finish()
            for report in results { print(report.log, terminator: "") }
            reports += results
            let failed = reports.filter { $0.status == .failed || $0.status == .unreachable }.count
            if serial != nil, failed > maxFail, !batches.isEmpty {
                let skipped = batches.joined().map(\.0.name)
                print("stopping: \(failed) host(s) failed, more than --max-fail \(maxFail); not started: \(skipped.joined(separator: ", "))")
                reports += batches.joined().map { HostReport(host: $0.0.name, status: .skipped, changes: 0, log: "") }
                batches = []
            }
        }
        print(HostReport.summary(reports, duration: clock.now - started), terminator: "")
        if reports.contains(where: { $0.status != .ok && $0.status != .changed }) { throw ExitCode(1) }
    }
}

/// What converging one host came to.
struct HostReport: Sendable {
    enum Status: String { case ok, changed, failed, unreachable, skipped }
    var host: String
    var status: Status
    var changes: Int
    /// The plan and the outcome of each change, ready to print.
    var log: String

    /// Plans (or reloads a saved plan) with `prepare`, then applies.
    static func converge(_ host: Inventory.Host, prepare: () async throws -> Convergence.PlannedHost,
                         with convergence: Convergence, progress: ProgressDisplay) async -> HostReport {
        await progress.update(host.name, "planning")
        let planned: Convergence.PlannedHost
        do {
            planned = try await prepare()
        } catch {
            let failure = HostFailure(error, host: host.name)
            let report = HostReport(host: host.name, status: failure.unreachable ? .unreachable : .failed, changes: 0,
                                    log: "\(failure)\n")
            await progress.update(host.name, report.status.rawValue)
            return report
        }
        if !planned.plan.isEmpty {
            await progress.update(host.name, "applying \(planned.plan.changes.count) change(s)")
        }
        let report = await apply(planned, with: convergence)
        await planned.connection.close()
        await progress.update(host.name, report.status.rawValue)
        return report
    }

    private static func apply(_ planned: Convergence.PlannedHost, with convergence: Convergence) async -> HostReport {
        let host = planned.host
        guard !planned.plan.isEmpty else {
            return HostReport(host: host.name, status: .ok, changes: 0, log: "\(host.name): ok, no changes\n")
        }
        var log = PlanRenderer.render(planned.plan)
        do {
            let result = try await convergence.apply(planned)
            log += PlanRenderer.render(result, of: planned.plan)
            let status: Status = result.succeeded ? .changed : .failed
            return HostReport(host: host.name, status: status, changes: planned.plan.changes.count, log: log)
        } catch {
            let failure = HostFailure(error, host: host.name)
            log += "\(failure)\n"
            return HostReport(host: host.name, status: failure.unreachable ? .unreachable : .failed,
                              changes: planned.plan.changes.count, log: log)
        }
    }

    static func summary(_ reports: [HostReport], duration: Duration) -> String {
        var text = "\nSUMMARY\n"
        let width = reports.map(\.host.count).max() ?? 4
        for report in reports {
            let detail = report.status == .changed || report.status == .failed ? "  \(report.changes) change(s)" : ""
            text += report.host.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(report.status.rawValue)\(detail)\n"
        }
        let counts = [HostReport.Status.ok, .changed, .failed, .unreachable, .skipped].map { status in
            "\(reports.filter { $0.status == status }.count) \(status.rawValue)"
        }
        text += "\(reports.count) host(s): \(counts.joined(separator: ", ")) in \(duration.seconds)\n"
        return text
    }
}

/// A plan saved by `converge plan --out`, given to `converge apply` in place of an inventory.
struct SavedPlan {
    var plan: Plan
    var inventoryPath: String

    /// The plan in `path`, or nil when the file is not a saved plan (but, say, an inventory).
    static func load(_ path: String) throws -> SavedPlan? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["schema"] as? String == Plan.schema else { return nil }
        let plan = try Plan(jsonData: data)
        guard let inventory = plan.inventory else {
            throw CommandFailure(["\(path): the plan does not say which inventory it was made from"])
        }
        return SavedPlan(plan: plan, inventoryPath: inventory)
    }
}
