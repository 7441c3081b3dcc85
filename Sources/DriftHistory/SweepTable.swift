import Foundation

/// Plain text rendering of stored sweeps, for `converge drift history`.
public enum SweepTable {
    /// A table with one line per sweep, in the order given, under a header line:
    ///
    /// ```
    /// ID  STARTED              DURATION  HOSTS  UNREACHABLE  FINDINGS
    /// 12  2026-11-20 02:00:04     41.2s      6            1         3
    /// ```
    ///
    /// Text columns are aligned left, numbers right; no trailing spaces. "No sweeps recorded."
    /// when `sweeps` is empty.
    ///
    /// - Parameters:
    ///   - timeZone: The zone `STARTED` is shown in (the machine's by default).
    ///   - showInventory: Adds an `INVENTORY` column, for listings across inventories.
    public static func render(
        _ sweeps: [SweepRecord], timeZone: TimeZone = .current, showInventory: Bool = false
    ) -> String {
        if sweeps.isEmpty { return "No sweeps recorded.\n" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"

        // (header, right-aligned, cell per sweep)
        var columns: [(String, Bool, (SweepRecord) -> String)] = [
            ("ID", true, { String($0.id) }),
            ("STARTED", false, { formatter.string(from: $0.startedAt) }),
        ]
        if showInventory { columns.append(("INVENTORY", false, { $0.inventory })) }
        columns += [
            ("DURATION", true, { formatDuration($0.duration) }),
            ("HOSTS", true, { String($0.hostCount) }),
            ("UNREACHABLE", true, { String($0.unreachableCount) }),
            ("FINDINGS", true, { String($0.findingCount) }),
        ]

        let rows = [columns.map(\.0)] + sweeps.map { sweep in columns.map { $0.2(sweep) } }
        let widths = columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { column in
                let cell = row[column]
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return columns[column].1 ? padding + cell : cell + padding
            }
            .joined(separator: "  ")
            .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        .joined(separator: "\n") + "\n"
    }

    /// `41.2s` under a minute, `3m05s` under an hour, `1h02m` beyond.
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }
}
