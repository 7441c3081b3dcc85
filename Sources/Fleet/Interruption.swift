import Foundation

/// An operator's request to stop a run, as Ctrl-C gives it: the first asks for a graceful
/// stop (no new host, no new step; running steps end), the second for an immediate one
/// (connections cut).
///
/// ```swift
/// let interruption = Interruption()
/// interruption.request()          // from a signal handler, any thread
/// interruption.level              // .stopping, then .aborting
/// ```
public final class Interruption: @unchecked Sendable {
    /// How far the operator asked to stop.
    public enum Level: Int, Comparable, Sendable {
        case none, stopping, aborting

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private let lock = NSLock()
    private var current = Level.none

    public init() {}

    /// The level reached so far.
    public var level: Level {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// One more request: none → stopping → aborting. Returns the new level.
    @discardableResult
    public func request() -> Level {
        lock.lock()
        defer { lock.unlock() }
        current = Level(rawValue: min(current.rawValue + 1, Level.aborting.rawValue))!
        return current
    }

    /// Waits until the level reaches `level` (checked every 50 ms), or the task is cancelled.
    public func wait(for level: Level) async {
        while self.level < level, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
