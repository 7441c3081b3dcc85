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

        public init(parallel: Int = 64) {
            self.parallel = parallel
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

    /// Works on every host with `work`, at most ``Options/parallel`` at once, and reports each.
    ///
    /// `work` runs once per host that is started; it throws for a host that failed, and the
    /// runner reports the error as a ``HostFailure`` (unreachable when the transport says so).
    /// A host whose change must roll (``HostRun/waitForTurn(_:)``) waits there until every
    /// host has either finished or asked for its turn; the waiting hosts then go in
    /// batches (``RolloutTurns``), and once a batch fails beyond its group's allowance the
    /// later ones are not started. Hosts never started (interrupted first) are reported
    /// without running it.
    ///
    /// - Parameter command: The command's name for the events (`apply`, `plan`, ...).
    public func run<Value: Sendable>(
        _ command: String, hosts: [Inventory.Host],
        work: @escaping @Sendable (HostRun) async throws -> HostResult<Value>
    ) async -> FleetResult<Value> {
        let clock = ContinuousClock()
        let started = clock.now
        emit(.runStarted(command: command, hosts: hosts.map(\.name)))

        let connections = OpenConnections()
        let observer = interruption.observe { [events] level, signal in
            events.receive(.interruptRequested(level: level, signal: signal), at: Date())
            if level == .aborting { connections.abortAll() }
        }
        defer { interruption.stopObserving(observer) }

        let slots = HostSlots(options.parallel)
        let turns = RolloutTurns(hosts: hosts.count, interruption: interruption, events: events)
        async let stoppedEarly = turns.roll()
        let results = await withTaskGroup(of: (Int, HostResult<Value>).self) { group in
            for (position, host) in hosts.enumerated() {
                group.addTask {
                    await slots.acquire()
                    let turn = HostTurn(position: position, turns: turns, slots: slots)
                    let result = await self.work(on: host, with: work, turn: turn, connections: connections)
                    await slots.release()
                    await turn.end(host: host.name, failed: result.status == .failed || result.status == .unreachable)
                    return (position, result)
                }
            }
            var results = [HostResult<Value>?](repeating: nil, count: hosts.count)
            for await (position, result) in group { results[position] = result }
            return results.map { $0! }
        }
        let report = RunReport(command: command, hosts: results.map(\.report), seconds: (clock.now - started).secondsValue,
                               stoppedEarly: await stoppedEarly,
                               interrupted: interruption.level > .none, signal: interruption.signal)
        emit(.runFinished(report))
        return FleetResult(hosts: results, report: report)
    }

    private func work<Value: Sendable>(
        on host: Inventory.Host, with work: @Sendable (HostRun) async throws -> HostResult<Value>,
        turn: HostTurn, connections: OpenConnections
    ) async -> HostResult<Value> {
        guard interruption.level == .none else {
            return finish(HostResult(status: .notStarted), host: host.name, seconds: 0)
        }
        let clock = ContinuousClock()
        let started = clock.now
        emit(.hostStarted(host: host.name))
        let run = HostRun(host: host, interruption: interruption, events: events, connections: connections, turn: turn)
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
    private let turn: HostTurn?

    init(host: Inventory.Host, interruption: Interruption, events: any FleetEventSink, connections: OpenConnections,
         turn: HostTurn? = nil) {
        self.host = host
        self.interruption = interruption
        self.events = events
        self.connections = connections
        self.turn = turn
    }

    /// Waits until the rollout lets this host go (``RolloutTurns``): true when it may make
    /// its change now, false when the rollout stopped before its batch (an earlier batch
    /// failed, or the run was interrupted) and it must be left as it is.
    public func waitForTurn(_ ticket: RolloutTicket) async -> Bool {
        guard let turn else { return true }
        enter(.turn)
        return await turn.wait(host: host.name, ticket: ticket)
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
