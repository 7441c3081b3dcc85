/// A unified line diff (Myers' O(ND) algorithm), as `diff -u` prints its hunks.
public enum LineDiff {
    enum Edit: Equatable {
        case same(Int, Int)
        case delete(Int)
        case insert(Int)
    }

    /// The hunks of a unified diff from `old` to `new`, with `context` lines around
    /// changes, each hunk headed `@@ -a,b +c,d @@`; empty when the texts are equal.
    /// A last line without a newline is marked `\ No newline at end of file`.
    ///
    /// Lines end at every `\n`, whatever precedes it, so a CRLF file has its lines too.
    /// A carriage return is shown as `␍` (U+240D): a line that differs only by its CRLF
    /// ending is seen to differ, and no CR reaches a terminal to move its cursor.
    public static func unified(old: String, new: String, context: Int = 3) -> [String] {
        let (a, aTerminated) = splitLines(old)
        let (b, bTerminated) = splitLines(new)
        var edits = diff(a, b)
        // A changed final newline changes the last line.
        if aTerminated != bTerminated, !a.isEmpty, !b.isEmpty,
            case .same(let i, let j) = edits.last, i == a.count - 1, j == b.count - 1
        {
            edits.removeLast()
            edits += [.delete(i), .insert(j)]
        }
        guard edits.contains(where: { if case .same = $0 { false } else { true } }) else { return [] }

        func text(_ edit: Edit) -> [String] {
            switch edit {
            case .same(let i, _): return [" " + visible(a[i])] + (i == a.count - 1 && !aTerminated ? [#"\ No newline at end of file"#] : [])
            case .delete(let i): return ["-" + visible(a[i])] + (i == a.count - 1 && !aTerminated ? [#"\ No newline at end of file"#] : [])
            case .insert(let j): return ["+" + visible(b[j])] + (j == b.count - 1 && !bTerminated ? [#"\ No newline at end of file"#] : [])
            }
        }

        // Group the edits into hunks: changes closer than 2 * context share one.
        let changed = edits.indices.filter { if case .same = edits[$0] { false } else { true } }
        var ranges: [ClosedRange<Int>] = []
        for index in changed {
            let range = max(0, index - context)...min(edits.count - 1, index + context)
            if let last = ranges.last, range.lowerBound <= last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...range.upperBound
            } else {
                ranges.append(range)
            }
        }
        var lines: [String] = []
        for range in ranges {
            var oldStart = 0, newStart = 0, oldCount = 0, newCount = 0
            // Positions of the hunk's first line in each text.
            for edit in edits[..<range.lowerBound] {
                switch edit {
                case .same: oldStart += 1; newStart += 1
                case .delete: oldStart += 1
                case .insert: newStart += 1
                }
            }
            var body: [String] = []
            for edit in edits[range] {
                switch edit {
                case .same: oldCount += 1; newCount += 1
                case .delete: oldCount += 1
                case .insert: newCount += 1
                }
                body += text(edit)
            }
            // diff -u numbers an empty side by the line before it.
            let oldFirst = oldCount == 0 ? oldStart : oldStart + 1
            let newFirst = newCount == 0 ? newStart : newStart + 1
            lines.append("@@ -\(oldFirst)\(oldCount == 1 ? "" : ",\(oldCount)") +\(newFirst)\(newCount == 1 ? "" : ",\(newCount)") @@")
            lines += body
        }
        return lines
    }

    /// Lines without their newlines, and whether the text ended with one.
    ///
    /// Split on the byte `\n`: Swift takes `"\r\n"` for one Character, which a split of the
    /// String on `"\n"` would not find. A line of a CRLF text keeps its `\r`.
    static func splitLines(_ text: String) -> ([String], Bool) {
        guard !text.isEmpty else { return ([], true) }
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        let terminated = lines.last == ""
        if terminated { lines.removeLast() }
        return (lines, terminated)
    }

    /// `line` with each carriage return shown as `␍`.
    static func visible(_ line: String) -> String {
        guard line.utf8.contains(UInt8(ascii: "\r")) else { return line }
        var shown = ""
        shown.unicodeScalars.append(contentsOf: line.unicodeScalars.map { $0 == "\r" ? "\u{240D}" : $0 })
        return shown
    }

    /// A shortest edit script from `a` to `b`.
    static func diff(_ a: [String], _ b: [String]) -> [Edit] {
        let n = a.count, m = b.count
        let max = n + m
        guard max > 0 else { return [] }
        let offset = max
        var v = [Int](repeating: 0, count: 2 * max + 2)
        var trace: [[Int]] = []
        outer: for d in 0...max {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x: Int
                if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) {
                    x = v[offset + k + 1]
                } else {
                    x = v[offset + k - 1] + 1
                }
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n, y >= m { break outer }
            }
        }
        // Walk back through the saved frontiers.
        var edits: [Edit] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let previousK: Int
            if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) {
                previousK = k + 1
            } else {
                previousK = k - 1
            }
            let previousX = d == 0 ? 0 : v[offset + previousK]
            let previousY = previousX - previousK
            while x > previousX, y > previousY {
                x -= 1
                y -= 1
                edits.append(.same(x, y))
            }
            if d > 0 {
                if x == previousX { edits.append(.insert(previousY)) } else { edits.append(.delete(previousX)) }
            }
            x = previousX
            y = previousY
        }
        return edits.reversed()
    }
}
