import Foundation
import Inventory
import Logging

/// The one way converge works across hosts, for every command (apply, plan, drift, facts,
/// exec, bootstrap): hosts in batches, a bounded number at once, one failing or
/// unreachable host never stopping the others; an operator's interruption honoured; and
/// everything that happens told as ``FleetEvent``s to a sink, from which the terminal
/// display, plain log lines and JSON Lines are rendered.
///
/// What a command does on one host is its own closure; the runner knows nothing of
/// plans or facts, only of hosts, batches and results:
///
/// ```swift
/// let runner = FleetRunner(options: .init(parallel: 64), events: recorder)
/// let result = await runner.run("exec", hosts: hosts) { host in
///     host.enter(.connect)
///     let connection = try await connector.connection(to: host.host)
///     host.track(connection)
///     ...
///     return HostResult(status: .ok, value: output)
/// }
/// ```
public struct FleetRunner: Sendable {
    /// How the run proceeds.
    public struct Options: Sendable {
        /// How many hosts are worked on at once.
        public var parallel: Int
        /// Hosts per batch, one batch after the other (`--serial`), as a count or a share
        /// of the run's hosts; nil: all in one.
        public var batchSize: HostCount?
        /// With batches: start no further batch once more hosts than this failed, as a count
        /// or a share of the run's hosts (`--max-fail`).
        public var maxFailures: HostCount
        /// With batches: how long to wait after a batch before the next starts (`--pause`),
        /// for what the hosts serve to settle; cut short by an interruption.
        public var pause: Duration

        public init(parallel: Int = 64, batchSize: HostCount? = nil, maxFailures: HostCount = 0, pause: Duration = .zero) {
            self.parallel = parallel
            self.batchSize = batchSize
            self.maxFailures = maxFailures
            self.pause = pause
        }
    }

    public let options: Options
    public let interruption: Interruption
    public let events: any FleetEventSink

    private static let logger = Logger(label: "converge.runner")

    public init(options: Options = Options(), interruption: Interruption = Interruption(),
                events: any FleetEventSink = FleetEventFanOut([])) {
        self.options = options
        self.interruption = interruption
        self.events = events
    }

    /// Works on every host with `work`, batch after batch, and reports each.
    ///
    /// `work` runs once per host that is started; it throws for a host that failed, and the
    /// runner reports the error as a ``HostFailure`` (unreachable when the transport says so).
    /// Hosts never started (interrupted first, or after a batch failed beyond
    /// ``Options/maxFailures``) are reported without running it.
    ///
    /// - Parameter command: The command's name for the events (`apply`, `plan`, ...).
    public func run<Value: Sendable>(
        _ command: String, hosts: [Inventory.Host],
        work: @escaping @Sendable (HostRun) async throws -> HostResult<Value>
    ) async -> FleetResult<Value> {
        let clock = ContinuousClock()
        let started = clock.now
        let batchSize = options.batchSize?.batchSize(of: hosts.count) ?? max(hosts.count, 1)
        let batches = stride(from: 0, to: hosts.count, by: batchSize).map { Array(hosts[$0..<min($0 + batchSize, hosts.count)]) }
        emit(.runStarted(command: command, batches: batches.map { $0.map(\.name) }))

        let connections = OpenConnections()
        let observer = interruption.observe { [events] level, signal in
            events.receive(.interruptRequested(level: level, signal: signal), at: Date())
            if level == .aborting { connections.abortAll() }
        }
        defer { interruption.stopObserving(observer) }

        var results: [HostResult<Value>] = []
        var stoppedEarly: String?
        for (index, batch) in batches.enumerated() {
            if stoppedEarly != nil {
                // Hosts of batches never started: said once each, so every host is accounted for.
                let status: HostStatus = interruption.level > .none ? .notStarted : .skipped
                for host in batch { results.append(finish(HostResult(status: status), host: host.name, seconds: 0)) }
                continue
            }
            emit(.batchStarted(number: index + 1, hosts: batch.map(\.name)))
            results += await batch.concurrentMap(limit: options.parallel) { host in
                await self.work(on: host, with: work, connections: connections)
            }
            emit(.batchFinished(number: index + 1))
            let failed = results.filter { $0.report.status == .failed || $0.report.status == .unreachable }.count
            if interruption.level > .none {
                stoppedEarly = "interrupted"
            } else if options.batchSize != nil, options.maxFailures.isExceeded(byFailures: failed, of: hosts.count) {
                stoppedEarly = "\(failed) host(s) failed, more than --max-fail \(options.maxFailures)"
            } else if index < batches.count - 1, options.pause > .zero {
                await pause()
                if interruption.level > .none { stoppedEarly = "interrupted" }
            }
        }
        let report = RunReport(command: command, hosts: results.map(\.report), seconds: (clock.now - started).secondsValue,
                               stoppedEarly: stoppedEarly,
                               interrupted: interruption.level > .none, signal: interruption.signal)
        emit(.runFinished(report))
        return FleetResult(hosts: results, report: report)
    }

    /// Waits ``Options/pause``, or until the operator asks to stop.
    private func pause() async {
        await withTaskGroup(of: Void.self) { [options, interruption] group in
            group.addTask { try? await Task.sleep(for: options.pause) }
            group.addTask { await interruption.wait(for: .stopping) }
            await group.next()
            group.cancelAll()
        }
    }

    private func work<Value: Sendable>(
        on host: Inventory.Host, with work: @Sendable (HostRun) async throws -> HostResult<Value>,
        connections: OpenConnections
    ) async -> HostResult<Value> {
        guard interruption.level == .none else {
            return finish(HostResult(status: .notStarted), host: host.name, seconds: 0)
        }
        let clock = ContinuousClock()
        let started = clock.now
        emit(.hostStarted(host: host.name))
        let run = HostRun(host: host, interruption: interruption, events: events, connections: connections)
        var result: HostResult<Value>
        do {
            result = try await work(run)
        } catch {
            let failure = HostFailure(error, host: host.name)
            Self.logger.debug("\(host.name): \(failure.headline)")
            result = HostResult(status: failure.unreachable ? .unreachable : .failed, failure: failure)
        }
        connections.forget(host: host.name)
        return finish(result, host: host.name, seconds: (clock.now - started).secondsValue)
    }

    private func finish<Value>(_ result: HostResult<Value>, host: String, seconds: Double) -> HostResult<Value> {
        var result = result
        result.report.host = host
        result.report.seconds = seconds
        emit(.hostFinished(host: host, report: result.report))
        return result
    }

    private func emit(_ event: FleetEvent) {
        events.receive(event, at: Date())
    }
}

/// One host's work within a run: what a command's closure reports through, and what it
/// asks of the run.
public struct HostRun: Sendable {
    public let host: Inventory.Host
    /// The operator's request to stop, if any: a closure checks it before a step that
    /// changes anything.
    public let interruption: Interruption
    private let events: any FleetEventSink
    private let connections: OpenConnections

    init(host: Inventory.Host, interruption: Interruption, events: any FleetEventSink, connections: OpenConnections) {
        self.host = host
        self.interruption = interruption
        self.events = events
        self.connections = connections
    }

    /// The host moves on to `phase`.
    public func enter(_ phase: HostPhase) {
        emit(.phaseEntered(host: host.name, phase: phase))
    }

    /// Tells the run's sink of something the host produced (its plan, a step, an output).
    public func emit(_ event: FleetEvent) {
        events.receive(event, at: Date())
    }

    /// Cut at once if the operator asks the run a second time to stop; released when the
    /// host's work ends.
    public func track(_ connection: any HostConnection) {
        connections.add(connection, host: host.name)
    }
}

/// What a command's work on one host came to: how it ended, and the value it produced
/// (a plan, an apply result, a sweep, facts, a command's output).
public struct HostResult<Value: Sendable>: Sendable {
    /// The status, changes and failure; the runner fills in the host and the time taken.
    public var report: HostReport
    public var value: Value?

    public init(status: HostStatus, value: Value? = nil, changes: Int = 0, failure: HostFailure? = nil) {
        self.report = HostReport(host: "", status: status, changes: changes, failure: failure)
        self.value = value
    }

    public var host: String { report.host }
    public var status: HostStatus { report.status }
}

/// What a whole run came to: every host's result, in the order the hosts were given, and
/// the report the summary is made from.
public struct FleetResult<Value: Sendable>: Sendable {
    public var hosts: [HostResult<Value>]
    public var report: RunReport

    /// The values the hosts produced, in host order (hosts that produced none left out).
    public var values: [Value] { hosts.compactMap(\.value) }
}

/// The connections of the hosts being worked on, to cut at once on a second interruption.
final class OpenConnections: @unchecked Sendable {
    private let lock = NSLock()
    private var connections: [String: [any HostConnection]] = [:]
    private var aborted = false

    func add(_ connection: any HostConnection, host: String) {
        let abortNow = lock.withLock {
            connections[host, default: []].append(connection)
            return aborted
        }
        if abortNow { connection.abort() }
    }

    func forget(host: String) {
        _ = lock.withLock { connections.removeValue(forKey: host) }
    }

    func abortAll() {
        let all = lock.withLock {
            aborted = true
            return connections.values.joined()
        }
        for connection in all { connection.abort() }
    }
}
