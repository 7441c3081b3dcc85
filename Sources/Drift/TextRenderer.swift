import Foundation

extension DriftReport {
    /// The report for a terminal or a mail, summary first: a verdict, then an overview a
    /// person reads in a minute (drift and discrepancies by host, past support,
    /// unreachable, new and resolved, releases, security upgrades, reboots, and the rest in
    /// a line), then details for the hosts that have something to show (drift with diffs,
    /// service states, upgrades, reboots, held and unknown packages, modified conffiles),
    /// then the groups' discrepancies, what was resolved, and a summary line.
    ///
    /// Long lists are cut (diffs at ``TextRenderer/diffLines`` lines, package lists at
    /// ``TextRenderer/listLines``), saying how much more the JSON and HTML reports have.
    ///
    /// - Parameter colored: Whether to use ANSI colours; the caller decides, e.g. by
    ///   `isatty(STDOUT_FILENO)`. Control characters in host-supplied text are escaped
    ///   either way, so a hostile file content cannot drive the terminal.
    public func text(colored: Bool = false) -> String {
        TextRenderer(report: self, style: TextStyle(colored: colored)).render()
    }
}

/// ANSI styling, or none.
struct TextStyle {
    var colored: Bool

    func apply(_ code: String, _ text: String) -> String { colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { apply("1", text) }
    func dim(_ text: String) -> String { apply("2", text) }
    func red(_ text: String) -> String { apply("31", text) }
    func green(_ text: String) -> String { apply("32", text) }
    func yellow(_ text: String) -> String { apply("33", text) }
    func cyan(_ text: String) -> String { apply("36", text) }
}

struct TextRenderer {
    /// The most lines of one diff the text shows.
    static let diffLines = 30
    /// The most lines of one list of packages (or upgrades) the text shows.
    static let listLines = 15
    /// The overview's lines are wrapped to this many columns.
    static let overviewWidth = 100

    let report: DriftReport
    let style: TextStyle
    let newKeys: Set<String>

    init(report: DriftReport, style: TextStyle) {
        self.report = report
        self.style = style
        newKeys = Set(report.findings.lazy.filter(\.isNew).map(\.key))
    }

    func new(_ key: String) -> String { newKeys.contains(key) ? " " + style.bold(style.yellow("NEW")) : "" }

    func render() -> String {
        var lines: [String] = []
        let summary = report.summary
        let verdict =
            switch report.exitStatus {
            case .clean: style.green("no drift")
            case .drift: style.red("drift found")
            case .unreachable, .error: style.red(report.hasDrift ? "drift found, hosts not swept" : "hosts not swept")
            }
        lines.append(style.bold("converge drift") + ": \(summary.hosts) hosts, swept \(timestamp(report.sweptAt)) in "
            + "\(seconds(report.duration)): \(verdict) (exit \(report.exitStatus.rawValue))")
        lines.append(style.dim("support dates from \(safe(report.supportDataSource))"))

        lines.append("")
        let overview = ReportOverview(report)
        let width = overview.items.map(\.label.count).max() ?? 0
        for item in overview.items {
            let wrapped = item.lines.flatMap { wrap(safe($0), width: Self.overviewWidth - width - 4) }
            for (index, line) in wrapped.enumerated() {
                let label = index == 0 ? pad(item.label, width) : String(repeating: " ", count: width)
                let text =
                    switch item.tone {
                    case .good: line
                    case .notice: style.yellow(line)
                    case .bad: style.red(line)
                    }
                lines.append("  \(style.bold(label))  \(text)")
            }
        }

        let notes = report.groupNotes
        let shown = report.hosts.filter { $0.hasSomethingToShow || notes[$0.name] != nil }
        lines.append("")
        lines.append(style.bold("Hosts") + style.dim(" (\(shown.count) of \(report.hosts.count) with something to show)"))
        for host in shown {
            lines += self.host(host)
            lines += (notes[host.name] ?? []).map { "    " + style.red(safe($0)) }
        }
        let quiet = report.hosts.filter { !$0.hasSomethingToShow && notes[$0.name] == nil }.map(\.name)
        if !quiet.isEmpty {
            lines.append("  " + style.green("nothing else to show") + " on \(quiet.count) host\(plural(quiet.count)): " + names(quiet, limit: 12))
        }

        let batches = report.securityUpgradeBatches
        if !batches.isEmpty {
            lines.append("")
            lines.append(style.bold("Security upgrades pending")
                + style.dim(" (\(summary.securityUpgrades) on \(summary.hostsWithSecurityUpgrades) host\(plural(summary.hostsWithSecurityUpgrades)), by release)"))
            let width = batches.map(\.series.count).max() ?? 0
            for batch in batches {
                lines.append("  \(pad(safe(batch.series), width))  \(names(batch.hosts, limit: 6)) (\(batch.packages.count)): "
                    + style.yellow(names(batch.packages, limit: 6)))
            }
        }

        lines.append("")
        lines.append(style.bold("Groups"))
        for group in report.groups { lines += self.group(group) }

        if report.isComparedWithHistory {
            lines.append("")
            lines.append(style.bold("Resolved since the last sweep (\(report.resolved.count))"))
            if report.resolved.isEmpty { lines.append("  " + style.dim("nothing")) }
            for finding in report.resolved {
                lines.append("  \(style.green("✓")) \(safe(finding.summary)) \(style.dim("[\(safe(finding.key))]"))")
            }
        }

        lines.append("")
        lines.append(summaryLine(summary))
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Hosts

    /// A host with something to show: its release and support, drift, then maintenance.
    func host(_ host: HostReport) -> [String] {
        let place = "(\(safe(host.address))" + (host.groups.isEmpty ? "" : "; " + host.groups.map(safe).joined(separator: ", ")) + ")"
        guard host.status == .swept else {
            let label = host.status == .unreachable ? "UNREACHABLE" : "FAILED"
            return ["  \(style.bold(safe(host.name))) \(place)  \(style.red(label)): \(safe(host.error ?? ""))\(new("\(host.status.rawValue)/\(host.name)"))"]
        }
        var header = "  \(style.bold(safe(host.name))) \(place)  \(safe(host.release?.name ?? "unknown release"))"
        if let support = host.support {
            let text = safe(support.brief)
            header += " · " + (support.status == .supported ? text : support.status.isPastLTS ? style.red(text) : style.yellow(text))
                + new("support/\(host.name)")
        }
        var lines = [header]
        for drift in host.drift {
            lines.append("    \(style.red("~")) \(style.bold(safe(drift.resource))): \(safe(drift.reason))\(new("drift/\(host.name)/\(drift.resource)"))")
            lines += self.drift(drift).map { "        " + $0 }
        }
        for resource in host.unverified {
            lines.append("    \(style.yellow("?")) \(style.bold(safe(resource.resource))): \(safe(resource.reason))\(new("unverified/\(host.name)/\(resource.resource)"))")
        }
        if let maintenance = host.maintenance { lines += self.maintenance(maintenance, of: host.name) }
        return lines
    }

    /// What differs in a drifted resource: its fields, its content, its state.
    func drift(_ drift: ResourceDrift) -> [String] {
        var lines: [String] = []
        for field in drift.fields {
            lines.append("\(safe(field.field)): expected \(value(field.expected)), actual \(value(field.actual))")
        }
        if let state = drift.state {
            lines.append("state: \(safe(state))" + (drift.since.map { " since \(timestamp($0))" } ?? ""))
        }
        if let content = drift.content {
            if content.isSecret {
                lines.append(style.dim("secret content differs (not shown)"))
            } else if !content.diff.isEmpty {
                for line in content.diff.prefix(Self.diffLines) { lines.append(diffLine(line)) }
                if content.diff.count > Self.diffLines {
                    lines.append(style.dim("… \(content.diff.count - Self.diffLines) more lines (the JSON and HTML reports have the whole diff)"))
                }
            } else if content.expectedSHA256 != nil {
                func describe(_ size: Int?, _ hash: String?) -> String {
                    guard let size, let hash else { return "none" }
                    return "\(size) bytes, sha256 \(hash.prefix(12))…"
                }
                lines.append("content is not text: \(describe(content.actualSize, content.actualSHA256)) on the host, "
                    + "\(describe(content.expectedSize, content.expectedSHA256)) in the playbooks")
            }
        }
        return lines
    }

    func diffLine(_ line: String) -> String {
        let shown = safe(line)
        if line.hasPrefix("+++") || line.hasPrefix("---") { return style.bold(shown) }
        if line.hasPrefix("@@") { return style.cyan(shown) }
        if line.hasPrefix("+") { return style.green(shown) }
        if line.hasPrefix("-") { return style.red(shown) }
        return shown
    }

    /// Modified conffiles, upgrades and lists, reboot, held, pinned and unknown packages.
    func maintenance(_ maintenance: HostMaintenance, of host: String) -> [String] {
        var lines: [String] = []
        for conffile in maintenance.modifiedConffiles {
            lines.append("    \(style.red("~")) \(style.bold("conffile \(safe(conffile.path))")) of \(safe(conffile.package)): "
                + (conffile.isMissing ? "deleted" : "modified since installed") + new("conffile/\(host)/\(conffile.path)"))
        }
        let pending = maintenance.pendingUpgrades
        let security = maintenance.securityUpgrades
        var upgrades = pending.isEmpty ? "up to date" : "\(pending.count) pending, \(security.count) security"
        if !security.isEmpty { upgrades += ": " + names(security.map(\.package), limit: 5) }
        if maintenance.listsMissing {
            upgrades += "; " + style.yellow("apt has no lists")
        } else if let age = maintenance.listsAge {
            let text = "lists \(Drift.age(age)) old"
            upgrades += "; " + (maintenance.listsAreStale ? style.yellow(text) : text)
        }
        lines.append("    upgrades: \(upgrades)\(new("security-upgrades/\(host)"))\(new("apt-lists/\(host)"))")
        for reason in maintenance.reboot {
            lines.append("    " + style.yellow("reboot: \(safe(reason.detail))") + new("reboot/\(host)"))
        }
        for package in maintenance.heldPackages.prefix(Self.listLines) {
            let available = package.available.map { " (\(safe($0)) available\(package.availableIsSecurity ? ", security" : ""))" } ?? ""
            lines.append("    held: \(safe(package.package)) \(safe(package.version))\(available)\(new("held/\(host)/\(package.package)"))")
        }
        for package in maintenance.pinnedPackages.prefix(Self.listLines) {
            lines.append("    pinned: \(safe(package.package))" + (package.pinnedTo.map { " to \(safe($0))" } ?? "")
                + " (\(safe(package.installed)) installed)\(new("pinned/\(host)/\(package.package)"))")
        }
        let unknown = maintenance.packagesFromNoRepository
        if !unknown.isEmpty {
            lines.append("    from no configured repository: "
                + names(unknown.map { "\($0.package) \($0.version)" }, limit: Self.listLines))
        }
        for missing in maintenance.unavailable {
            lines.append("    " + style.yellow("not known: \(safe(missing))"))
        }
        return lines
    }

    // MARK: Groups

    func group(_ group: GroupReport) -> [String] {
        let swept = group.swept
        var header = "  \(style.bold(safe(group.name))): "
        let series = group.series
        if let same = group.sameMembersAs {
            return [header + style.dim("the same hosts as group \(safe(same))")]
        }
        if series.count > 1 {
            // The fleet's own releases are in the overview: counts are enough here.
            let fleet = group.name == DriftReport.fleetGroup
            header += "\(swept.count) hosts on \(series.count) releases: "
                + series.map { "\(safe($0.series)) " + (fleet ? "(\($0.hosts.count))" : names($0.hosts, limit: 4)) }
                    .joined(separator: " · ")
        } else {
            header += "\(names(swept, limit: 8))" + (group.releases.isEmpty ? "" : " on " + group.releases.map { safe($0.release) }.joined(separator: ", "))
        }
        if !group.unswept.isEmpty { header += style.dim(" (not swept: \(names(group.unswept, limit: 6)))") }
        if swept.count < 2 { return [header + style.dim(": nothing to compare")] }
        var lines: [String] = []
        for variant in group.pointReleases {
            lines.append("    " + style.red("point releases differ on \(safe(variant.series)):") + " "
                + variant.releases.map { "\(safe($0.release)) on \(names($0.hosts, limit: 6))" }.joined(separator: "; ")
                + new("point-release/\(group.name)/\(variant.series)"))
        }
        for variant in group.kernelDifferences {
            lines.append("    " + style.yellow("kernels differ on \(safe(variant.series)):") + " "
                + variant.kernels.map { "\(safe($0.release)) on \(names($0.hosts, limit: 6))" }.joined(separator: "; ")
                + new("kernel/\(group.name)/\(variant.series)"))
        }
        for (series, packages) in groupedBySeries(group.packageVersions, \.series) {
            lines.append("    " + style.yellow("package versions differ on \(safe(series)) (\(packages.count)):"))
            lines += packageLines(packages.map { package in
                (package.package, package.versions.map { "\(style.cyan(safe($0.version))) on \(names($0.hosts, limit: 6))" }.joined(separator: "; ")
                    + new("package-version/\(group.name)/\(package.series)/\(package.package)"))
            })
        }
        for (series, packages) in groupedBySeries(group.missingPackages, \.series) {
            lines.append("    " + style.yellow("packages missing on some \(safe(series)) hosts (\(packages.count)):"))
            lines += packageLines(packages.map { package in
                (package.package, "missing on \(names(package.missingOn, limit: 6))"
                    + style.dim(" (installed on \(names(package.installedOn, limit: 6)))")
                    + new("package-missing/\(group.name)/\(package.series)/\(package.package)"))
            })
        }
        if !group.crossRelease.isEmpty {
            lines.append("    " + style.yellow("across releases, not explained by the release (\(group.crossRelease.count)):"))
            lines += packageLines(group.crossRelease.map { package in
                (package.package, package.versions.map { "\(style.cyan(safe($0.version))) on \(names($0.hosts, limit: 6))" }.joined(separator: "; ")
                    + style.dim(" (" + package.unexplained.map { "\(safe($0.host)) \(safe($0.provenance))" }.joined(separator: ", ") + ")")
                    + new("package-release/\(group.name)/\(package.package)"))
            })
        }
        if series.count > 1, !group.crossReleaseUnchecked.isEmpty {
            lines.append("    " + style.dim("across releases: not checked for \(names(group.crossReleaseUnchecked, limit: 6)) (no apt data)"))
        }
        let elsewhere = group.shownInOtherGroups > 0
            ? style.dim(" (\(group.shownInOtherGroups) shown under another group)") : ""
        if lines.isEmpty {
            return [header + ": " + style.green(group.shownInOtherGroups > 0 ? "no other discrepancies" : "no discrepancies") + elsewhere]
        }
        return [header + elsewhere] + lines
    }

    /// `items` by series, in the order the series first appear.
    func groupedBySeries<Item>(_ items: [Item], _ series: KeyPath<Item, String>) -> [(String, [Item])] {
        var order: [String] = []
        var grouped: [String: [Item]] = [:]
        for item in items {
            if grouped[item[keyPath: series]] == nil { order.append(item[keyPath: series]) }
            grouped[item[keyPath: series], default: []].append(item)
        }
        return order.map { ($0, grouped[$0]!) }
    }

    /// `      package  text` lines, the names padded to one column, at most ``listLines``.
    func packageLines(_ rows: [(package: String, text: String)]) -> [String] {
        let width = rows.prefix(Self.listLines).map { safe($0.package).count }.max() ?? 0
        var lines = rows.prefix(Self.listLines).map { "      \(pad(safe($0.package), width))  \($0.text)" }
        if rows.count > Self.listLines {
            lines.append("      " + style.dim("… and \(rows.count - Self.listLines) more (the JSON and HTML reports list them all)"))
        }
        return lines
    }

    func summaryLine(_ summary: Summary) -> String {
        var parts: [String] = []
        parts.append("\(summary.driftedResources) drifted resource\(plural(summary.driftedResources)) on \(summary.hostsWithDrift) host\(plural(summary.hostsWithDrift))")
        if summary.modifiedConffiles > 0 { parts.append("\(summary.modifiedConffiles) modified conffile\(plural(summary.modifiedConffiles))") }
        parts.append("\(summary.discrepancies) discrepanc\(summary.discrepancies == 1 ? "y" : "ies") in \(report.groups.count) group\(plural(report.groups.count))")
        parts.append("\(summary.endOfLifeHosts) host\(plural(summary.endOfLifeHosts)) past Debian LTS")
        if summary.ltsHosts > 0 { parts.append("\(summary.ltsHosts) in LTS only") }
        parts.append("\(summary.unreachable) unreachable")
        if summary.failed > 0 { parts.append("\(summary.failed) failed") }
        parts.append("\(summary.securityUpgrades) security upgrade\(plural(summary.securityUpgrades)) on \(summary.hostsWithSecurityUpgrades) host\(plural(summary.hostsWithSecurityUpgrades))")
        parts.append("\(summary.hostsNeedingReboot) to reboot")
        if summary.hostsBehindTargetRelease > 0 {
            parts.append("\(summary.hostsBehindTargetRelease) behind their target release")
        }
        var line = parts.joined(separator: ", ")
        if report.isComparedWithHistory {
            line += "; \(summary.newFindings) new, \(summary.resolvedFindings) resolved since the last sweep"
        }
        let verdict =
            switch report.exitStatus {
            case .clean: style.green("no drift")
            case .drift: style.red("drift found")
            case .unreachable, .error:
                report.hasDrift ? style.red("drift found, hosts not swept") : style.red("hosts not swept")
            }
        return "\(style.bold("Summary")): \(verdict): \(line)."
    }

    /// `text` cut into lines of at most `width` characters after its separators (`, `,
    /// `; `, ` · `); a part longer than `width` stays whole.
    func wrap(_ text: String, width: Int) -> [String] {
        guard text.count > width else { return [text] }
        var parts: [String] = []
        var current = ""
        var rest = Substring(text)
        while !rest.isEmpty {
            let cut = [", ", "; ", " · "].compactMap { rest.range(of: $0)?.upperBound }.min() ?? rest.endIndex
            parts.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        var lines: [String] = []
        for part in parts {
            if !current.isEmpty, current.count + part.count > width {
                lines.append(String(current.reversed().drop { $0 == " " }.reversed()))
                current = ""
            }
            current += part
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Names, escaped, the first `limit` and a count of the rest.
    func names(_ hosts: [String], limit: Int = .max) -> String { list(hosts.map(safe), limit: limit) }

    /// A field value on one line: quoted, escaped, at most 100 characters; `(none)` for nil.
    func value(_ text: String?) -> String {
        guard let text else { return style.dim("(none)") }
        var shown = escaped(text)
        if shown.count > 100 { shown = String(shown.prefix(100)) + "…" }
        return "\"\(shown)\""
    }

    func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

private func plural(_ count: Int) -> String { count == 1 ? "" : "s" }

/// `text` with control characters (and backslashes, so nothing is ambiguous) escaped
/// like Swift literals: `\n`, `\t`, `\u{1B}`.
func escaped(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        default:
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result
}

/// `text` with control characters escaped and nothing else changed, for names and messages.
func safe(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
        return text
    }
    var result = ""
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
            result += scalar == "\n" ? "\\n" : scalar == "\t" ? "\\t" : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// `2026-01-15 12:00:00 UTC`.
func timestamp(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    return String(
        format: "%04d-%02d-%02d %02d:%02d:%02d UTC",
        c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
}

/// `12.5 s`, `3 min 4 s`.
func seconds(_ duration: Double) -> String {
    if duration < 60 { return String(format: "%.1f s", duration) }
    let whole = Int(duration.rounded())
    return "\(whole / 60) min \(whole % 60) s"
}
