import Foundation
import GRDB  // only to make foreign and "newer" SQLite files
import Testing

@testable import DriftHistory

/// A fresh directory per test; removed when the test ends.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("drift-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

func finding(_ key: String, subject: String = "lab01", summary: String? = nil) -> RecordedFinding {
    RecordedFinding(
        key: key, category: String(key.split(separator: ":").first ?? "x"),
        subject: subject, summary: summary ?? "summary of \(key)")
}

let t0 = Date(timeIntervalSince1970: 1_790_000_000)

extension DriftHistory {
    @discardableResult
    func sweep(
        _ findings: [RecordedFinding], inventory: String = "lab", at date: Date = t0,
        unverified: Set<String> = []
    ) throws -> (sweep: SweepRecord, comparison: HistoryComparison) {
        try record(
            startedAt: date, duration: 12.5, inventory: inventory, hostCount: 6,
            unreachableCount: unverified.count, findings: findings, unverifiedSubjects: unverified)
    }
}

func keys(_ findings: [RecordedFinding]) -> [String] { findings.map(\.key) }

@Suite struct ComparisonTests {
    @Test func firstSweepIsAllNewNothingResolved() throws {
        let dir = try TempDir()
        let history = try DriftHistory(path: dir.path("h.sqlite"))
        let (sweep, comparison) = try history.sweep([finding("pkg:a"), finding("file:b")])
        #expect(comparison.previous == nil)
        #expect(comparison.isFirstSweep)
        #expect(keys(comparison.new) == ["pkg:a", "file:b"])
        #expect(comparison.resolved.isEmpty)
        #expect(comparison.persisting.isEmpty)
        #expect(sweep.findingCount == 2)
        #expect(sweep.inventory == "lab")
        #expect(sweep.startedAt == t0)
        #expect(try history.findings(of: sweep.id) == [finding("pkg:a"), finding("file:b")])
    }

    @Test func secondSweepShowsExactlyTheFixedAndTheAdded() throws {
        let dir = try TempDir()
        let history = try DriftHistory(path: dir.path("h.sqlite"))
        let (first, _) = try history.sweep([finding("pkg:a"), finding("file:b"), finding("svc:c")])
        let (second, comparison) = try history.sweep(
            [finding("pkg:a", summary: "described anew"), finding("svc:c"), finding("user:d")],
            at: t0 + 86400)
        #expect(comparison.previous == first)
        #expect(keys(comparison.new) == ["user:d"])
        #expect(keys(comparison.resolved) == ["file:b"])
        #expect(keys(comparison.persisting) == ["pkg:a", "svc:c"])
        #expect(comparison.unverified.isEmpty)
        // Persisting findings are described as observed this time.
        #expect(comparison.persisting.first?.summary == "described anew")
        #expect(second.id > first.id)
    }

    @Test func unreachableHostsFindingsPersistAndAreCarriedOver() throws {
        let dir = try TempDir()
        let history = try DriftHistory(path: dir.path("h.sqlite"))
        try history.sweep([
            finding("pkg:lab01", subject: "lab01"), finding("pkg:lab02", subject: "lab02"),
            finding("grp:web", subject: "web"),
        ])

        // lab02 unreachable; lab01's finding fixed; the group finding fixed too.
        let (second, down) = try history.sweep(
            [finding("unreachable:lab02", subject: "lab02")], at: t0 + 1, unverified: ["lab02"])
        #expect(keys(down.resolved) == ["pkg:lab01", "grp:web"])
        #expect(keys(down.new) == ["unreachable:lab02"])
        #expect(keys(down.persisting) == ["pkg:lab02"])
        #expect(keys(down.unverified) == ["pkg:lab02"])
        #expect(second.findingCount == 1)
        #expect(keys(try history.findings(of: second.id)) == ["unreachable:lab02"])
        #expect(
            keys(try history.findings(of: second.id, includingCarriedOver: true))
                == ["unreachable:lab02", "pkg:lab02"])

        // Still unreachable: carried over again, not resolved.
        let (_, stillDown) = try history.sweep(
            [finding("unreachable:lab02", subject: "lab02")], at: t0 + 2, unverified: ["lab02"])
        #expect(stillDown.resolved.isEmpty)
        #expect(keys(stillDown.persisting) == ["unreachable:lab02", "pkg:lab02"])
        #expect(keys(stillDown.unverified) == ["pkg:lab02"])

        // Back, drift still there: persisting, not new.
        let (_, back) = try history.sweep([finding("pkg:lab02", subject: "lab02")], at: t0 + 3)
        #expect(back.new.isEmpty)
        #expect(keys(back.persisting) == ["pkg:lab02"])
        #expect(keys(back.resolved) == ["unreachable:lab02"])

        // Fixed while reachable: resolved.
        let (_, fixed) = try history.sweep([], at: t0 + 4)
        #expect(keys(fixed.resolved) == ["pkg:lab02"])
    }

    @Test func withoutUnverifiedSubjectsMissingFindingsAreResolved() throws {
        // The counterpart of the test above: the carry-over is due to unverifiedSubjects alone.
        let dir = try TempDir()
        let history = try DriftHistory(path: dir.path("h.sqlite"))
        try history.sweep([finding("pkg:lab02", subject: "lab02")])
        let (_, comparison) = try history.sweep([], at: t0 + 1, unverified: ["lab03"])
        #expect(keys(comparison.resolved) == ["pkg:lab02"])
        #expect(comparison.persisting.isEmpty)
    }

    @Test func duplicateKeysAreRefusedBeforeWriting() throws {
        let dir = try TempDir()
        let history = try DriftHistory(path: dir.path("h.sqlite"))
        #expect(throws: DriftHistoryError.duplicateFindingKey("pkg:a")) {
            try history.sweep([finding("pkg:a"), finding("pkg:b"), finding("pkg:a")])
        }
        #expect(try history.sweeps().isEmpty)
    }
}

@Suite struct ListingTests {
    @Test func sweepsAreListedNewestFirst() throws {
        let dir = try TempDir()
        let history = try DriftHistory(path: dir.path("h.sqlite"))
        let ids = try (0..<4).map { try history.sweep([], at: t0 + Double($0) * 3600).sweep.id }
        let listed = try history.sweeps()
        #expect(listed.map(\.id) == ids.reversed())
        #expect(listed.first?.startedAt == t0 + 3 * 3600)
        #expect(try history.sweeps(limit: 2).map(\.id) == Array(ids.reversed().prefix(2)))
        #expect(try history.sweep(id: ids[1])?.startedAt == t0 + 3600)
        #expect(try history.sweep(id: 999) == nil)
    }

    @Test func inventoriesAreKeptApart() throws {
        let dir = try TempDir()
        let history = try DriftHistory(path: dir.path("h.sqlite"))
        let (labSweep, _) = try history.sweep([finding("pkg:a")], inventory: "lab")
        let (prodFirst, prod) = try history.sweep([finding("pkg:z")], inventory: "prod")
        // The lab sweep is not prod's previous sweep: nothing of lab's is resolved in prod.
        #expect(prod.previous == nil)
        #expect(prod.resolved.isEmpty)
        let (_, lab) = try history.sweep([finding("pkg:a")], inventory: "lab", at: t0 + 1)
        #expect(lab.previous == labSweep)
        #expect(lab.new.isEmpty && lab.resolved.isEmpty)
        #expect(try history.sweeps(inventory: "prod").map(\.id) == [prodFirst.id])
        #expect(try history.sweeps(inventory: "lab").count == 2)
        #expect(try history.sweeps().count == 3)
    }
}

@Suite struct FileTests {
    @Test func reopeningKeepsHistoryAndMigratesOnce() throws {
        let dir = try TempDir()
        let path = dir.path("h.sqlite")
        var first: SweepRecord
        do {
            let history = try DriftHistory(path: path)
            first = try history.sweep([finding("pkg:a")]).sweep
            #expect(try history.appliedMigrations() == ["v1"])
        }
        let reopened = try DriftHistory(path: path)
        #expect(try reopened.sweeps() == [first])
        #expect(try reopened.appliedMigrations() == ["v1"])
        let (_, comparison) = try reopened.sweep([], at: t0 + 1)
        #expect(comparison.previous == first)
        #expect(keys(comparison.resolved) == ["pkg:a"])
        // Opening a third time does not run v1 again (it would fail on the existing tables).
        _ = try DriftHistory(path: path)
        let queue = try DatabaseQueue(path: path)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM grdb_migrations") } == 1)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sweep") } == 2)
    }

    @Test func deletingASweepDeletesItsFindings() throws {
        let dir = try TempDir()
        let path = dir.path("h.sqlite")
        let history = try DriftHistory(path: path)
        let id = try history.sweep([finding("pkg:a"), finding("pkg:b")]).sweep.id
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { try $0.execute(sql: "DELETE FROM sweep WHERE id = ?", arguments: [id]) }
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM finding") } == 0)
    }

    @Test func anotherSQLiteDatabaseIsRefusedAndLeftAlone() throws {
        let dir = try TempDir()
        let path = dir.path("other.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('x')") }
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = #expect(throws: DriftHistoryError.self) { try DriftHistory(path: path) }
        #expect(error == .notAHistory(path: path, reason: "it is another SQLite database (tables: users)"))
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("is not a converge drift history") == true)
        // Not switched to WAL, nothing added.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func aFileThatIsNotSQLiteIsRefused() throws {
        let dir = try TempDir()
        let path = dir.path("notes.txt")
        let text = String(repeating: "these are not the bytes you are looking for\n", count: 50)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: DriftHistoryError.self) { try DriftHistory(path: path) }
        #expect(error == .notAHistory(path: path, reason: "it is not an SQLite database"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test func aPathThatCannotBeOpenedNamesTheFile() throws {
        let dir = try TempDir()
        let path = dir.path("missing-dir/h.sqlite")
        let error = #expect(throws: DriftHistoryError.self) { try DriftHistory(path: path) }
        guard case .cannotOpen(let failedPath, _) = error else {
            Issue.record("expected cannotOpen, got \(String(describing: error))")
            return
        }
        #expect(failedPath == path)
        #expect(error?.description.hasPrefix("cannot open drift history \(path): ") == true)
    }

    @Test func anEmptyFileBecomesAHistory() throws {
        let dir = try TempDir()
        let path = dir.path("empty.sqlite")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let history = try DriftHistory(path: path)
        #expect(try history.sweep([finding("pkg:a")]).comparison.isFirstSweep)
    }

    @Test func aHistoryFromANewerConvergeIsRefused() throws {
        let dir = try TempDir()
        let path = dir.path("h.sqlite")
        _ = try DriftHistory(path: path)
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v2-future')") }
        }
        #expect(throws: DriftHistoryError.newerSchema(path: path, unknownMigrations: ["v2-future"])) {
            try DriftHistory(path: path)
        }
    }
}

@Suite struct ConcurrencyTests {
    /// Writers on separate connections (as separate processes would be) creating the file
    /// and recording at once: every sweep is stored, and each compares with exactly the sweep
    /// recorded before it.
    @Test func concurrentWritersAreSerialized() async throws {
        let dir = try TempDir()
        let path = dir.path("h.sqlite")
        let writers = 6, sweepsEach = 5
        let results = try await withThrowingTaskGroup(of: [(SweepRecord, HistoryComparison)].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let history = try DriftHistory(path: path)  // each its own pool, all opening at once
                    return try (0..<sweepsEach).map { n in
                        try history.sweep([finding("w\(writer):\(n)"), finding("common")], at: t0 + Double(n))
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.count == writers * sweepsEach)
        let sorted = results.sorted { $0.0.id < $1.0.id }
        for (index, (sweep, comparison)) in sorted.enumerated() {
            let previous = index == 0 ? nil : sorted[index - 1]
            #expect(comparison.previous?.id == previous?.0.id)
            if let previous {
                #expect(keys(comparison.persisting) == ["common"])
                #expect(keys(comparison.resolved) == keys(previous.1.new).filter { $0 != "common" })
            }
            #expect(try DriftHistory(path: path).findings(of: sweep.id).count == 2)
        }
        #expect(try DriftHistory(path: path).appliedMigrations() == ["v1"])
    }
}

@Suite struct SweepTableTests {
    @Test func rendersAlignedColumns() {
        let utc = TimeZone(identifier: "UTC")!
        let sweeps = [
            SweepRecord(id: 12, startedAt: t0 + 3600, duration: 185, inventory: "lab", hostCount: 6, unreachableCount: 1, findingCount: 3),
            SweepRecord(id: 9, startedAt: t0, duration: 41.23, inventory: "production", hostCount: 140, unreachableCount: 0, findingCount: 17),
        ]
        #expect(SweepTable.render(sweeps, timeZone: utc) == """
            ID  STARTED              DURATION  HOSTS  UNREACHABLE  FINDINGS
            12  2026-09-21 15:13:20     3m05s      6            1         3
             9  2026-09-21 14:13:20     41.2s    140            0        17

            """)
        #expect(SweepTable.render(sweeps, timeZone: utc, showInventory: true) == """
            ID  STARTED              INVENTORY   DURATION  HOSTS  UNREACHABLE  FINDINGS
            12  2026-09-21 15:13:20  lab            3m05s      6            1         3
             9  2026-09-21 14:13:20  production     41.2s    140            0        17

            """)
        #expect(SweepTable.render([]) == "No sweeps recorded.\n")
        #expect(SweepTable.formatDuration(3725) == "1h02m")
    }
}

extension ConcurrencyTests {
    /// Several connections creating the same new file at once (two nightly sweeps on their
    /// first night): all open it, and v1 is applied once.
    @Test func concurrentCreationOfANewFile() throws {
        let dir = try TempDir()
        for round in 0..<30 {
            let path = dir.path("h\(round).sqlite")
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { _ = try DriftHistory(path: path) } catch { failures.append("\(error)") }
            }
            #expect(failures.all == [])
            #expect(try DriftHistory(path: path).appliedMigrations() == ["v1"])
        }
    }
}

/// Errors collected from several threads (Synchronization's Mutex needs macOS 15).
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String] = []
    func append(_ error: String) { lock.withLock { errors.append(error) } }
    var all: [String] { lock.withLock { errors } }
}
