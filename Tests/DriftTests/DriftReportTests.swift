import Facts
import Foundation
import Testing

@testable import Drift

@Suite struct DriftReportTests {
    @Test func listsEveryHostWithItsStatus() throws {
        let report = try mixedReport()
        #expect(report.hosts.map(\.name) == ["db01", "db02", "db03", "web01", "web02", "web03", "web04"])
        let web04 = try #require(report.hosts.first { $0.name == "web04" })
        #expect(web04.status == .unreachable)
        #expect(web04.error == "connect to 10.0.0.14 port 22: connection refused")
        #expect(web04.release == nil && web04.support == nil)
        let db02 = try #require(report.hosts.first { $0.name == "db02" })
        #expect(db02.status == .failed)
        let web01 = try #require(report.hosts.first { $0.name == "web01" })
        #expect(web01.drift.map(\.resource) == ["file:/etc/motd", "package:nginx"])
        #expect(web01.support?.status == .endOfLife)
        #expect(web01.installedPackages == 48)
        #expect(report.hosts.first { $0.name == "web03" }?.support?.status == .elts)
        #expect(report.hosts.first { $0.name == "db01" }?.support?.status == .supported)
    }

    @Test func keysFindingsStably() throws {
        let report = try mixedReport()
        let keys = report.findings.map(\.key)
        #expect(Set(keys).count == keys.count)
        let hostKeys = report.findings.filter { $0.host != nil }.map(\.key)
        #expect(hostKeys == [
            "drift/db01/service:postgresql",
            "failed/db02",
            "drift/web01/file:/etc/motd",
            "drift/web01/package:nginx",
            "support/web01",
            "support/web02",
            "support/web03",
            "unreachable/web04",
        ])
        for key in [
            "release/web", "kernel/web", "release/jessie", "release/all", "kernel/all",
            "package-version/web/openssl", "package-version/web/apache2", "package-version/web/libc6",
            "package-missing/web/curl", "package-missing/web/libc6:i386", "package-missing/jessie/curl",
            "package-version/jessie/openssl",
        ] {
            #expect(keys.contains(key), "missing \(key)")
        }
        #expect(!keys.contains { $0.hasPrefix("release/db") || $0.hasPrefix("kernel/jessie") || $0.hasPrefix("package-version/db/") })
        #expect(!keys.contains("support/db01"))
        // Keys name things, not versions: the same discrepancy at other versions keeps its key.
        let openssl = try #require(report.finding(forKey: "package-version/web/openssl"))
        #expect(openssl.summary == "web: openssl at 3 versions: 1.0.1t-1+deb8u7 on web02; 1.0.1t-1+deb8u8 on web01; 1.1.0l-1~deb9u1 on web03")
        #expect(openssl.category == .packageVersion && openssl.group == "web" && openssl.host == nil)
        let missing = try #require(report.finding(forKey: "package-missing/web/curl"))
        #expect(missing.summary == "web: curl missing on web02 (installed on web01, web03)")
        let release = try #require(report.finding(forKey: "release/web"))
        #expect(release.summary == "web: 3 releases: 8.10 (jessie) on web02; 8.11 (jessie) on web01; 9.13 (stretch) on web03")
        #expect(report.finding(forKey: "release/jessie")?.summary.hasPrefix("jessie: 2 point releases:") == true)
        #expect(report.finding(forKey: "support/web01")?.summary == "web01: Debian 8 (jessie): end of life, all support ended 2025-06-30")
    }

    @Test func keepsKeysWhenVersionsChange() {
        func keys(_ version: String) -> [String] {
            DriftReport(
                sweeps: [
                    syntheticHost("a", groups: ["web"], packages: [("openssl", version, "amd64")]),
                    syntheticHost("b", groups: ["web"], packages: [("openssl", "1.0", "amd64")]),
                ],
                sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo
            ).findings.map(\.key)
        }
        #expect(keys("1.1") == keys("1.2"))
        #expect(keys("1.1").contains("package-version/web/openssl"))
    }

    @Test func decidesDriftAndExitStatus() throws {
        let mixed = try mixedReport()
        #expect(mixed.hasDrift && mixed.hasUnreachable)
        #expect(mixed.exitStatus == .unreachable)
        #expect(mixed.exitStatus.rawValue == 3)

        func report(_ sweeps: [HostSweep]) -> DriftReport {
            DriftReport(sweeps: sweeps, sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo)
        }
        let bookworm = ("12.15", "bookworm")
        let clean = report([
            syntheticHost("a", groups: ["g"], release: bookworm, packages: [("curl", "1", "amd64")]),
            syntheticHost("b", groups: ["g"], release: bookworm, packages: [("curl", "1", "amd64")]),
        ])
        #expect(!clean.hasDrift && !clean.hasUnreachable && clean.findings.isEmpty)
        #expect(clean.exitStatus == .clean)

        let drifted = report([
            syntheticHost("a", groups: ["g"], release: bookworm, packages: [],
                          drift: [ResourceDrift(resource: "file:/etc/motd", reason: "content differs")]),
        ])
        #expect(drifted.exitStatus == .drift)

        // A host past Debian LTS is drift by itself; a host in LTS only is reported, not drift.
        let stretch = report([syntheticHost("a", groups: [], packages: [])])
        #expect(stretch.findings.map(\.key) == ["support/a"])
        #expect(stretch.exitStatus == .drift)
        let lts = DriftReport(
            sweeps: [syntheticHost("a", groups: [], release: bookworm, packages: [])],
            sweptAt: Date(timeIntervalSince1970: 1_795_000_000), duration: 1, distroInfo: testDistroInfo)
        #expect(lts.hosts[0].support?.status == .lts)
        #expect(lts.findings.map(\.key) == ["support/a"])
        #expect(!lts.hasDrift && lts.exitStatus == .clean)

        // Unreachable takes precedence, with or without drift.
        let unreachable = report([
            syntheticHost("a", groups: ["g"], release: bookworm, packages: []),
            HostSweep(host: "b", address: "b", groups: ["g"], outcome: .unreachable("timeout")),
        ])
        #expect(!unreachable.hasDrift && unreachable.hasUnreachable)
        #expect(unreachable.exitStatus == .unreachable)
        #expect(unreachable.findings.map(\.key) == ["unreachable/b"])
    }

    @Test func marksNewFindingsAndListsResolvedOnes() throws {
        let history = FindingHistory(
            newKeys: ["drift/web01/file:/etc/motd", "unreachable/web04", "key/of/nothing"],
            resolved: [
                ResolvedFinding(key: "drift/web02/file:/etc/issue", summary: "web02: file:/etc/issue content differs"),
                ResolvedFinding(key: "package-missing/web/curl-old", summary: "web: curl-old missing on web02"),
            ])
        let report = try mixedReport(history: history)
        #expect(report.isComparedWithHistory)
        #expect(report.findings.filter(\.isNew).map(\.key) == ["drift/web01/file:/etc/motd", "unreachable/web04"])
        #expect(report.resolved.map(\.key) == ["drift/web02/file:/etc/issue", "package-missing/web/curl-old"])
        #expect(report.summary.newFindings == 2 && report.summary.resolvedFindings == 2)
        // Applying afterwards is the same as passing it in.
        #expect(try mixedReport().applying(history) == report)

        let text = report.text()
        #expect(text.contains("      file:/etc/motd: content differs NEW\n"))
        #expect(text.contains("      package:nginx: not installed\n"))
        #expect(text.contains("  web04 (10.0.0.14; web)  UNREACHABLE: connect to 10.0.0.14 port 22: connection refused NEW\n"))
        #expect(text.contains("Resolved since the last sweep (2)\n  ✓ web02: file:/etc/issue content differs [drift/web02/file:/etc/issue]\n"))
        #expect(text.contains("; 2 new, 2 resolved since the last sweep."))

        let html = report.html()
        #expect(html.contains(#"<code>file:/etc/motd</code> <span class="new">NEW</span>"#))
        #expect(html.contains("<h2>Resolved since the last sweep</h2>"))
        #expect(html.contains("web02: file:/etc/issue content differs"))

        // Without a comparison nothing is new and there is no resolved section.
        let plain = try mixedReport()
        #expect(plain.findings.allSatisfy { !$0.isNew })
        #expect(!plain.text().contains("NEW") && !plain.text().contains("Resolved since"))
        #expect(!plain.html().contains(#"class="new""#))
    }

    @Test func rendersText() throws {
        let text = try mixedReport().text()
        #expect(text.hasPrefix("converge drift: 7 hosts, swept 2026-01-15 12:00:00 UTC in 12.5 s\nsupport dates from test table\n\nHosts\n"))
        #expect(text.contains("""
              web01 (10.0.0.11; web, jessie)  8.11 (jessie), kernel 3.16.0-6-amd64
                support: Debian 8 (jessie): end of life, all support ended 2025-06-30
                2 drifted resources:
                  file:/etc/motd: content differs
                    content: expected "welcome\\n", actual "hello\\n"
                    mode: expected "0644", actual "0600"
                  package:nginx: not installed
                    version: expected "1.6.2-5+deb8u7", actual (none)

            """))
        #expect(text.contains("  db02 (10.0.1.12; db)  FAILED: dpkg-query: error: parsing file '/var/lib/dpkg/status'\n"))
        #expect(text.contains("""
              web: web01, web02, web03 (not swept: web04)
                releases differ:
                  8.10 (jessie)   web02
                  8.11 (jessie)   web01
                  9.13 (stretch)  web03

            """))
        #expect(text.contains("\n      openssl                 1.0.1t-1+deb8u7 on web02; 1.0.1t-1+deb8u8 on web01; 1.1.0l-1~deb9u1 on web03\n"))
        #expect(text.contains("  db: db01, db03 (not swept: db02)\n    no discrepancies (12.15 (bookworm))\n"))
        #expect(text.hasSuffix("Summary: drift found, hosts not swept: 3 drifted resources on 2 hosts, \(try mixedReport().summary.discrepancies) discrepancies in 4 groups, 3 hosts past Debian LTS, 1 unreachable, 1 failed.\n"))
        #expect(!text.contains("\u{1B}["))
        let colored = try mixedReport().text(colored: true)
        #expect(colored.contains("\u{1B}[31mUNREACHABLE\u{1B}[0m"))
    }
}

@Suite struct HistoryBridgeTests {
    @Test func namesSubjectsAndUnsweptHostsForTheHistory() throws {
        let report = try mixedReport()
        #expect(report.unsweptHosts == ["web04", "db02"])
        #expect(report.finding(forKey: "drift/web01/package:nginx")?.subject == "web01")
        #expect(report.finding(forKey: "package-missing/web/curl")?.subject == "web")
        #expect(report.findings.allSatisfy { !$0.subject.isEmpty })
    }
}
