import Foundation
import GRDB

/// The history of drift sweeps, stored in one SQLite file.
///
/// Every sweep is recorded with its findings; recording compares the sweep with the last
/// one of the same inventory, so a report can mark what is new and what was resolved.
///
/// Several processes may use the same file at once (two nightly sweeps, a sweep and
/// `converge drift history`): the file is in WAL mode, writers wait for each other (up to
/// ``busyTimeout``) instead of failing, and each recording reads the previous sweep and
/// writes the new one in a single IMMEDIATE transaction, so two sweeps never compare
/// against the same previous sweep and neither is lost.
public final class DriftHistory: Sendable {
    /// The file this history is stored in.
    public let path: String

    /// How long a writer waits for another process's transaction before giving up.
    /// Recording a sweep takes milliseconds, so this only matters under real contention.
    public static let busyTimeout: TimeInterval = 30

    /// Written into the SQLite header (`PRAGMA application_id`) so a converge history can be
    /// told from any other SQLite file. "CVDH": converge drift history.
    static let applicationID: Int32 = 0x4356_4448

    // A pool rather than a queue: GRDB's pool is its documented choice for a file shared
    // between processes (WAL: readers never block the writer, nor the writer readers).
    private let pool: DatabasePool

    /// Opens the history at `path`, creating the file and its schema when missing.
    ///
    /// - Throws: ``DriftHistoryError/cannotOpen(path:reason:)`` when the file cannot be
    ///   opened or created; ``DriftHistoryError/notAHistory(path:reason:)`` when it is not
    ///   SQLite or is another application's SQLite database (it is then left untouched);
    ///   ``DriftHistoryError/newerSchema(path:unknownMigrations:)`` when a newer converge
    ///   wrote it.
    public init(path: String) throws {
        self.path = path
        let migrator = Self.migrator

        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "DriftHistory"

        // Two processes creating the file at once can collide where SQLite's busy timeout does
        // not help: switching a new file to WAL returns "database is locked" at once, and the
        // migrator looks for applied migrations outside the migration's transaction, so both
        // may try to apply v1. Both failures leave nothing half done (v1 is one transaction),
        // and trying again shortly after succeeds: the file is in WAL mode, v1 is applied.
        var attempt = 0
        while true {
            attempt += 1
            do {
                // Look at the file before the pool opens it: opening a pool switches the file
                // to WAL mode, which must not happen to somebody else's database.
                try Self.checkIsHistoryOrEmpty(path: path, migrator: migrator)
                let pool = try DatabasePool(path: path, configuration: configuration)
                try migrator.migrate(pool)
                self.pool = pool
                break
            } catch let error as DatabaseError
                where attempt < 10 && ![.SQLITE_NOTADB, .SQLITE_CANTOPEN].contains(error.resultCode)
            {
                Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
            } catch let error as DriftHistoryError {
                throw error
            } catch {
                throw Self.openError(path: path, error)
            }
        }
    }

    /// Compares a sweep with the last sweep of the same inventory, then records it, in one
    /// transaction.
    ///
    /// - Parameters:
    ///   - startedAt: When the sweep started.
    ///   - duration: How long it took, in seconds.
    ///   - inventory: Which inventory it ran on. Use the same string every time for the same
    ///     inventory (for example its file name): sweeps of different inventories are never
    ///     compared.
    ///   - hostCount: Hosts the sweep tried to check.
    ///   - unreachableCount: Hosts it could not reach.
    ///   - findings: What the sweep found. Keys must be unique.
    ///   - unverifiedSubjects: Hosts that could not be checked this time (unreachable).
    ///     A previous finding about one of them that is missing from `findings` was not
    ///     fixed, only not seen: it counts as persisting (and is listed in
    ///     ``HistoryComparison/unverified``), not as resolved, and is carried over into this
    ///     sweep so that it is resolved, or still there, when the host is next reached. A
    ///     finding about a group is never unverified: name hosts here, not groups.
    /// - Returns: The stored sweep and how it compares with the previous one.
    /// - Throws: ``DriftHistoryError/duplicateFindingKey(_:)`` before writing anything when
    ///   two findings share a key; a database error when the file cannot be written.
    @discardableResult
    public func record(
        startedAt: Date,
        duration: Double,
        inventory: String,
        hostCount: Int,
        unreachableCount: Int,
        findings: [RecordedFinding],
        unverifiedSubjects: Set<String> = []
    ) throws -> (sweep: SweepRecord, comparison: HistoryComparison) {
        var currentKeys = Set<String>()
        for finding in findings where !currentKeys.insert(finding.key).inserted {
            throw DriftHistoryError.duplicateFindingKey(finding.key)
        }

        // GRDB opens write transactions IMMEDIATE: the write lock is taken before reading the
        // previous sweep, so a concurrent recording cannot slip in between.
        return try pool.write { db in
            let previous = try SweepRecord.fetchLast(db, inventory: inventory)
            let previousFindings =
                try previous.map {
                    try RecordedFinding.fetchAll(db, sweep: $0.id, includingCarriedOver: true)
                } ?? []
            let previousKeys = Set(previousFindings.map(\.key))

            let new = findings.filter { !previousKeys.contains($0.key) }
            let observedAgain = findings.filter { previousKeys.contains($0.key) }
            var resolved: [RecordedFinding] = []
            var unverified: [RecordedFinding] = []
            for finding in previousFindings where !currentKeys.contains(finding.key) {
                if unverifiedSubjects.contains(finding.subject) {
                    unverified.append(finding)
                } else {
                    resolved.append(finding)
                }
            }

            try db.execute(
                sql: """
                    INSERT INTO sweep (started_at, duration, inventory, host_count, unreachable_count, finding_count)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [startedAt, duration, inventory, hostCount, unreachableCount, findings.count])
            let id = db.lastInsertedRowID
            for finding in findings {
                try finding.insert(db, sweep: id, carriedOver: false)
            }
            for finding in unverified {
                try finding.insert(db, sweep: id, carriedOver: true)
            }
            // Read back rather than echo the arguments: the date is stored to the millisecond,
            // and the returned record must equal what ``sweeps(inventory:limit:)`` gives later.
            guard let sweep = try SweepRecord.fetch(db, id: id) else {
                throw DatabaseError(
                    resultCode: .SQLITE_INTERNAL, message: "sweep \(id) vanished after insert")
            }
            let comparison = HistoryComparison(
                previous: previous, new: new, resolved: resolved,
                persisting: observedAgain + unverified, unverified: unverified)
            return (sweep, comparison)
        }
    }

    /// Stored sweeps, newest (most recently recorded) first.
    ///
    /// - Parameters:
    ///   - inventory: Only sweeps of this inventory; nil for all.
    ///   - limit: At most this many; nil for all.
    public func sweeps(inventory: String? = nil, limit: Int? = 50) throws -> [SweepRecord] {
        try pool.read { db in
            var sql = "SELECT * FROM sweep"
            var arguments: StatementArguments = []
            if let inventory {
                sql += " WHERE inventory = ?"
                arguments += [inventory]
            }
            sql += " ORDER BY id DESC"
            if let limit {
                sql += " LIMIT ?"
                arguments += [max(0, limit)]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(SweepRecord.init(row:))
        }
    }

    /// The sweep with this id, or nil when there is none.
    public func sweep(id: Int64) throws -> SweepRecord? {
        try pool.read { db in try SweepRecord.fetch(db, id: id) }
    }

    /// The findings of a sweep, in the order they were recorded; empty for an unknown sweep.
    ///
    /// - Parameter includingCarriedOver: Also return the findings carried over from the
    ///   previous sweep because their host was unreachable (see `unverifiedSubjects` in
    ///   ``record(startedAt:duration:inventory:hostCount:unreachableCount:findings:unverifiedSubjects:)``).
    ///   By default only what the sweep observed, ``SweepRecord/findingCount`` findings.
    public func findings(of sweep: Int64, includingCarriedOver: Bool = false) throws
        -> [RecordedFinding]
    {
        try pool.read { db in
            try RecordedFinding.fetchAll(db, sweep: sweep, includingCarriedOver: includingCarriedOver)
        }
    }

    /// The schema migrations applied to the file, oldest first (for diagnostics and tests).
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
    }

    // MARK: - Schema

    /// Versioned schema. Never edit a shipped migration: add "v2", ... instead.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(
                sql: """
                    CREATE TABLE sweep (
                        -- AUTOINCREMENT: ids are never reused, even after sweeps are deleted.
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        started_at DATETIME NOT NULL,
                        duration DOUBLE NOT NULL,
                        inventory TEXT NOT NULL,
                        host_count INTEGER NOT NULL,
                        unreachable_count INTEGER NOT NULL,
                        finding_count INTEGER NOT NULL
                    );
                    CREATE INDEX sweep_on_inventory ON sweep(inventory, id);
                    CREATE TABLE finding (
                        id INTEGER PRIMARY KEY,
                        sweep_id INTEGER NOT NULL REFERENCES sweep(id) ON DELETE CASCADE,
                        key TEXT NOT NULL,
                        category TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        summary TEXT NOT NULL,
                        -- 1: not observed, carried over from the previous sweep (host unreachable).
                        carried_over BOOLEAN NOT NULL DEFAULT 0
                    );
                    -- Also serves lookups by sweep_id alone.
                    CREATE UNIQUE INDEX finding_on_sweep_key ON finding(sweep_id, key);
                    CREATE INDEX finding_on_key ON finding(key);
                    """)
        }
        return migrator
    }

    /// Refuses a file that is not SQLite, or is SQLite but neither empty nor a converge
    /// history, without changing it. Creates the file when missing. Throws
    /// ``DriftHistoryError`` for a file that is not a history, raw database errors otherwise.
    private static func checkIsHistoryOrEmpty(path: String, migrator: DatabaseMigrator) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        let probe = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? probe.close() }
        try probe.read { db in
            let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            if applicationID == Self.applicationID {
                if try migrator.hasBeenSuperseded(db) {
                    let known = Set(migrator.migrations)
                    let unknown = try migrator.appliedIdentifiers(db).subtracting(known).sorted()
                    throw DriftHistoryError.newerSchema(path: path, unknownMigrations: unknown)
                }
                return
            }
            // grdb_migrations alone is a history being created by another process right
            // now: the migrator creates that table before the v1 transaction.
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master
                    WHERE name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                    ORDER BY name
                    """)
            if !tables.isEmpty {
                let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
                throw DriftHistoryError.notAHistory(
                    path: path, reason: "it is another SQLite database (tables: \(shown))")
            }
        }
    }

    private static func openError(path: String, _ error: any Error) -> DriftHistoryError {
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_NOTADB {
            return .notAHistory(path: path, reason: "it is not an SQLite database")
        }
        return .cannotOpen(path: path, reason: describe(error))
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return "\(error)"
    }
}

// MARK: - Rows

extension SweepRecord {
    init(row: Row) {
        self.init(
            id: row["id"], startedAt: row["started_at"], duration: row["duration"],
            inventory: row["inventory"], hostCount: row["host_count"],
            unreachableCount: row["unreachable_count"], findingCount: row["finding_count"])
    }

    static func fetch(_ db: Database, id: Int64) throws -> SweepRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM sweep WHERE id = ?", arguments: [id]).map(
            Self.init(row:))
    }

    static func fetchLast(_ db: Database, inventory: String) throws -> SweepRecord? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM sweep WHERE inventory = ? ORDER BY id DESC LIMIT 1",
            arguments: [inventory]
        ).map(Self.init(row:))
    }
}

extension RecordedFinding {
    static func fetchAll(_ db: Database, sweep: Int64, includingCarriedOver: Bool) throws
        -> [RecordedFinding]
    {
        let sql =
            "SELECT key, category, subject, summary FROM finding WHERE sweep_id = ?"
            + (includingCarriedOver ? "" : " AND carried_over = 0")
            + " ORDER BY id"
        return try Row.fetchAll(db, sql: sql, arguments: [sweep]).map {
            RecordedFinding(
                key: $0["key"], category: $0["category"], subject: $0["subject"], summary: $0["summary"])
        }
    }

    func insert(_ db: Database, sweep: Int64, carriedOver: Bool) throws {
        try db.execute(
            sql: """
                INSERT INTO finding (sweep_id, key, category, subject, summary, carried_over)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [sweep, key, category, subject, summary, carriedOver])
    }
}
