import Facts
import Foundation
import Testing

@testable import Drift

/// A small report: one drifted host `a` (bookworm), one unreachable host `b`, in group `web`.
func smallReport() -> DriftReport {
    DriftReport(
        sweeps: [
            syntheticHost(
                "a", groups: ["web"], release: ("12.15", "bookworm"), packages: [("curl", "1", "amd64")],
                drift: [ResourceDrift(resource: "file:/etc/motd", reason: "content differs")]),
            HostSweep(host: "b", address: "192.0.2.2", groups: ["web"], outcome: .unreachable("timeout")),
        ],
        sweptAt: januaryDate, duration: 12.5, distroInfo: testDistroInfo)
}

/// Strings that break markup, shells and terminals.
let hostile = #"<script>alert("x")</script> & 'quoted' "double" \ back"#

func hostileReport() -> DriftReport {
    DriftReport(
        sweeps: [
            syntheticHost(
                "web<1>", groups: [hostile], packages: [(hostile, "1.0", "amd64")],
                drift: [ResourceDrift(
                    resource: "file:/etc/\(hostile)", reason: hostile,
                    fields: [FieldDrift(field: hostile, expected: hostile + "\n\u{1B}[2J", actual: "</pre><img src=x onerror=alert(1)>")])]),
            syntheticHost("web\"2", groups: [hostile], packages: [(hostile, "2.0", "amd64")]),
            HostSweep(host: "x\ny", address: hostile, groups: [hostile], outcome: .unreachable(hostile)),
        ],
        sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo,
        history: FindingHistory(newKeys: [], resolved: [ResolvedFinding(key: hostile, summary: hostile)]))
}

@Suite struct PrometheusTests {
    @Test func writesTheExpositionFormat() {
        #expect(smallReport().prometheus() == """
            # HELP converge_drift_resources Resources whose state differs from the playbooks, per swept host.
            # TYPE converge_drift_resources gauge
            converge_drift_resources{host="a"} 1
            # HELP converge_drift_discrepancies Differences between the hosts of a group, by kind.
            # TYPE converge_drift_discrepancies gauge
            converge_drift_discrepancies{group="web",kind="package_version"} 0
            converge_drift_discrepancies{group="web",kind="package_missing"} 0
            converge_drift_discrepancies{group="web",kind="package_release"} 0
            converge_drift_discrepancies{group="web",kind="point_release"} 0
            converge_drift_discrepancies{group="web",kind="kernel"} 0
            converge_drift_discrepancies{group="web",kind="release"} 0
            converge_drift_discrepancies{group="all",kind="package_version"} 0
            converge_drift_discrepancies{group="all",kind="package_missing"} 0
            converge_drift_discrepancies{group="all",kind="package_release"} 0
            converge_drift_discrepancies{group="all",kind="point_release"} 0
            converge_drift_discrepancies{group="all",kind="kernel"} 0
            converge_drift_discrepancies{group="all",kind="release"} 0
            # HELP converge_host_upgrades Packages with a newer candidate in the host's own apt lists, held ones left out.
            # TYPE converge_host_upgrades gauge
            # HELP converge_host_security_upgrades Pending upgrades offered by a security archive.
            # TYPE converge_host_security_upgrades gauge
            # HELP converge_host_apt_lists_age_seconds How old the host's apt lists were at the sweep.
            # TYPE converge_host_apt_lists_age_seconds gauge
            # HELP converge_host_reboot_required 1 if the host should reboot (flag file, newer kernel, replaced libc), else 0.
            # TYPE converge_host_reboot_required gauge
            # HELP converge_hosts_end_of_life Hosts whose Debian release is past LTS (ELTS or end of life).
            # TYPE converge_hosts_end_of_life gauge
            converge_hosts_end_of_life 0
            # HELP converge_host_unreachable 1 if the host could not be swept (unreachable or failed), else 0.
            # TYPE converge_host_unreachable gauge
            converge_host_unreachable{host="a"} 0
            converge_host_unreachable{host="b"} 1
            # HELP converge_drift_last_sweep_timestamp_seconds When the last drift sweep started, in Unix time.
            # TYPE converge_drift_last_sweep_timestamp_seconds gauge
            converge_drift_last_sweep_timestamp_seconds 1768478400
            # HELP converge_drift_sweep_duration_seconds How long the last drift sweep took.
            # TYPE converge_drift_sweep_duration_seconds gauge
            converge_drift_sweep_duration_seconds 12.5

            """)
    }

    @Test func countsDiscrepanciesAndEndOfLifeHosts() throws {
        let text = try mixedReport().prometheus()
        #expect(text.contains("converge_drift_discrepancies{group=\"web\",kind=\"release\"} 1\n"))
        #expect(text.contains("converge_drift_discrepancies{group=\"web\",kind=\"package_release\"} 2\n"))
        #expect(text.contains("converge_drift_discrepancies{group=\"db\",kind=\"release\"} 0\n"))
        #expect(text.contains("converge_drift_discrepancies{group=\"jessie\",kind=\"package_version\"} 2\n"))
        #expect(text.contains("converge_drift_discrepancies{group=\"jessie\",kind=\"package_missing\"} 1\n"))
        #expect(text.contains("converge_drift_discrepancies{group=\"jessie\",kind=\"point_release\"} 1\n"))
        #expect(text.contains("converge_host_security_upgrades{host=\"web01\"} 8\n"))
        #expect(text.contains("converge_host_upgrades{host=\"web03\"} 6\n"))
        #expect(text.contains("converge_host_reboot_required{host=\"web03\"} 1\n"))
        #expect(text.contains("converge_host_reboot_required{host=\"web01\"} 0\n"))
        #expect(text.contains("converge_host_apt_lists_age_seconds{host=\"web03\"} 1178400\n"))
        // Hosts without maintenance facts have no such samples.
        #expect(!text.contains("converge_host_upgrades{host=\"web02\"}"))
        #expect(text.contains("converge_hosts_end_of_life 3\n"))
        #expect(text.contains("converge_host_unreachable{host=\"db02\"} 1\n"))
        #expect(!text.contains("converge_drift_resources{host=\"web04\"}"))
    }

    @Test func escapesLabelValues() {
        #expect(prometheusLabelValue("a\\b\"c\nd\r\ne") == #"a\\b\"c\nd"# + "\r" + #"\ne"#)
        let text = hostileReport().prometheus()
        #expect(text.contains(#"converge_host_unreachable{host="x\ny"} 1"#))
        #expect(text.contains(#"converge_drift_resources{host="web\"2"} 0"#))
        // Every sample is one line: the escaped newline did not split one.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.hasPrefix("converge_"))
        }
    }

    @Test func writesTheTextfileAtomically() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drift-prom-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("converge_drift.prom")
        try Data("old\n".utf8).write(to: file)
        let report = smallReport()
        try report.writePrometheusTextfile(to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == report.prometheus())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["converge_drift.prom"])
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
        #expect(throws: (any Error).self) {
            try report.writePrometheusTextfile(to: directory.appendingPathComponent("missing/converge_drift.prom"))
        }
    }
}

@Suite struct HTMLTests {
    @Test func escapesEverythingFromHostsAndInventory() {
        let html = hostileReport().html()
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("</pre><img"))
        #expect(!html.contains("\u{1B}"))
        #expect(html.contains(#"\u{1B}[2J"#))
        #expect(!html.contains("alert(\"x\")"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;double&quot; \\ back"))
        #expect(html.contains("web&lt;1&gt;"))
        #expect(html.contains("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;"))
        // The anchor of a hostile host name is only safe characters.
        #expect(html.contains(#"id="host-web_3C1_3E""#))
    }

    @Test func isSelfContained() throws {
        let html = try mixedReport().html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        for external in ["<script", "<link", "src=", "http://", "https://", "@import", "url("] {
            #expect(!html.contains(external), "found \(external)")
        }
        #expect(html.contains("<style>"))
    }

    @Test func showsTheSummaryFirstThenHostsDetailsAndGroups() throws {
        let html = try mixedReport().html()
        #expect(html.contains("7 hosts swept 2026-01-15 12:00:00 UTC in 12.5 s"))
        #expect(html.contains(#"<div class="card alert"><div class="count">2</div><div class="label">unreachable or failed</div></div>"#))
        #expect(html.contains(#"<div class="count">3</div><div class="label">hosts past Debian LTS</div>"#))
        // The overview the text starts with, in the same order, before every table.
        let overview = try #require(html.range(of: #"<h2>Summary</h2>"#))
        let hosts = try #require(html.range(of: "<h2>Hosts</h2>"))
        let details = try #require(html.range(of: "<h2>Details</h2>"))
        let groups = try #require(html.range(of: "<h2>Discrepancies between hosts</h2>"))
        #expect(overview.upperBound < hosts.lowerBound && hosts.upperBound < details.lowerBound && details.upperBound < groups.lowerBound)
        #expect(html.contains(#"<dt>drift</dt><dd class="bad">db01 (service:postgresql), web01 (4 resources), web03 (conffile /etc/pam.d/sudo, conffile /etc/sudoers)</dd>"#))
        #expect(html.contains(#"<dt>releases</dt><dd class="ok">8.10 (jessie)     web02<br>"#))
        // Per host: security upgrades of all pending, reboot, lists.
        #expect(html.contains(#"<td class="num warn">6<span class="small"> of 6</span></td><td><span class="badge warn">libc</span></td><td class="nowrap warn">13 days old</td>"#))
        #expect(html.contains(#"<tr class="first"><td rowspan="2"><code>openssl</code> <span class="small">jessie</span></td><td class="nowrap"><code>1.0.1t-1+deb8u7</code></td><td class="wrap">web02</td></tr>"#))
        #expect(html.contains(#"<tr><td><code>curl</code> <span class="small">jessie</span></td><td class="wrap bad">web02</td><td class="wrap">web01</td></tr>"#))
        #expect(html.contains(#"<td class="wrap">web01: pinned to 2018e-0+deb8u1</td>"#))
        #expect(html.contains(#"<table class="packages">"#))
        #expect(html.contains(#"<td>content</td><td>expected <pre>welcome"# + "\n" + #"</pre></td><td>actual <pre>hello"# + "\n</pre></td>"))
        #expect(html.contains(#"<li class="bad">conffile <code>/etc/pam.d/sudo</code> of sudo: deleted</li>"#))
        #expect(html.contains(#"<li>held: <code>ntp</code> 1:4.2.6.p5+dfsg-7+deb8u2 (1:4.2.6.p5+dfsg-7+deb8u3 available, security)</li>"#))
        #expect(html.contains(#"<h2>Security upgrades pending</h2>"#))
        #expect(html.contains(#"<span class="badge bad" title="Debian 8 (jessie): end of life, all support ended 2025-06-30">end of life</span>"#))
    }
}

@Suite struct HostileContentTests {
    /// A drifted file whose lines, a service state and an unverified reason carry markup and escapes.
    func report() -> DriftReport {
        DriftReport(
            sweeps: [syntheticHost("a", groups: [], packages: [], drift: [
                ResourceDrift(
                    resource: "file:/etc/x", reason: "content differs",
                    content: ContentDrift(diff: ["--- /etc/x (a)", "+++ /etc/x (playbooks)", "@@ -1 +1 @@", "-" + hostile + "\u{1B}[2J", "+</pre><img src=x onerror=alert(1)>"])),
                ResourceDrift(resource: "service:x", reason: "failed", state: hostile),
            ])],
            sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo)
    }

    @Test func escapesDiffsAndStatesInHTML() {
        let html = report().html()
        #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("\u{1B}"))
        #expect(html.contains(#"<span class="del">-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"#))
        #expect(html.contains(#"<span class="add">+&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;</span>"#))
    }

    @Test func escapesDiffsAndStatesForTheTerminal() {
        let text = report().text()
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains(#"-<script>alert("x")</script> & 'quoted' "double" \ back\u{1B}[2J"#))
    }
}

@Suite struct TextEscapingTests {
    @Test func escapesControlCharactersForTheTerminal() {
        let text = hostileReport().text(colored: false)
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains(#"\u{1B}[2J"#))
        #expect(text.contains("  x\\ny (<script>"))
    }
}
