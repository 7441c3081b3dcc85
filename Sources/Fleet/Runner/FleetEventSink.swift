import Foundation

/// Receives a run's events as they happen: a renderer, a log, a test.
///
/// Events come from every host's task at once; a sink takes care of its own ordering (a
/// lock around its writes) and returns quickly, since the host's work waits for it.
public protocol FleetEventSink: Sendable {
    func receive(_ event: FleetEvent, at time: Date)
}

/// Every event to each of several sinks, in order (a live display and a JSON log, say).
public struct FleetEventFanOut: FleetEventSink {
    public var sinks: [any FleetEventSink]

    public init(_ sinks: [any FleetEventSink]) {
        self.sinks = sinks
    }

    public func receive(_ event: FleetEvent, at time: Date) {
        for sink in sinks { sink.receive(event, at: time) }
    }
}

/// Keeps every event of a run, for tests and for callers that read a run after it ended;
/// a test can wait for an event instead of sleeping (``wait(for:)``).
public final class FleetEventRecorder: FleetEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [(event: FleetEvent, time: Date)] = []
    private var waiters: [(matches: @Sendable (FleetEvent) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

    public init() {}

    /// The events received so far, in order.
    public var events: [FleetEvent] { lock.withLock { recorded.map(\.event) } }

    public func receive(_ event: FleetEvent, at time: Date) {
        let ready = lock.withLock {
            recorded.append((event, time))
            let ready = waiters.filter { $0.matches(event) }
            waiters.removeAll { $0.matches(event) }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns once an event that `matches` has been received (at once if one was).
    public func wait(for matches: @escaping @Sendable (FleetEvent) -> Bool) async {
        await withCheckedContinuation { continuation in
            let seen = lock.withLock {
                if recorded.contains(where: { matches($0.event) }) { return true }
                waiters.append((matches, continuation))
                return false
            }
            if seen { continuation.resume() }
        }
    }
}
