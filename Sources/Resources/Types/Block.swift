import Facts
import Shell

/// A block of lines between two marker lines in a text file converge does not own whole,
/// as Ansible's `blockinfile` keeps one: replaced whole when it differs, added when missing,
/// removed with ``absent(_:name:comment:requires:notifies:)``; the rest of the file is left as it is.
///
/// ```swift
/// Block("/etc/hosts", name: "backends", content: """
///     10.231.0.31 web1
///     10.231.0.32 web2
///     """)
/// ```
///
/// writes
///
/// ```
/// # BEGIN converge: backends
/// 10.231.0.31 web1
/// 10.231.0.32 web2
/// # END converge: backends
/// ```
///
/// A new block goes after the last line `after` matches, before the first line `before`
/// matches, or at the end of the file (also when the pattern matches no line); patterns are
/// extended regular expressions as the host's awk reads them. The markers start with
/// `comment`, the file's comment sign (`;` for php.ini). Several blocks with distinct names
/// can share a file. The file is edited where it is when the step runs, and must exist
/// unless `create` is set; `plan` shows the edit as a diff of the file.
public struct Block: Resource, Hashable {
    public var path: String
    /// Names the block in its markers: distinct for each block of a file.
    public var name: String
    /// The block's lines; nil for a block that must not be there.
    public var content: String?
    /// What starts a comment line in the file: `#` by default.
    public var comment: String
    /// Where a new block goes: after the last line this pattern matches.
    public var after: String?
    /// Where a new block goes: before the first line this pattern matches.
    public var before: String?
    /// Whether a missing file is created (owned by root, with `mode`); otherwise it must exist.
    public var create: Bool
    /// The mode of a file created; an existing file keeps its own.
    public var mode: UInt16
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ path: String, name: String, content: String, comment: String = "#", after: String? = nil,
        before: String? = nil, create: Bool = false, mode: UInt16 = 0o644, requires: [ResourceID] = [],
        notifies: [ResourceID] = []
    ) {
        self.path = path
        self.name = name
        self.content = content
        self.comment = comment
        self.after = after
        self.before = before
        self.create = create
        self.mode = mode
        self.requires = requires
        self.notifies = notifies
    }

    /// The block named `name` removed from the file, markers and all.
    public static func absent(_ path: String, name: String, comment: String = "#", requires: [ResourceID] = [],
                              notifies: [ResourceID] = []) -> Block {
        var block = Block(path, name: name, content: "", comment: comment, requires: requires, notifies: notifies)
        block.content = nil
        return block
    }

    /// `block:/etc/hosts#backends`.
    public var id: ResourceID { ResourceID(kind: "block", name: "\(path)#\(name)") }

    /// The line that begins the block, e.g. `# BEGIN converge: backends`.
    public var beginMarker: String { "\(comment) BEGIN converge: \(name)" }
    /// The line that ends the block, e.g. `# END converge: backends`.
    public var endMarker: String { "\(comment) END converge: \(name)" }
}

// MARK: Planning

extension Block {
    public static var stage: ConvergenceStage { .settings }
    public var editedPaths: [String] { [path] }

    /// The block's lines without the final newline a multi-line string literal may end with.
    var body: String {
        guard var content else { return "" }
        if content.hasSuffix("\n") { content.removeLast() }
        return content
    }

    var edit: TextFileEdit {
        TextFileEdit(path: path, program: Self.program, environment: [
            ("converge_begin", beginMarker), ("converge_end", endMarker), ("converge_state", content == nil ? "absent" : "present"),
            ("converge_body", body),
            ("converge_after", after ?? ""), ("converge_before", before ?? ""),
        ], create: create, mode: mode)
    }

    /// The block found between its markers (lines b..e) and replaced, or placed anew.
    static let program = """
        \tbmark = ENVIRON["converge_begin"] ""
        \temark = ENVIRON["converge_end"] ""
        \tb = 0
        \te = 0
        \tfor (i = 1; i <= n && !e; i++) {
        \t\tif (!b) { if ((old[i] "") == bmark) b = i }
        \t\telse if ((old[i] "") == emark) e = i
        \t}
        \tif (b && !e) {
        \t\tprintf "line %d begins the block (%s), but no line after it ends it (%s)\\n", b, bmark, emark > "/dev/stderr"
        \t\texit 4
        \t}
        \tcount = 0
        \tif (ENVIRON["converge_state"] == "present") {
        \t\tblock[++count] = bmark
        \t\tk = split(ENVIRON["converge_body"], body, "\\n")
        \t\tfor (j = 1; j <= k; j++) block[++count] = body[j]
        \t\tblock[++count] = emark
        \t}
        \tif (b) { keep = b - 1; from = e + 1 }
        \telse {
        \t\tkeep = n
        \t\tif (count > 0 && ENVIRON["converge_after"] != "") {
        \t\t\tfor (i = 1; i <= n; i++) if (old[i] ~ ENVIRON["converge_after"]) keep = i
        \t\t} else if (count > 0 && ENVIRON["converge_before"] != "") {
        \t\t\tfor (i = 1; i <= n; i++) if (old[i] ~ ENVIRON["converge_before"]) { keep = i - 1; break }
        \t\t}
        \t\tfrom = keep + 1
        \t}
        \tfor (i = 1; i <= keep; i++) res[++m] = old[i]
        \tfor (j = 1; j <= count; j++) res[++m] = block[j]
        \tfor (i = from; i <= n; i++) res[++m] = old[i]
        """

    var fact: TextFileEdit.EditFact { edit.fact(named: id.description) }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard !name.isEmpty, !name.contains(where: \.isNewline) else { throw .invalid(id, "needs a name on one line") }
        guard !comment.isEmpty, !comment.contains(where: \.isNewline) else { throw .invalid(id, "needs a comment sign on one line") }
        guard after == nil || before == nil else { throw .invalid(id, "takes after: or before:, not both") }
        guard ![after, before].contains(where: { $0?.contains(where: \.isNewline) == true || $0 == "" }) else {
            throw .invalid(id, "an after: or before: pattern is one line, not empty")
        }
        if let content {
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.contains(where: { $0 == beginMarker || $0 == endMarker }) {
                throw .invalid(id, "its content holds one of its own marker lines")
            }
            if content.contains("\r") { throw .invalid(id, "its content holds a carriage return") }
        }
        try edit.validate(for: id)
        try query.add(fact, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        try edit.plan(id, fact: fact, requires: requires, in: &context)
    }
}
