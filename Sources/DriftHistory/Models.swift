import Foundation

/// One finding of a drift sweep, as the history stores it.
///
/// The history knows nothing of what a finding means: it compares sweeps by ``key`` only.
/// The key must be stable from one sweep to the next for the same drift (for example
/// `"package:lab01:nginx"`) and unique within a sweep.
public struct RecordedFinding: Codable, Hashable, Sendable {
    /// Stable identity of the finding across sweeps; unique within one sweep.
    public var key: String
    /// The kind of finding (for example `"package"` or `"file"`), for display and filtering.
    public var category: String
    /// The host or group the finding is about. Matched against `unverifiedSubjects`
    /// in ``DriftHistory/record(startedAt:duration:inventory:hostCount:unreachableCount:findings:unverifiedSubjects:)``.
    public var subject: String
    /// One line describing the finding, as shown when it was recorded.
    public var summary: String

    public init(key: String, category: String, subject: String, summary: String) {
        self.key = key
        self.category = category
        self.subject = subject
        self.summary = summary
    }
}

/// One stored sweep.
public struct SweepRecord: Codable, Hashable, Sendable, Identifiable {
    /// Increases with every sweep recorded in the file, whatever its inventory; never reused.
    public var id: Int64
    /// When the sweep started. Stored with millisecond precision.
    public var startedAt: Date
    /// How long the sweep took, in seconds.
    public var duration: Double
    /// The inventory the sweep ran on, as the caller named it. Sweeps are compared only
    /// with earlier sweeps of the same inventory.
    public var inventory: String
    /// Hosts the sweep tried to check.
    public var hostCount: Int
    /// Hosts the sweep could not reach.
    public var unreachableCount: Int
    /// Findings actually observed in this sweep (not counting those carried over from
    /// unreachable hosts; see ``HistoryComparison/unverified``).
    public var findingCount: Int

    public init(
        id: Int64, startedAt: Date, duration: Double, inventory: String,
        hostCount: Int, unreachableCount: Int, findingCount: Int
    ) {
        self.id = id
        self.startedAt = startedAt
        self.duration = duration
        self.inventory = inventory
        self.hostCount = hostCount
        self.unreachableCount = unreachableCount
        self.findingCount = findingCount
    }
}

/// How a sweep differs from the previous sweep of the same inventory.
///
/// Findings are compared by ``RecordedFinding/key``. ``new`` and the observed part of
/// ``persisting`` keep the order the caller gave; ``resolved`` and ``unverified`` keep the
/// order of the previous sweep.
public struct HistoryComparison: Sendable, Hashable {
    /// The last sweep of the same inventory before this one, or nil for the first sweep
    /// (then every finding is new).
    public var previous: SweepRecord?
    /// Findings of this sweep whose key the previous sweep did not have.
    public var new: [RecordedFinding]
    /// Findings of the previous sweep whose key this sweep does not have, and whose
    /// subject was checked this time (not in `unverifiedSubjects`).
    public var resolved: [RecordedFinding]
    /// Findings still there: those observed again (as described this time), followed by
    /// the ``unverified`` ones.
    public var persisting: [RecordedFinding]
    /// The part of ``persisting`` that was not observed this time because its subject
    /// could not be checked (unreachable): carried over from the previous sweep as it was
    /// described then, so it is neither reported resolved now nor new when the host
    /// comes back.
    public var unverified: [RecordedFinding]

    /// True when there is no earlier sweep of this inventory.
    public var isFirstSweep: Bool { previous == nil }

    public init(
        previous: SweepRecord?, new: [RecordedFinding], resolved: [RecordedFinding],
        persisting: [RecordedFinding], unverified: [RecordedFinding]
    ) {
        self.previous = previous
        self.new = new
        self.resolved = resolved
        self.persisting = persisting
        self.unverified = unverified
    }
}

/// Why the history could not be opened or written.
public enum DriftHistoryError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file could not be opened or created (missing directory, permissions, ...).
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not a converge drift history: not SQLite at all, or an
    /// SQLite database of something else. It is left untouched.
    case notAHistory(path: String, reason: String)
    /// The file was written by a newer converge whose schema this one does not know.
    case newerSchema(path: String, unknownMigrations: [String])
    /// Two findings given to one sweep share a key; keys must be unique within a sweep.
    case duplicateFindingKey(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open drift history \(path): \(reason)"
        case let .notAHistory(path, reason):
            return "\(path) is not a converge drift history: \(reason)"
        case let .newerSchema(path, unknown):
            return "drift history \(path) was written by a newer converge "
                + "(unknown schema migrations: \(unknown.joined(separator: ", ")))"
        case let .duplicateFindingKey(key):
            return "duplicate finding key in one sweep: \(key)"
        }
    }

    public var errorDescription: String? { description }
}
