import Foundation

/// An operator's request to stop a run, as Ctrl-C, SIGTERM or SIGHUP gives it: the first
/// asks for a graceful stop (no new host, no new step; running steps end), the second for
/// an immediate one (connections cut).
///
/// ```swift
/// let interruption = Interruption()
/// interruption.request(signal: "TERM")   // from a signal handler, any thread
/// interruption.level                     // .stopping, then .aborting
/// ```
public final class Interruption: @unchecked Sendable {
    /// How far the operator asked to stop.
    public enum Level: Int, Comparable, Sendable, Codable {
        case none, stopping, aborting

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private let lock = NSLock()
    private var current = Level.none
    private var firstSignal: String?
    private var observers: [UUID: @Sendable (Level, String?) -> Void] = [:]

    public init() {}

    /// The level reached so far.
    public var level: Level {
        lock.withLock { current }
    }

    /// The signal of the first request (`INT`, `TERM`, `HUP`), if a signal made it.
    public var signal: String? {
        lock.withLock { firstSignal }
    }

    /// One more request: none → stopping → aborting. Returns the new level.
    ///
    /// - Parameter signal: The signal that asked, as a name without `SIG` (`TERM`); nil
    ///   when no signal did (a test, a caller's own timeout).
    @discardableResult
    public func request(signal: String? = nil) -> Level {
        let (level, observers) = lock.withLock {
            current = Level(rawValue: min(current.rawValue + 1, Level.aborting.rawValue))!
            if firstSignal == nil { firstSignal = signal }
            return (current, Array(self.observers.values))
        }
        for observer in observers { observer(level, signal) }
        return level
    }

    /// Calls `observer` on every later request, on the requesting thread, until the
    /// returned token is passed to ``stopObserving(_:)``.
    public func observe(_ observer: @escaping @Sendable (Level, String?) -> Void) -> UUID {
        let token = UUID()
        lock.withLock { observers[token] = observer }
        return token
    }

    public func stopObserving(_ token: UUID) {
        _ = lock.withLock { observers.removeValue(forKey: token) }
    }

    /// Waits until the level reaches `level`, or the task is cancelled.
    public func wait(for level: Level) async {
        guard self.level < level else { return }
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let token = observe { reached, _ in if reached >= level { continuation.finish() } }
        defer { stopObserving(token) }
        // A request between the first check and observing would otherwise be missed.
        if self.level >= level { return }
        await withTaskCancellationHandler {
            for await _ in stream {}
        } onCancel: {
            continuation.finish()
        }
    }
}
