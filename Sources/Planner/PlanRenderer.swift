import Resources

/// Text for `converge plan`: per host, each change on a line, `+` create, `~` update,
/// `-` remove, `!` run, `*` restart or reload, then its attribute changes and, for file
/// contents, a unified diff (secret and binary contents only by hash and size).
public enum PlanRenderer {
    /// The symbol of an action.
    public static func symbol(of action: Change.Action) -> String {
        switch action {
        case .create: "+"
        case .update: "~"
        case .remove: "-"
        case .run: "!"
        case .restart, .reload, .reboot: "*"
        }
    }

    /// Every host's plan, then a summary line.
    public static func render(_ plan: Plan) -> String {
        var text = plan.hosts.map { render($0) }.joined()
        let changed = plan.hosts.filter { !$0.isEmpty }.count
        let count = plan.hosts.reduce(0) { $0 + $1.changes.count }
        text += "\n\(plural(plan.hosts.count, "host")): \(changed) to change, \(plural(count, "change")) in all\n"
        return text
    }

    /// One host's plan: `web1: 2 changes` and the changes, or `web1: no changes`.
    public static func render(_ plan: HostPlan) -> String {
        guard !plan.isEmpty else { return "\(plan.host): no changes\n" }
        var lines = ["\(plan.host): \(plural(plan.changes.count, "change"))"]
        for change in plan.changes {
            lines += render(change).map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The lines of one change, unindented.
    public static func render(_ change: Change) -> [String] {
        let what: String =
            switch change.action {
            case .restart: "restart: "
            case .reload: "reload: "
            case .reboot: "reboot: "
            default: ""
            }
        var lines = ["\(symbol(of: change.action)) \(change.resource)  \(what)\(change.reason)"]
        for field in change.fields {
            lines.append("    \(field.field): \(field.old ?? "(none)") → \(field.new ?? "(none)")")
        }
        if let content = change.content {
            lines += render(content, path: change.contentPath).map { "    " + $0 }
        }
        return lines
    }

    /// A content change: a unified diff, or hashes and sizes.
    public static func render(_ content: ContentChange, path: String) -> [String] {
        func short(_ hash: String?) -> String { hash.map { String($0.prefix(12)) + "…" } ?? "(none)" }
        if content.isSecret {
            // Only the keyed digest of the new content: it tells two plans' secrets apart,
            // and says nothing of the secret to whoever reads the plan.
            return ["(secret content \(content.oldSize == nil ? "written" : "changed"): keyed digest \(short(content.newSHA256)))"]
        }
        guard let new = content.newText, content.oldSHA256 == nil || content.oldText != nil else {
            let oldSize = content.oldSize.map { " (\(plural($0, "byte")))" } ?? ""
            let kind = content.newText == nil ? "binary content" : "content"
            return ["(\(kind) changed: sha256 \(short(content.oldSHA256))\(oldSize) → \(short(content.newSHA256)) (\(plural(content.newSize, "byte"))))"]
        }
        let hunks = LineDiff.unified(old: content.oldText ?? "", new: new)
        guard !hunks.isEmpty else { return [] }
        let label = path.contains("\n") ? path.replacingOccurrences(of: "\n", with: "\\n") : path
        return ["--- \(content.oldSHA256 == nil ? "/dev/null" : label)", "+++ \(label)"] + hunks
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

extension PlanRenderer {
    /// What an apply did, one line per change: `ok`, `FAILED (exit 100)` with the
    /// output, `skipped`, or `no report`; then why the script stopped early, if it did.
    public static func render(_ result: ApplyResult, of plan: HostPlan) -> String {
        var lines = opening(of: result, host: plan.host)
        let failed = result.firstFailure.map { plan.changes[$0] }
        for (index, change) in plan.changes.enumerated() {
            lines += render(result.outcomes[index], of: change, note: result.notes[index], failed: failed)
        }
        lines += closing(of: result, host: plan.host)
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the script said before its steps: that it could not start, or waited for the lock.
    public static func opening(of result: ApplyResult, host: String) -> [String] {
        var lines: [String] = []
        if let message = result.abortMessage { lines.append("\(host): not applied: \(message)") }
        if let wait = result.lockWait {
            lines.append("\(host): waited \(wait) s for another converge of this host to finish")
        }
        return lines
    }

    /// One change's outcome, indented: `  ~ file:/etc/motd  ok`, a failure with its output.
    ///
    /// - Parameter failed: The change that failed first, which skipped ones name.
    public static func render(_ outcome: ApplyResult.Outcome, of change: Change, note: String?, failed: Change?) -> [String] {
        let head = "\(symbol(of: change.action)) \(change.resource)"
        switch outcome {
        case .succeeded:
            return ["  \(head)  ok" + (note.map { " (\($0))" } ?? "")]
        case .failed(let status, let output):
            return ["  \(head)  FAILED (exit status \(status))"]
                + output.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }
        case .skipped:
            let why = failed.map { "after \($0.resource) failed" } ?? "not started"
            return ["  \(head)  skipped (\(why))"]
        case .interrupted:
            return ["  \(head)  not started (interrupted)"]
        case .unknown:
            return ["  \(head)  no report (the connection or the script ended early)"]
        }
    }

    /// Why the script ended early, when it did: what its process said, since no step did.
    public static func closing(of result: ApplyResult, host: String) -> [String] {
        guard let exit = result.exit, result.abortMessage == nil else { return [] }
        let stderr = exit.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return ["\(host): the apply script \(exit.description)" + (stderr.isEmpty ? "" : ": \(stderr)")]
    }
}
