import Facts
import Foundation
import Shell

/// An edit of a text file converge does not own whole, shared by ``Lines`` and ``Block``.
///
/// One awk program makes the edit, run on the host both to plan (it prints the file as it
/// is and as it would be, or only `same`) and to apply (it prints the file as it will be).
/// What plan shows is therefore exactly what apply does, with one implementation of the
/// edit, and the edit applies to the file as it is when the step runs: one a package
/// installed earlier in the same run created, say.
///
/// Patterns are extended regular expressions as the host's awk reads them (mawk on a
/// Debian host: jessie's mawk 1.3.3 knows no `{n,m}` intervals and no `[:classes:]`).
/// Values reach awk through its environment, so no character in them is special.
struct TextFileEdit: Sendable {
    /// The file edited; a symbolic link is followed, and its target edited.
    var path: String
    /// awk statements turning `old[1..n]` (the file's lines) into `res[1..m]`.
    var program: String
    /// Variables of `program`'s environment (`ENVIRON`), by name.
    var environment: [(name: String, value: String)]
    /// Whether a missing file is created (empty, then edited), with `mode`, owned by root.
    var create: Bool
    var mode: UInt16

    /// The exit status with which the program says it cannot edit the file (it printed why).
    static let refusedStatus = 4

    /// The awk program: the file's lines read, the edit, then what the mode asks for.
    var awkProgram: String {
        // `"" x` compares as strings: awk would compare "1.0" and "1" as numbers.
        """
        { old[++n] = $0 }
        END {
        \tm = 0
        \(program)
        \tsame = (m == n)
        \tfor (i = 1; same && i <= n; i++) if ((old[i] "") != (res[i] "")) same = 0
        \tif (ENVIRON["converge_mode"] == "apply") {
        \t\tfor (i = 1; i <= m; i++) print res[i]
        \t\texit (same ? 3 : 0)
        \t}
        \tif (same) { print "same"; exit 0 }
        \tprint "changed"
        \tfor (i = 1; i <= n; i++) print "-" old[i]
        \tfor (i = 1; i <= m; i++) print "+" res[i]
        }
        """
    }

    /// `NAME='value' … awk 'program'`, reading `$converge_in`.
    func awk(mode: String) -> String {
        let variables = [("converge_mode", mode)] + environment.map { ($0.name, $0.value) }
        return variables.map { "\($0.0)=\(shellQuote($0.1))" }.joined(separator: " ")
            + " awk \(shellQuote(awkProgram)) \"$converge_in\""
    }

    /// Sets `converge_f` to the file (a link's target) and refuses what is not a regular file.
    private var locateFile: String {
        """
        converge_f=\(shellQuote(path))
        if [ -L "$converge_f" ]; then converge_f=$(readlink -f -- "$converge_f"); fi
        if [ -e "$converge_f" ] && [ ! -f "$converge_f" ]; then echo "$converge_f is not a regular file" >&2; exit 1; fi
        """
    }

    /// The fact: `exists` or `missing`, then the program's `same`, or `changed` and the
    /// file's lines before (`-`) and after (`+`), read as an ``Outcome``.
    struct EditFact: Fact {
        let name: String
        let command: String

        func parse(_ output: String) throws(FactParseError) -> Outcome { try TextFileEdit.outcome(from: output) }
    }

    /// The fact, named `name` (one per resource: several may edit one file).
    func fact(named name: String) -> EditFact {
        EditFact(name: name, command: """
            \(locateFile)
            if [ -f "$converge_f" ]; then converge_in=$converge_f; echo exists; else converge_in=/dev/null; echo missing; fi
            \(awk(mode: "plan"))
            """)
    }

    /// The step: the edited file written beside the original, given its owner and mode,
    /// and renamed over it; nothing written when the file is already as wanted.
    var applyCommand: String {
        let name = ShellCommands.split(path).name
        let missing = create
            ? "converge_in=/dev/null"
            : "echo \"converge: $converge_f does not exist: it is edited, not created (create: true creates it)\" >&2; exit 1"
        return """
            \(locateFile)
            if [ -f "$converge_f" ]; then converge_in=$converge_f; else \(missing); fi
            converge_tmp=$(mktemp "${converge_f%/*}"/\(shellQuote("." + String(name.prefix(40)) + ".converge.XXXXXX")))
            trap 'rm -f "$converge_tmp"' EXIT
            converge_s=0
            \(awk(mode: "apply")) >"$converge_tmp" || converge_s=$?
            case $converge_s in
            0) ;;
            3) exit 0 ;;
            *) echo "converge: could not edit $converge_f (awk exited with status $converge_s)" >&2; exit 1 ;;
            esac
            if [ "$converge_in" = /dev/null ]; then
            \tchmod \(octal(mode)) "$converge_tmp"
            else
            \tchown --reference="$converge_f" "$converge_tmp"
            \tchmod --reference="$converge_f" "$converge_tmp"
            fi
            mv -f "$converge_tmp" "$converge_f"
            trap - EXIT
            """
    }

    /// The file as the fact saw it, and as the edit would leave it.
    struct Outcome: Equatable, Sendable {
        var exists: Bool
        /// Nil when the edit changes nothing.
        var change: (old: [String], new: [String])?

        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            lhs.exists == rhs.exists && lhs.change?.old == rhs.change?.old && lhs.change?.new == rhs.change?.new
        }
    }

    /// Reads ``fact(named:)``'s output.
    static func outcome(from output: String) throws(FactParseError) -> Outcome {
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.count >= 2, ["exists", "missing"].contains(lines[0]), ["same", "changed"].contains(lines[1]) else {
            throw FactParseError("expected exists or missing, then same or changed: \(output.prefix(200))")
        }
        var outcome = Outcome(exists: lines[0] == "exists")
        guard lines[1] == "changed" else { return outcome }
        var old: [String] = []
        var new: [String] = []
        for line in lines.dropFirst(2) {
            switch line.first {
            case "-": old.append(String(line.dropFirst()))
            case "+": new.append(String(line.dropFirst()))
            default: throw FactParseError("unexpected line: \(line.prefix(200))")
            }
        }
        outcome.change = (old, new)
        return outcome
    }
}

extension TextFileEdit {
    /// Checks what both types require of the file.
    func validate(for id: ResourceID) throws(PlanError) {
        guard path.hasPrefix("/"), !path.hasSuffix("/"), !path.contains("\n"), !path.contains("\u{0}") else {
            throw .invalid(id, "needs an absolute path of a file: \(path)")
        }
        guard mode <= 0o7777 else { throw .invalid(id, "mode \(octal(mode)) is not a file mode") }
        // The kernel takes no single argument or environment string over 128 KiB.
        for variable in environment where variable.value.utf8.count > 100_000 || variable.value.contains("\u{0}") {
            throw .invalid(id, "its text is too long (100 kB at most) or holds a NUL character")
        }
    }

    /// Plans the edit from its fact: nothing, the file's change as a diff, or (for a file
    /// still missing, which a package this run installs first may create) the edit alone.
    func plan(_ id: ResourceID, fact: EditFact, requires: [ResourceID], in context: inout PlanContext) throws(PlanError) {
        if context.declares(.file(path)) {
            throw .conflict(id, "file:\(path) manages the whole file: put these lines in its content instead")
        }
        let outcome = try context.value(of: fact, for: id)
        if !outcome.exists && !create {
            guard let installer = context.firstChanged(among: requires) else {
                throw .invalid(id, "\(path) does not exist: it is edited, not created (create: true creates it, "
                    + "or require the package that installs it: requires: [.package(...)])")
            }
            context.append(Change(
                resource: id, action: .update, reason: "\(path) does not exist yet; edited once \(installer) creates it",
                operation: .shell(applyCommand)))
            return
        }
        guard let change = outcome.change else { return }
        let oldText = Self.text(change.old)
        let newText = Self.text(change.new)
        context.append(Change(
            resource: id, action: outcome.exists ? .update : .create,
            reason: Self.reason(old: change.old, new: change.new, exists: outcome.exists),
            content: ContentChange(
                oldSHA256: outcome.exists ? sha256Hex(Data(oldText.utf8)) : nil, newSHA256: sha256Hex(Data(newText.utf8)),
                oldSize: outcome.exists ? oldText.utf8.count : nil, newSize: newText.utf8.count,
                oldText: outcome.exists ? oldText : nil, newText: newText, isSecret: false, path: path),
            operation: .shell(applyCommand)))
    }

    static func text(_ lines: [String]) -> String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

    /// `1 line added, 2 removed`: lines counted as a multiset, so a moved line counts in both.
    static func reason(old: [String], new: [String], exists: Bool) -> String {
        var counts: [String: Int] = [:]
        for line in old { counts[line, default: 0] += 1 }
        var added = 0
        for line in new {
            if let count = counts[line], count > 0 { counts[line] = count - 1 } else { added += 1 }
        }
        let removed = counts.values.reduce(0, +)
        func lines(_ count: Int) -> String { "\(count) line\(count == 1 ? "" : "s")" }
        let parts = (added > 0 ? ["\(lines(added)) added"] : []) + (removed > 0 ? ["\(removed) removed"] : [])
        let what = parts.isEmpty ? "lines reordered" : parts.joined(separator: ", ")
        return exists ? what : "missing; created with \(lines(new.count))"
    }
}
