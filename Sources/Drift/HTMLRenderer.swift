import Foundation

extension DriftReport {
    /// The report as one self-contained HTML page: inline CSS, no scripts, no external
    /// assets, so it can be mailed or archived as is. Every value from hosts and the
    /// inventory is HTML-escaped.
    ///
    /// Sections, summary first: a verdict and counts, the overview the text report starts
    /// with (drift, discrepancies, past support, unreachable, new, resolved, releases,
    /// security upgrades, reboots), a table of every host, details for the hosts with
    /// something to show (drift with unified diffs, service states, modified conffiles,
    /// reboot reasons, held, pinned and unknown packages, upgrades), security upgrades by
    /// release, discrepancies per group, and what was resolved since the last sweep.
    public func html() -> String {
        HTMLRenderer(report: self).render()
    }
}

/// `text` escaped for HTML text and quoted attribute values. Control characters other
/// than newline and tab, which HTML does not allow, show as `\u{1B}`.
func htmlEscaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        case "\n", "\t": result.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
            result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result
}

private struct HTMLRenderer {
    let report: DriftReport
    let newKeys: Set<String>

    init(report: DriftReport) {
        self.report = report
        newKeys = Set(report.findings.lazy.filter(\.isNew).map(\.key))
    }

    func e(_ text: String) -> String { htmlEscaped(text) }
    func new(_ key: String) -> String { newKeys.contains(key) ? #" <span class="new">NEW</span>"# : "" }
    func hostList(_ hosts: [String]) -> String { hosts.map(e).joined(separator: ", ") }

    func render() -> String {
        let summary = report.summary
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>converge drift report, \(e(timestamp(report.sweptAt)))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <header>
            <h1>converge drift report</h1>
            <p class="meta">\(summary.hosts) hosts swept \(e(timestamp(report.sweptAt))) in \(e(seconds(report.duration))) · support dates from \(e(report.supportDataSource))</p>
            </header>

            """
        let (verdictClass, verdict) =
            switch report.exitStatus {
            case .clean: ("ok", "No drift: every host swept, the fleet matches the playbooks and itself.")
            case .drift: ("bad", "Drift found.")
            case .unreachable, .error:
                ("bad", report.hasDrift ? "Drift found, and some hosts were not swept." : "Some hosts were not swept.")
            }
        html += #"<p class="verdict \#(verdictClass)">\#(e(verdict)) <span class="exit">exit status \#(report.exitStatus.rawValue)</span></p>"# + "\n"

        var cards: [(String, Int, Bool)] = [
            ("hosts", summary.hosts, false),
            ("unreachable or failed", summary.unreachable + summary.failed, summary.unreachable + summary.failed > 0),
            ("hosts with drift", summary.hostsWithDrift, summary.hostsWithDrift > 0),
            ("discrepancies", summary.discrepancies, summary.discrepancies > 0),
            ("hosts past Debian LTS", summary.endOfLifeHosts, summary.endOfLifeHosts > 0),
            ("hosts with security upgrades", summary.hostsWithSecurityUpgrades, false),
            ("hosts to reboot", summary.hostsNeedingReboot, false),
            ("hosts behind their target release", summary.hostsBehindTargetRelease, summary.hostsBehindTargetRelease > 0),
        ]
        if report.isComparedWithHistory {
            cards += [("new findings", summary.newFindings, summary.newFindings > 0), ("resolved", summary.resolvedFindings, false)]
        }
        html += #"<div class="cards">"#
        for (label, count, alert) in cards {
            html += #"<div class="card\#(alert ? " alert" : "")"><div class="count">\#(count)</div><div class="label">\#(e(label))</div></div>"#
        }
        html += "</div>\n"

        html += #"<h2>Summary</h2>"# + "\n" + #"<dl class="overview">"# + "\n"
        for item in ReportOverview(report).items {
            let tone =
                switch item.tone {
                case .good: "ok"
                case .notice: "warn"
                case .bad: "bad"
                }
            html += #"<dt>\#(e(item.label))</dt><dd class="\#(tone)">\#(item.lines.map(e).joined(separator: "<br>"))</dd>"# + "\n"
        }
        html += "</dl>\n"

        let notes = report.groupNotes
        html += hostTable(notes: notes)

        let shown = report.hosts.filter { $0.hasSomethingToShow || notes[$0.name] != nil }
        html += "<h2>Details</h2>\n"
        if shown.isEmpty {
            html += #"<p class="muted">No host has anything to show beyond the tables.</p>"# + "\n"
        }
        for host in shown { html += details(host, notes: notes[host.name] ?? []) }

        let batches = report.securityUpgradeBatches
        if !batches.isEmpty {
            html += "<h2>Security upgrades pending</h2>\n"
            html += #"<table class="batches"><colgroup><col class="release"><col class="hosts"><col></colgroup>"#
                + #"<thead><tr><th>Release</th><th>Hosts</th><th>Packages</th></tr></thead><tbody>"# + "\n"
            for batch in batches {
                html += #"<tr><td class="nowrap">\#(e(batch.series))</td><td class="wrap">\#(hostList(batch.hosts))</td><td class="wrap"><code>\#(batch.packages.map(e).joined(separator: "</code>, <code>"))</code></td></tr>"# + "\n"
            }
            html += "</tbody></table>\n"
        }

        html += "<h2>Discrepancies between hosts</h2>\n"
        for group in report.groups {
            html += groupSection(group)
        }

        if report.isComparedWithHistory {
            html += "<h2>Resolved since the last sweep</h2>\n"
            if report.resolved.isEmpty {
                html += #"<p class="muted">Nothing was resolved.</p>"# + "\n"
            } else {
                html += "<table><thead><tr><th>Finding</th><th>Key</th></tr></thead><tbody>\n"
                for finding in report.resolved {
                    html += #"<tr><td class="wrap">\#(e(finding.summary))</td><td><code>\#(e(finding.key))</code></td></tr>"# + "\n"
                }
                html += "</tbody></table>\n"
            }
        }
        html += """
            <footer>converge drift · \(summary.findings) findings · schema \(DriftReport.schemaName) version \(DriftReport.schemaVersion)</footer>
            </body>
            </html>

            """
        return html
    }

    /// Every host on a row: release, support, drift, upgrades, reboot, lists; a link to
    /// the details of the hosts that have some.
    func hostTable(notes: [String: [String]]) -> String {
        var html = "<h2>Hosts</h2>\n<table><thead><tr><th>Host</th><th>Address</th><th>Groups</th><th>Release</th><th>Support</th>"
            + #"<th class="num">Drift</th><th class="num">Security upgrades</th><th>Reboot</th><th>Lists</th></tr></thead><tbody>"# + "\n"
        for host in report.hosts {
            let name = host.hasSomethingToShow || notes[host.name] != nil
                ? ##"<a href="#host-\##(e(anchor(host.name)))">\##(e(host.name))</a>"## : e(host.name)
            html += "<tr><td>\(name)\(new("\(host.status.rawValue)/\(host.name)"))</td><td>\(e(host.address))</td><td>\(e(host.groups.joined(separator: ", ")))</td>"
            guard host.status == .swept else {
                html += #"<td colspan="6"><span class="badge bad">\#(e(host.status.rawValue))</span> <span class="wrap">\#(e(host.error ?? ""))</span></td></tr>"# + "\n"
                continue
            }
            html += "<td>\(e(host.release?.name ?? "unknown"))</td>"
            if let support = host.support {
                html += #"<td><span class="badge \#(badgeClass(support.status))" title="\#(e(support.summary))">\#(e(supportLabel(support.status)))</span>\#(new("support/\(host.name)"))<div class="small">\#(e(supportDetail(support)))</div></td>"#
            } else {
                html += "<td></td>"
            }
            let drifted = host.drift.count + (host.maintenance?.modifiedConffiles.count ?? 0)
            html += drifted == 0 ? #"<td class="num ok">0</td>"# : #"<td class="num bad">\#(drifted)</td>"#
            if let maintenance = host.maintenance {
                let security = maintenance.securityUpgrades.count
                html += #"<td class="num\#(security > 0 ? " warn" : "")">\#(security)<span class="small"> of \#(maintenance.pendingUpgrades.count)</span></td>"#
                html += maintenance.reboot.isEmpty
                    ? #"<td class="muted">no</td>"#
                    : #"<td><span class="badge warn">\#(e(maintenance.reboot.map(\.kind.rawValue).joined(separator: ", ")))</span></td>"#
                let lists = maintenance.listsMissing ? "none" : maintenance.listsAge.map { age($0) + " old" } ?? "unknown"
                html += #"<td class="nowrap\#(maintenance.listsAreStale ? " warn" : "")">\#(e(lists))</td></tr>"# + "\n"
            } else {
                html += #"<td colspan="3" class="muted">not gathered</td></tr>"# + "\n"
            }
        }
        return html + "</tbody></table>\n"
    }

    /// A host with something to show: its drift with diffs and states, then maintenance.
    func details(_ host: HostReport, notes: [String]) -> String {
        var html = #"<section class="host" id="host-\#(e(anchor(host.name)))"><h3>\#(e(host.name)) <span class="muted">\#(e(host.release?.name ?? host.status.rawValue))"#
        if let support = host.support, support.status != .supported {
            html += #" · <span class="\#(support.status.isPastLTS ? "bad" : "warn")">\#(e(support.brief))</span>"#
        }
        html += "</span></h3>\n"
        if host.status != .swept {
            return html + #"<p class="bad">\#(e(host.status.rawValue)): \#(e(host.error ?? ""))</p></section>"# + "\n"
        }
        if !host.drift.isEmpty {
            html += "<table><thead><tr><th>Resource</th><th>What differs</th></tr></thead><tbody>\n"
            for drift in host.drift {
                html += #"<tr><td class="resource"><code>\#(e(drift.resource))</code>\#(new("drift/\(host.name)/\(drift.resource)"))</td><td><div>\#(e(drift.reason))</div>"#
                html += driftDetails(drift) + "</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        var items: [String] = notes.map { #"<li class="bad">\#(e($0))</li>"# }
        for resource in host.unverified {
            items.append(#"<li class="warn"><code>\#(e(resource.resource))</code>: \#(e(resource.reason))\#(new("unverified/\(host.name)/\(resource.resource)"))</li>"#)
        }
        if let maintenance = host.maintenance {
            for conffile in maintenance.modifiedConffiles {
                items.append(#"<li class="bad">conffile <code>\#(e(conffile.path))</code> of \#(e(conffile.package)): \#(conffile.isMissing ? "deleted" : "modified since installed")\#(new("conffile/\(host.name)/\(conffile.path)"))</li>"#)
            }
            for reason in maintenance.reboot {
                items.append(#"<li class="warn">reboot: \#(e(reason.detail))\#(new("reboot/\(host.name)"))</li>"#)
            }
            for package in maintenance.heldPackages {
                let available = package.available.map { " (\($0) available\(package.availableIsSecurity ? ", security" : ""))" } ?? ""
                items.append("<li>held: <code>\(e(package.package))</code> \(e(package.version + available))\(new("held/\(host.name)/\(package.package)"))</li>")
            }
            for package in maintenance.pinnedPackages {
                items.append("<li>pinned: <code>\(e(package.package))</code>\(e(package.pinnedTo.map { " to \($0)" } ?? "")) (\(e(package.installed)) installed)</li>")
            }
            for package in maintenance.packagesFromNoRepository {
                items.append("<li>from no configured repository: <code>\(e(package.package))</code> \(e(package.version))</li>")
            }
            for missing in maintenance.unavailable {
                items.append(#"<li class="warn">not known: \#(e(missing))</li>"#)
            }
            let security = maintenance.securityUpgrades
            var upgrades = "upgrades: \(maintenance.pendingUpgrades.count) pending, \(security.count) security"
            if let age = maintenance.listsAge { upgrades += "; lists \(Drift.age(age)) old" }
            if maintenance.listsMissing { upgrades += "; apt has no lists" }
            // The list folded: a host shows its upgrades on request, the page stays short.
            items.append(maintenance.pendingUpgrades.isEmpty
                ? "<li>\(e(upgrades))</li>"
                : #"<li class="fold"><details><summary>"# + e(upgrades) + "</summary>" + #"<table class="upgrades"><tbody>"#
                    + maintenance.pendingUpgrades.map { upgrade in
                        #"<tr><td><code>\#(e(upgrade.package))</code></td><td><code>\#(e(upgrade.installed))</code> → <code>\#(e(upgrade.candidate))</code></td><td>\#(upgrade.isSecurity ? #"<span class="badge warn">security</span>"# : "")</td></tr>"#
                    }.joined() + "</tbody></table></details></li>")
        }
        if !items.isEmpty { html += #"<ul class="facts">"# + items.joined(separator: "\n") + "</ul>\n" }
        return html + "</section>\n"
    }

    /// A drifted resource's fields, state and content.
    func driftDetails(_ drift: ResourceDrift) -> String {
        var html = ""
        if !drift.fields.isEmpty {
            html += #"<table class="fields"><tbody>"#
            for field in drift.fields {
                html += #"<tr><td>\#(e(field.field))</td><td>expected \#(value(field.expected))</td><td>actual \#(value(field.actual))</td></tr>"#
            }
            html += "</tbody></table>"
        }
        if let state = drift.state {
            html += #"<div class="state">state: <strong>\#(e(state))</strong>\#(drift.since.map { " since " + e(timestamp($0)) } ?? "")</div>"#
        }
        if let content = drift.content {
            if content.isSecret {
                html += #"<div class="muted">secret content differs (not shown)</div>"#
            } else if !content.diff.isEmpty {
                html += #"<pre class="diff">"# + content.diff.map(diffLine).joined(separator: "\n") + "</pre>"
            } else if let expected = content.expectedSHA256 {
                html += #"<div class="small">content is not text: \#(content.actualSize.map { "\($0) bytes" } ?? "none") on the host (sha256 \#(e(content.actualSHA256 ?? "none"))), \#(content.expectedSize.map { "\($0) bytes" } ?? "?") in the playbooks (sha256 \#(e(expected)))</div>"#
            }
        }
        return html
    }

    func diffLine(_ line: String) -> String {
        let shown = e(line)
        if line.hasPrefix("+++") || line.hasPrefix("---") { return #"<span class="file">\#(shown)</span>"# }
        if line.hasPrefix("@@") { return #"<span class="hunk">\#(shown)</span>"# }
        if line.hasPrefix("+") { return #"<span class="add">\#(shown)</span>"# }
        if line.hasPrefix("-") { return #"<span class="del">\#(shown)</span>"# }
        return shown
    }

    func groupSection(_ group: GroupReport) -> String {
        let swept = group.swept
        let title = group.name == DriftReport.fleetGroup ? "all hosts" : "group \(group.name)"
        var html = #"<section class="group"><h3>\#(e(title)) <span class="muted">\#(swept.count) swept"#
        html += group.unswept.isEmpty ? "" : ", not swept: \(hostList(group.unswept))"
        html += "</span></h3>\n"
        if let same = group.sameMembersAs {
            return html + #"<p class="muted">The same hosts as group \#(e(same)): nothing more to compare.</p></section>"# + "\n"
        }
        if swept.count < 2 {
            return html + #"<p class="muted">Fewer than two hosts swept: nothing to compare.</p></section>"# + "\n"
        }
        html += "<table><thead><tr><th>Release</th><th>Hosts</th></tr></thead><tbody>"
        for variant in group.releases {
            html += #"<tr><td class="nowrap">\#(e(variant.release))</td><td class="wrap">\#(hostList(variant.hosts))</td></tr>"#
        }
        html += "</tbody></table>\n"
        let elsewhere = group.shownInOtherGroups == 0 ? "" : #" <span class="muted">(\#(group.shownInOtherGroups) more shown under another group.)</span>"#
        if group.discrepancyCount == 0 {
            let across = group.series.count > 1 ? "; across releases, every difference is the releases' own" : ""
            return html + (group.shownInOtherGroups == 0
                ? #"<p class="ok">No discrepancies: hosts of one release agree\#(across).</p>"#
                : #"<p class="ok">No other discrepancies\#(across).\#(elsewhere)</p>"#) + "</section>\n"
        }
        if !elsewhere.isEmpty { html += "<p>\(elsewhere)</p>\n" }
        for variant in group.pointReleases {
            html += #"<h4>Point releases differ on \#(e(variant.series)) <span class="badge bad">drift</span>\#(new("point-release/\(group.name)/\(variant.series)"))</h4>"#
            html += "<p>" + variant.releases.map { "\(e($0.release)) on \(hostList($0.hosts))" }.joined(separator: "; ") + "</p>\n"
        }
        for variant in group.kernelDifferences {
            html += #"<h4>Kernels differ on \#(e(variant.series))\#(new("kernel/\(group.name)/\(variant.series)"))</h4>"#
            html += "<p>" + variant.kernels.map { #"<span title="\#(e($0.version))">\#(e($0.release))</span> on \#(hostList($0.hosts))"# }.joined(separator: "; ") + "</p>\n"
        }
        if !group.packageVersions.isEmpty {
            html += "<h4>Package versions differ within a release (\(group.packageVersions.count))</h4>\n"
            html += #"<table class="packages"><colgroup><col class="package"><col class="version"><col></colgroup>"#
                + "<thead><tr><th>Package</th><th>Version</th><th>Hosts</th></tr></thead><tbody>\n"
            for package in group.packageVersions {
                let rows = package.versions.count
                for (index, version) in package.versions.enumerated() {
                    html += index == 0
                        ? #"<tr class="first"><td rowspan="\#(rows)"><code>\#(e(package.package))</code> <span class="small">\#(e(package.series))</span>\#(new("package-version/\(group.name)/\(package.series)/\(package.package)"))</td>"#
                        : "<tr>"
                    html += #"<td class="nowrap"><code>\#(e(version.version))</code></td><td class="wrap">\#(hostList(version.hosts))</td></tr>"# + "\n"
                }
            }
            html += "</tbody></table>\n"
        }
        if !group.missingPackages.isEmpty {
            html += "<h4>Packages missing on some hosts of a release and role (\(group.missingPackages.count))</h4>\n"
            html += #"<table class="packages"><colgroup><col class="package"><col><col></colgroup>"#
                + "<thead><tr><th>Package</th><th>Missing on</th><th>Installed on</th></tr></thead><tbody>\n"
            for package in group.missingPackages {
                html += #"<tr><td><code>\#(e(package.package))</code> <span class="small">\#(e(package.series))</span>\#(new("package-missing/\(group.name)/\(package.series)/\(package.package)"))</td><td class="wrap bad">\#(hostList(package.missingOn))</td><td class="wrap">\#(hostList(package.installedOn))</td></tr>"# + "\n"
            }
            html += "</tbody></table>\n"
        }
        if !group.crossRelease.isEmpty {
            html += "<h4>Across releases, not explained by the release (\(group.crossRelease.count))</h4>\n"
            html += #"<table class="packages"><colgroup><col class="package"><col><col></colgroup>"#
                + "<thead><tr><th>Package</th><th>Versions</th><th>Why not the release's</th></tr></thead><tbody>\n"
            for package in group.crossRelease {
                html += #"<tr><td><code>\#(e(package.package))</code>\#(new("package-release/\(group.name)/\(package.package)"))</td><td class="wrap">\#(package.versions.map { "<code>\(e($0.version))</code> on \(hostList($0.hosts))" }.joined(separator: "<br>"))</td><td class="wrap">\#(package.unexplained.map { "\(e($0.host)): \(e($0.provenance))" }.joined(separator: "<br>"))</td></tr>"# + "\n"
            }
            html += "</tbody></table>\n"
        }
        if group.series.count > 1, !group.crossReleaseUnchecked.isEmpty {
            html += #"<p class="muted">Across releases: not checked for \#(hostList(group.crossReleaseUnchecked)) (no apt data).</p>"# + "\n"
        }
        return html + "</section>\n"
    }

    /// A field value: short one-line values inline, others as a block.
    func value(_ text: String?) -> String {
        guard let text else { return #"<span class="muted">none</span>"# }
        if text.count <= 80, !text.contains("\n") { return "<code>\(e(text))</code>" }
        return "<pre>\(e(text))</pre>"
    }

    func badgeClass(_ status: SupportStatus) -> String {
        switch status {
        case .supported: "ok"
        case .lts, .unreleased, .unknown: "warn"
        case .elts, .endOfLife: "bad"
        }
    }

    func supportLabel(_ status: SupportStatus) -> String {
        switch status {
        case .supported: "supported"
        case .lts: "LTS only"
        case .elts: "ELTS only"
        case .endOfLife: "end of life"
        case .unreleased: "unreleased"
        case .unknown: "unknown"
        }
    }

    func supportDetail(_ support: SupportAssessment) -> String {
        switch support.status {
        case .supported: support.eol.map { "until \($0)" } ?? ""
        case .lts: support.eolLTS.map { "until \($0)" } ?? ""
        case .elts: support.eolELTS.map { "Debian LTS ended \(support.eolLTS ?? "?"); ELTS until \($0)" } ?? ""
        case .endOfLife: [support.eolELTS, support.eolLTS, support.eol].compactMap { $0 }.first.map { "since \($0)" } ?? ""
        case .unreleased, .unknown: ""
        }
    }

    /// An id for a host's drift section: letters, digits, `-`, `_`, `.`; others as `_XX`.
    func anchor(_ name: String) -> String {
        var result = ""
        for byte in name.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.properties.isAlphabetic && byte < 128 || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "_" + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }

    static let css = """

        :root { color-scheme: light; --bad: #b42318; --bad-bg: #fef3f2; --warn: #b54708; --warn-bg: #fffaeb;
          --ok: #067647; --ok-bg: #ecfdf3; --line: #e4e7ec; --muted: #667085; --head: #f9fafb; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
          color: #101828; margin: 0 auto; padding: 24px 32px 48px; max-width: 1200px; background: #fff; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
        h3 { font-size: 15px; margin: 18px 0 8px; }
        h4 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .03em; color: #344054; }
        .meta, .muted, footer { color: var(--muted); }
        .meta { margin: 0; }
        .verdict { margin: 16px 0; padding: 10px 14px; border-radius: 8px; font-weight: 600; }
        .verdict.ok { background: var(--ok-bg); color: var(--ok); }
        .verdict.bad { background: var(--bad-bg); color: var(--bad); }
        .verdict .exit { float: right; font-weight: 400; color: var(--muted); }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; }
        .card { flex: 1 1 120px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
        .card .count { font-size: 24px; font-weight: 700; }
        .card .label { color: var(--muted); font-size: 12px; }
        .card.alert { border-color: #fda29b; background: var(--bad-bg); }
        .card.alert .count { color: var(--bad); }
        table { border-collapse: collapse; width: 100%; margin: 4px 0 12px; }
        th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
        th { background: var(--head); font-size: 12px; color: #344054; }
        table.packages { table-layout: fixed; }
        table.packages col.package { width: 26%; }
        table.packages col.version { width: 26%; }
        table.packages td { padding-top: 3px; padding-bottom: 3px; border-bottom-color: #f2f4f7; }
        table.packages tr.first td { border-top: 1px solid #d0d5dd; }
        table.packages td code { overflow-wrap: anywhere; }
        td.num { text-align: right; font-weight: 600; }
        .ok { color: var(--ok); } .bad { color: var(--bad); }
        .nowrap { white-space: nowrap; }
        .wrap { overflow-wrap: anywhere; }
        .small { font-size: 12px; color: var(--muted); }
        code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 16em; overflow: auto; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
        .badge.ok { background: var(--ok-bg); color: var(--ok); }
        .badge.warn { background: var(--warn-bg); color: var(--warn); }
        .badge.bad { background: var(--bad-bg); color: var(--bad); }
        .new { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 11px;
          font-weight: 700; background: #fdb022; color: #fff; vertical-align: 1px; }
        .group { margin-bottom: 22px; }
        dl.overview { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0 0; }
        dl.overview dt { font-weight: 600; color: #344054; }
        dl.overview dd { margin: 0; }
        .warn { color: var(--warn); }
        td.num.warn { color: var(--warn); }
        section.host { border: 1px solid var(--line); border-radius: 8px; padding: 4px 14px 8px; margin: 12px 0; }
        section.host h3 { margin: 10px 0 8px; }
        td.resource { width: 30%; }
        table.fields { width: auto; margin: 4px 0; }
        table.fields td { border: none; padding: 1px 12px 1px 0; }
        .state { margin: 4px 0; }
        pre.diff { background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; margin: 6px 0 2px;
          max-height: 24em; }
        pre.diff .add { color: var(--ok); background: var(--ok-bg); display: inline-block; width: 100%; }
        pre.diff .del { color: var(--bad); background: var(--bad-bg); display: inline-block; width: 100%; }
        pre.diff .hunk { color: #6941c6; }
        pre.diff .file { font-weight: 700; }
        ul.facts { margin: 6px 0; padding-left: 20px; }
        details summary { cursor: pointer; }
        ul.facts li.fold { list-style: none; margin-left: -16px; }
        table.batches { table-layout: fixed; }
        table.batches col.release { width: 12%; }
        table.batches col.hosts { width: 28%; }
        table.upgrades { width: auto; margin: 4px 0 4px 8px; }
        table.upgrades td { padding: 1px 10px 1px 0; border: none; font-size: 12.5px; }
        ul.facts li { margin: 2px 0; }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
        a { color: inherit; }
        footer { margin-top: 40px; font-size: 12px; }

        """
}
