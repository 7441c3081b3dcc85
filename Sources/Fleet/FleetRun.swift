import Foundation
import Inventory
import Planner

/// Where each host of a run is, for a live display: `planning`, `applying 14 change(s)`,
/// `changed`, ….
public protocol FleetProgress: Sendable {
    func update(_ host: String, _ state: String) async
    /// The run is over: the display steps aside for the report.
    func finish() async
}

/// Converging many hosts: each planned (or its saved plan resumed), then applied, in
/// parallel or in rolling batches; one failing or unreachable host never stops the others.
///
/// An ``Interruption`` stops it gracefully (no host or step is started any more, running
/// steps end, every host's state is reported) or at once (connections cut).
///
/// ```swift
/// let run = FleetRun(convergence: convergence, options: .init(parallel: 64, batchSize: 5, maxFailures: 1))
/// let outcome = await run.run(hosts.map { host in (host, { try await convergence.plan(host) }) })
/// print(outcome.log + outcome.summary)
/// ```
public struct FleetRun: Sendable {
    /// How the run proceeds.
    public struct Options: Sendable {
        /// How many hosts are worked on at once.
        public var parallel: Int
        /// Hosts per batch, one batch after the other (`--serial`); nil: all in one.
        public var batchSize: Int?
        /// With batches: start no further batch once more hosts than this failed.
        public var maxFailures: Int
        public var apply: ApplyOptions

        public init(parallel: Int = 64, batchSize: Int? = nil, maxFailures: Int = 0, apply: ApplyOptions = ApplyOptions()) {
            self.parallel = parallel
            self.batchSize = batchSize
            self.maxFailures = maxFailures
            self.apply = apply
        }
    }

    /// Makes a host's plan: ``Convergence/plan(_:options:)``, or ``Convergence/resume(_:on:)`` for a saved one.
    public typealias Prepare = @Sendable () async throws -> Convergence.PlannedHost

    public let convergence: Convergence
    public let options: Options
    public let interruption: Interruption

    public init(convergence: Convergence, options: Options = Options(), interruption: Interruption = Interruption()) {
        self.convergence = convergence
        self.options = options
        self.interruption = interruption
    }

    /// Converges every host of `work`, batch after batch, and reports each.
    ///
    /// - Parameter progress: Makes a live display for each batch's hosts; nil for none.
    public func run(
        _ work: [(host: Inventory.Host, prepare: Prepare)],
        progress: (@Sendable ([String]) -> any FleetProgress)? = nil
    ) async -> FleetOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        let batchSize = max(options.batchSize ?? work.count, 1)
        var outcomes: [HostOutcome] = []
        var batches = stride(from: 0, to: work.count, by: batchSize).map { Array(work[$0..<min($0 + batchSize, work.count)]) }
        var stoppedEarly: String?
        while !batches.isEmpty {
            let batch = batches.removeFirst()
            let display = progress?(batch.map(\.host.name))
            let results = await batch.concurrentMap(limit: options.parallel) { item in
                await converge(item.host, prepare: item.prepare, progress: display)
            }
            await display?.finish()
            outcomes += results
            if batches.isEmpty { break }
            let failed = outcomes.filter { $0.status == .failed || $0.status == .unreachable }.count
            if interruption.level > .none {
                stoppedEarly = "interrupted"
            } else if options.batchSize != nil, failed > options.maxFailures {
                stoppedEarly = "\(failed) host(s) failed, more than --max-fail \(options.maxFailures)"
            }
            if stoppedEarly != nil {
                let status: HostOutcome.Status = interruption.level > .none ? .notStarted : .skipped
                outcomes += batches.joined().map { HostOutcome(host: $0.host.name, status: status, changes: 0, log: "") }
                batches = []
            }
        }
        return FleetOutcome(hosts: outcomes, duration: clock.now - started, stoppedEarly: stoppedEarly,
                            interrupted: interruption.level > .none)
    }

    /// Plans and applies one host, unless the run is being interrupted.
    func converge(_ host: Inventory.Host, prepare: Prepare, progress: (any FleetProgress)?) async -> HostOutcome {
        guard interruption.level == .none else {
            await progress?.update(host.name, "not started")
            return HostOutcome(host: host.name, status: .notStarted, changes: 0, log: "")
        }
        await progress?.update(host.name, "planning")
        let planned: Convergence.PlannedHost
        do {
            planned = try await prepare()
        } catch {
            let failure = HostFailure(error, host: host.name)
            let outcome = HostOutcome(host: host.name, status: failure.unreachable ? .unreachable : .failed,
                                      changes: 0, log: "\(failure)\n")
            await progress?.update(host.name, outcome.status.rawValue)
            return outcome
        }
        let outcome = await apply(planned, progress: progress)
        await planned.connection.close()
        await progress?.update(host.name, outcome.status.rawValue)
        return outcome
    }

    private func apply(_ planned: Convergence.PlannedHost, progress: (any FleetProgress)?) async -> HostOutcome {
        let host = planned.host
        guard !planned.plan.isEmpty else {
            return HostOutcome(host: host.name, status: .ok, changes: 0, log: "\(host.name): ok, no changes\n")
        }
        var log = PlanRenderer.render(planned.plan)
        let changes = planned.plan.changes.count
        guard interruption.level == .none else {
            return HostOutcome(host: host.name, status: .notStarted, changes: changes,
                               log: log + "\(host.name): not applied: interrupted\n")
        }
        await progress?.update(host.name, "applying \(changes) change(s)")
        do {
            let script = try convergence.script(for: planned, options: options.apply)
            let result = try await withThrowingTaskGroup(of: ApplyResult?.self) { group in
                group.addTask { try await convergence.apply(planned, script: script) }
                // Watches for Ctrl-C while the script runs: the first asks it to start no
                // further step, the second cuts the connection.
                group.addTask {
                    await interruption.wait(for: .stopping)
                    guard !Task.isCancelled else { return nil }
                    await progress?.update(host.name, "stopping after the running step")
                    try? await convergence.requestStop(of: planned, script: script)
                    await interruption.wait(for: .aborting)
                    guard !Task.isCancelled else { return nil }
                    planned.connection.abort()
                    return nil
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let result = next { return result }
                }
                fatalError("the apply task always returns a result or throws")
            }
            log += PlanRenderer.render(result, of: planned.plan)
            let status: HostOutcome.Status =
                result.succeeded ? .changed : result.wasInterrupted ? .interrupted : .failed
            return HostOutcome(host: host.name, status: status, changes: changes, log: log)
        } catch {
            if let lost = error as? ApplyConnectionLost {
                // What the host reported before the connection failed: the steps made.
                log += PlanRenderer.render(lost.result, of: planned.plan)
            }
            if interruption.level == .aborting {
                return HostOutcome(host: host.name, status: .interrupted, changes: changes,
                                   log: log + "\(host.name): interrupted: the connection was cut mid-apply; "
                                       + "steps already running on the host may finish there\n")
            }
            // HostFailure names the cause of an ApplyConnectionLost itself.
            let failure = HostFailure(error, host: host.name)
            return HostOutcome(host: host.name, status: failure.unreachable ? .unreachable : .failed,
                               changes: changes, log: log + "\(failure)\n")
        }
    }
}

/// What converging one host came to.
public struct HostOutcome: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Nothing to change.
        case ok
        /// Every change made.
        case changed
        /// A change failed (the ones after it were not made), or planning failed.
        case failed
        /// The host could not be reached.
        case unreachable
        /// Not started: an earlier batch failed beyond `--max-fail`.
        case skipped
        /// Stopped mid-apply by the operator: the changes made are made, the rest not.
        case interrupted
        /// Never started: the operator interrupted the run first.
        case notStarted = "not started"
    }

    public var host: String
    public var status: Status
    /// The changes planned.
    public var changes: Int
    /// The plan and the outcome of each change, ready to print.
    public var log: String

    public init(host: String, status: Status, changes: Int, log: String) {
        self.host = host
        self.status = status
        self.changes = changes
        self.log = log
    }
}

/// What a whole run came to.
public struct FleetOutcome: Sendable {
    public var hosts: [HostOutcome]
    public var duration: Duration
    /// Why later batches were not started, if they were not.
    public var stoppedEarly: String?
    /// Whether the operator interrupted the run.
    public var interrupted: Bool

    /// Whether every host is `ok` or `changed`.
    public var succeeded: Bool { hosts.allSatisfy { $0.status == .ok || $0.status == .changed } }

    /// Every host's plan and result, in order.
    public var log: String { hosts.map(\.log).joined() }

    /// One line per host, then the counts:
    ///
    /// ```
    /// SUMMARY
    /// web1  changed  3 change(s)
    /// web2  interrupted  12 change(s)
    /// 2 host(s): 0 ok, 1 changed, 0 failed, 0 unreachable, 0 skipped, 1 interrupted in 4.20 s
    /// ```
    public var summary: String {
        var text = "\nSUMMARY\n"
        let width = hosts.map(\.host.count).max() ?? 4
        for outcome in hosts {
            let detail = [.changed, .failed, .interrupted].contains(outcome.status) ? "  \(outcome.changes) change(s)" : ""
            text += outcome.host.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(outcome.status.rawValue)\(detail)\n"
        }
        if let stoppedEarly, !interrupted { text += "stopped: \(stoppedEarly)\n" }
        // The usual five counts always; interrupted and not-started ones when there are any.
        let shown = HostOutcome.Status.allCases.filter { status in
            [.ok, .changed, .failed, .unreachable, .skipped].contains(status) || hosts.contains { $0.status == status }
        }
        let counts = shown.map { status in "\(hosts.filter { $0.status == status }.count) \(status.rawValue)" }
        text += "\(hosts.count) host(s): \(counts.joined(separator: ", ")) in \(duration.seconds)\n"
        if interrupted { text += "interrupted: hosts \"interrupted\" stopped between steps; \"not started\" ones were not touched\n" }
        return text
    }
}
