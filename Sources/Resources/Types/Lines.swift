import Facts
import Shell

/// A few lines of a text file converge does not own whole (`/etc/hosts`, `/etc/default/*`):
/// each present once, set in place of the lines a pattern matches, or removed; the rest of
/// the file is left as it is.
///
/// ```swift
/// Lines("/etc/default/varnish", [
///     .line("START=yes", replacing: "^#?START="),
///     .absent(matching: "^NFILES="),
/// ], requires: [.package("varnish")], notifies: [.service("varnish")])
/// Lines("/etc/hosts", ["10.231.0.21 db1.internal db1"])
/// ```
///
/// Each entry applies in order, as Ansible's `lineinfile` would one after the other:
/// - ``Line/line(_:replacing:)`` without a pattern: the line is added unless it is there
///   already.
/// - With a pattern: the first line that matches it (or is the line itself) becomes the
///   line, and later ones that match go, so a setting is there once (in a file a shell
///   sources, the last assignment would win); with none, the line is added.
/// - A line added goes at the end of the file, or before the first line `before` matches.
/// - ``Line/absent(_:)`` and ``Line/absent(matching:)``: every line that is that text, or
///   that matches, goes.
///
/// Patterns are extended regular expressions as the host's awk reads them (mawk: jessie's
/// 1.3.3 has no `{n,m}` and no `[:classes:]`). The file is edited where it is when the step
/// runs, so one a package installs earlier in the run is edited; it must exist unless
/// `create` is set. `plan` shows the edit as a diff of the file.
public struct Lines: Resource, Hashable {
    /// One line wanted in the file, or gone from it.
    public struct Line: Hashable, Sendable, ExpressibleByStringLiteral {
        /// Whether the line is wanted or not.
        public enum Kind: String, Hashable, Sendable { case present, absent }

        public var kind: Kind
        /// The line (``Kind/present``), or the exact line removed (``Kind/absent``
        /// without a pattern).
        public var text: String
        /// The extended regular expression of the lines it replaces or removes.
        public var pattern: String?

        /// The line, in place of the lines `pattern` matches, or added at the end.
        public static func line(_ text: String, replacing pattern: String? = nil) -> Line {
            Line(kind: .present, text: text, pattern: pattern)
        }

        /// No line that is exactly `text`.
        public static func absent(_ text: String) -> Line { Line(kind: .absent, text: text, pattern: nil) }

        /// No line that `pattern` matches.
        public static func absent(matching pattern: String) -> Line { Line(kind: .absent, text: "", pattern: pattern) }

        public init(stringLiteral text: String) { self = .line(text) }

        init(kind: Kind, text: String, pattern: String?) {
            self.kind = kind
            self.text = text
            self.pattern = pattern
        }
    }

    public var path: String
    public var lines: [Line]
    /// Where a line not there yet goes: before the first line this pattern matches (sshd's
    /// `^Match `, say, whose block would otherwise take it); at the end of the file by default.
    public var before: String?
    /// Whether a missing file is created (owned by root, with `mode`); otherwise it must exist.
    public var create: Bool
    /// The mode of a file created; an existing file keeps its own.
    public var mode: UInt16
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(_ path: String, _ lines: [Line], before: String? = nil, create: Bool = false, mode: UInt16 = 0o644,
                requires: [ResourceID] = [], notifies: [ResourceID] = []) {
        self.path = path
        self.lines = lines
        self.before = before
        self.create = create
        self.mode = mode
        self.requires = requires
        self.notifies = notifies
    }

    /// One per file: its lines are one list, applied in order.
    public var id: ResourceID { .lines(path) }
}

extension ResourceID {
    /// The ``Lines`` of the file at `path`.
    public static func lines(_ path: String) -> ResourceID { ResourceID(kind: "lines", name: path) }
}

// MARK: Planning

extension Lines {
    public static var stage: ConvergenceStage { .settings }
    public var editedPaths: [String] { [path] }

    var edit: TextFileEdit {
        var environment = [(name: "converge_count", value: String(lines.count)), ("converge_before", before ?? "")]
        for (index, line) in lines.enumerated() {
            environment += [("converge_kind\(index + 1)", line.kind.rawValue), ("converge_pattern\(index + 1)", line.pattern ?? ""),
                            ("converge_text\(index + 1)", line.text)]
        }
        return TextFileEdit(path: path, program: Self.program, environment: environment, create: create, mode: mode)
    }

    /// Each entry in turn over `cur[1..c]`, into `res[1..m]`.
    static let program = """
        \tc = n
        \tfor (i = 1; i <= n; i++) cur[i] = old[i]
        \tcount = ENVIRON["converge_count"] + 0
        \tbefore = ENVIRON["converge_before"]
        \tfor (k = 1; k <= count; k++) {
        \t\tkind = ENVIRON["converge_kind" k]
        \t\tpat = ENVIRON["converge_pattern" k]
        \t\ttext = ENVIRON["converge_text" k] ""
        \t\tfound = 0
        \t\tt = 0
        \t\tfor (i = 1; i <= c; i++) {
        \t\t\tline = cur[i] ""
        \t\t\tif (kind == "absent") {
        \t\t\t\tif ((pat != "") ? (line ~ pat) : (line == text)) continue
        \t\t\t} else if (line == text || (pat != "" && line ~ pat)) {
        \t\t\t\tif (found && pat != "") continue
        \t\t\t\tline = text
        \t\t\t\tfound = 1
        \t\t\t}
        \t\t\tout[++t] = line
        \t\t}
        \t\tif (kind == "present" && !found) {
        \t\t\tat = t + 1
        \t\t\tif (before != "") for (i = 1; i <= t; i++) if (out[i] ~ before) { at = i; break }
        \t\t\tfor (i = t; i >= at; i--) out[i + 1] = out[i]
        \t\t\tout[at] = text
        \t\t\tt++
        \t\t}
        \t\tfor (i = 1; i <= t; i++) cur[i] = out[i]
        \t\tc = t
        \t}
        \tfor (i = 1; i <= c; i++) res[++m] = cur[i]
        """

    var fact: TextFileEdit.EditFact { edit.fact(named: id.description) }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard !lines.isEmpty else { throw .invalid(id, "names no line") }
        for line in lines {
            guard !line.text.contains(where: \.isNewline), !(line.pattern ?? "").contains(where: \.isNewline) else {
                throw .invalid(id, "a line or pattern holds a newline: use a Block for several lines")
            }
            if line.kind == .absent, line.pattern == "" { throw .invalid(id, "an empty pattern would remove every line") }
        }
        if let before, before.isEmpty || before.contains(where: \.isNewline) { throw .invalid(id, "a before: pattern is one line, not empty") }
        try edit.validate(for: id)
        try query.add(fact, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        try edit.plan(id, fact: fact, requires: requires, in: &context)
    }
}
