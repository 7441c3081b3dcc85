import Foundation

extension DriftReport {
    /// The report as one self-contained HTML page: inline CSS, no scripts, no external
    /// assets, so it can be mailed or archived as is. Every value from hosts and the
    /// inventory is HTML-escaped.
    ///
    /// Sections: a verdict and counts (hosts, unreachable, drift, discrepancies, hosts
    /// past LTS, new and resolved findings), hosts not swept, an overview of every host,
    /// drift per host, discrepancies per group, and findings resolved since the last sweep.
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
            <p class="meta">Swept \(e(timestamp(report.sweptAt))) in \(e(seconds(report.duration))) · support dates from \(e(report.supportDataSource))</p>
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
            ("drifted resources", summary.driftedResources, summary.driftedResources > 0),
            ("discrepancies", summary.discrepancies, summary.discrepancies > 0),
            ("hosts past Debian LTS", summary.endOfLifeHosts, summary.endOfLifeHosts > 0),
            ("hosts in LTS only", summary.ltsHosts, false),
        ]
        if report.isComparedWithHistory {
            cards += [("new findings", summary.newFindings, summary.newFindings > 0), ("resolved", summary.resolvedFindings, false)]
        }
        html += #"<div class="cards">"#
        for (label, count, alert) in cards {
            html += #"<div class="card\#(alert ? " alert" : "")"><div class="count">\#(count)</div><div class="label">\#(e(label))</div></div>"#
        }
        html += "</div>\n"

        let unswept = report.hosts.filter { $0.status != .swept }
        if !unswept.isEmpty {
            html += "<h2>Hosts not swept</h2>\n<table><thead><tr><th>Host</th><th>Address</th><th>Status</th><th>Error</th></tr></thead><tbody>\n"
            for host in unswept {
                html += "<tr><td>\(e(host.name))\(new("\(host.status.rawValue)/\(host.name)"))</td><td>\(e(host.address))</td>"
                    + #"<td><span class="badge bad">\#(e(host.status.rawValue))</span></td><td class="wrap">\#(e(host.error ?? ""))</td></tr>"# + "\n"
            }
            html += "</tbody></table>\n"
        }

        html += "<h2>Hosts</h2>\n<table><thead><tr><th>Host</th><th>Address</th><th>Groups</th><th>Release</th><th>Kernel</th><th>Support</th><th>Drift</th></tr></thead><tbody>\n"
        for host in report.hosts {
            html += "<tr><td>\(e(host.name))</td><td>\(e(host.address))</td><td>\(e(host.groups.joined(separator: ", ")))</td>"
            guard host.status == .swept else {
                html += #"<td colspan="4" class="muted">not swept (\#(e(host.status.rawValue)))</td></tr>"# + "\n"
                continue
            }
            html += "<td>\(e(host.release?.name ?? "unknown"))</td><td>\(e(host.kernel?.release ?? ""))</td>"
            if let support = host.support {
                html += #"<td><span class="badge \#(badgeClass(support.status))" title="\#(e(support.summary))">\#(e(supportLabel(support.status)))</span>\#(new("support/\(host.name)"))<div class="small">\#(e(supportDetail(support)))</div></td>"#
            } else {
                html += "<td></td>"
            }
            html += host.drift.isEmpty
                ? #"<td class="num ok">0</td></tr>"# + "\n"
                : ##"<td class="num bad"><a href="#host-\##(e(anchor(host.name)))">\##(host.drift.count)</a></td></tr>"## + "\n"
        }
        html += "</tbody></table>\n"

        let drifted = report.hosts.filter { !$0.drift.isEmpty }
        html += "<h2>Drift from the playbooks</h2>\n"
        if drifted.isEmpty { html += #"<p class="muted">No resource differs from the playbooks on any swept host.</p>"# + "\n" }
        for host in drifted {
            html += #"<h3 id="host-\#(e(anchor(host.name)))">\#(e(host.name)) <span class="muted">\#(host.drift.count) resource\#(host.drift.count == 1 ? "" : "s")</span></h3>"# + "\n"
            html += "<table><thead><tr><th>Resource</th><th>Reason</th><th>Field</th><th>Expected</th><th>Actual</th></tr></thead><tbody>\n"
            for drift in host.drift {
                let rows = max(drift.fields.count, 1)
                html += #"<tr><td rowspan="\#(rows)"><code>\#(e(drift.resource))</code>\#(new("drift/\(host.name)/\(drift.resource)"))</td><td rowspan="\#(rows)">\#(e(drift.reason))</td>"#
                if drift.fields.isEmpty {
                    html += #"<td colspan="3" class="muted">—</td></tr>"# + "\n"
                }
                for (index, field) in drift.fields.enumerated() {
                    if index > 0 { html += "<tr>" }
                    html += "<td>\(e(field.field))</td><td>\(value(field.expected))</td><td>\(value(field.actual))</td></tr>\n"
                }
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

    func groupSection(_ group: GroupReport) -> String {
        let swept = group.hosts.filter { !group.unswept.contains($0) }
        let title = group.name == DriftReport.fleetGroup ? "all hosts" : "group \(group.name)"
        var html = #"<section class="group"><h3>\#(e(title)) <span class="muted">\#(swept.count) swept"#
        html += group.unswept.isEmpty ? "" : ", not swept: \(hostList(group.unswept))"
        html += "</span></h3>\n"
        if swept.count < 2 {
            return html + #"<p class="muted">Fewer than two hosts swept: nothing to compare.</p></section>"# + "\n"
        }
        if group.discrepancyCount == 0 {
            return html + #"<p class="ok">No discrepancies: \#(hostList(swept)) all run \#(e(group.releases.first?.release ?? "")) with the same kernel and packages.</p></section>"# + "\n"
        }
        html += #"<div class="pair">"#
        let releaseBadge =
            !group.hasReleaseDiscrepancy ? ""
            : group.hasMajorReleaseDiscrepancy ? #" <span class="badge bad">differs</span>"#
            : #" <span class="badge warn">point releases differ</span>"#
        html += #"<div><h4>Release\#(releaseBadge)\#(new("release/\(group.name)"))</h4>"#
        html += "<table><thead><tr><th>Release</th><th>Hosts</th></tr></thead><tbody>"
        for variant in group.releases {
            html += #"<tr><td class="nowrap">\#(e(variant.release))</td><td class="wrap">\#(hostList(variant.hosts))</td></tr>"#
        }
        html += "</tbody></table></div>"
        let kernelBadge = group.hasKernelDiscrepancy ? #" <span class="badge warn">differs</span>"# : ""
        html += #"<div><h4>Kernel\#(kernelBadge)\#(new("kernel/\(group.name)"))</h4>"#
        html += "<table><thead><tr><th>Kernel</th><th>Hosts</th></tr></thead><tbody>"
        for variant in group.kernels {
            html += #"<tr><td class="nowrap" title="\#(e(variant.version))">\#(e(variant.release))<div class="small">\#(e(variant.version))</div></td><td class="wrap">\#(hostList(variant.hosts))</td></tr>"#
        }
        html += "</tbody></table></div></div>\n"

        if !group.packageVersions.isEmpty {
            html += "<h4>Package versions differ (\(group.packageVersions.count))</h4>\n"
            html += #"<table class="packages"><colgroup><col class="package"><col class="version"><col></colgroup>"#
                + "<thead><tr><th>Package</th><th>Version</th><th>Hosts</th></tr></thead><tbody>\n"
            for package in group.packageVersions {
                let rows = package.versions.count
                for (index, version) in package.versions.enumerated() {
                    html += index == 0 ? #"<tr class="first"><td rowspan="\#(rows)"><code>\#(e(package.package))</code>\#(new("package-version/\(group.name)/\(package.package)"))</td>"# : "<tr>"
                    html += #"<td class="nowrap"><code>\#(e(version.version))</code></td><td class="wrap">\#(hostList(version.hosts))</td></tr>"# + "\n"
                }
            }
            html += "</tbody></table>\n"
        }
        if !group.missingPackages.isEmpty {
            html += "<h4>Packages missing on some hosts (\(group.missingPackages.count))</h4>\n"
            html += #"<table class="packages"><colgroup><col class="package"><col><col></colgroup>"#
                + "<thead><tr><th>Package</th><th>Missing on</th><th>Installed on</th></tr></thead><tbody>\n"
            for package in group.missingPackages {
                html += #"<tr><td><code>\#(e(package.package))</code>\#(new("package-missing/\(group.name)/\(package.package)"))</td><td class="wrap bad">\#(hostList(package.missingOn))</td><td class="wrap">\#(hostList(package.installedOn))</td></tr>"# + "\n"
            }
            html += "</tbody></table>\n"
        }
        return html + "</section>\n"
    }

    func value(_ text: String?) -> String {
        guard let text else { return #"<span class="muted">none</span>"# }
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
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
        a { color: inherit; }
        footer { margin-top: 40px; font-size: 12px; }

        """
}
