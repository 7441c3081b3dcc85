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
            "conffile/web01//etc/default/ntp",
            "conffile/web01//etc/ntp.conf",
            "support/web01",
            "security-upgrades/web01",
            "held/web01/ntp",
            "pinned/web01/tzdata",
            "support/web02",
            "conffile/web03//etc/pam.d/sudo",
            "conffile/web03//etc/sudoers",
            "support/web03",
            "security-upgrades/web03",
            "reboot/web03",
            "apt-lists/web03",
            "pinned/web03/openssh-server",
            "unreachable/web04",
        ])
        // Within jessie (web01, web02: jessie and web share them, jessie's name comes
        // first): the point release, two versions, a missing package. Across jessie and
        // stretch in web: only what the releases do not explain; in all, nothing new (the
        // same pins again, with the bookworm hosts beside them).
        #expect(report.findings.filter { $0.group != nil }.map(\.key) == [
            "point-release/jessie/jessie",
            "package-version/jessie/jessie/base-files",
            "package-version/jessie/jessie/openssl",
            "package-missing/jessie/jessie/curl",
            "release/web",
            "package-release/web/openssh-server",
            "package-release/web/tzdata",
            "release/all",
        ])
        // Keys name things, not versions: the same discrepancy at other versions keeps its key.
        let openssl = try #require(report.finding(forKey: "package-version/jessie/jessie/openssl"))
        #expect(openssl.summary == "jessie: openssl at 2 versions on jessie: 1.0.1t-1+deb8u7 on web02; 1.0.1t-1+deb8u8 on web01")
        #expect(openssl.category == .packageVersion && openssl.group == "jessie" && openssl.host == nil && openssl.isDrift)
        let missing = try #require(report.finding(forKey: "package-missing/jessie/jessie/curl"))
        #expect(missing.summary == "jessie: curl missing on web02 (installed on web01)")
        let release = try #require(report.finding(forKey: "release/web"))
        #expect(release.summary == "web: 2 releases: jessie on web01, web02; stretch on web03")
        #expect(!release.isDrift)
        #expect(report.finding(forKey: "point-release/jessie/jessie")?.summary
            == "jessie: jessie hosts on 2 point releases: 8.10 (jessie) on web02; 8.11 (jessie) on web01")
        #expect(report.finding(forKey: "package-release/web/tzdata")?.summary
            == "web: tzdata differs across releases: 2018e-0+deb8u1 on web01, web02; 2020a-0+deb9u1 on web03 (web01 pinned to 2018e-0+deb8u1)")
        #expect(report.finding(forKey: "support/web01")?.summary == "web01: Debian 8 (jessie): end of life, all support ended 2025-06-30")
        #expect(report.finding(forKey: "held/web01/ntp")?.summary
            == "web01: ntp held at 1:4.2.6.p5+dfsg-7+deb8u2 (1:4.2.6.p5+dfsg-7+deb8u3 available, security)")
        #expect(report.finding(forKey: "held/web01/ntp")?.isDrift == false)
        #expect(report.finding(forKey: "conffile/web03//etc/pam.d/sudo")?.summary == "web03: sudo's /etc/pam.d/sudo deleted")
        #expect(report.finding(forKey: "conffile/web03//etc/pam.d/sudo")?.isDrift == true)
        #expect(report.finding(forKey: "reboot/web03")?.summary
            == "web03: reboot needed: libc replaced: 4 processes still use the old one (cron, ntpd, sshd, systemd)")
        #expect(report.finding(forKey: "apt-lists/web03")?.summary == "web03: apt lists 13 days old")
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
        #expect(keys("1.1").contains("package-version/web/stretch/openssl"))
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
        #expect(text.contains("    ~ file:/etc/motd: content differs NEW\n"))
        #expect(text.contains("    ~ package:nginx: not installed\n"))
        #expect(text.contains("  web04 (10.0.0.14; web)  UNREACHABLE: connect to 10.0.0.14 port 22: connection refused NEW\n"))
        // The overview says first what is new.
        #expect(text.contains("\n  new            2 since the last sweep: web01: file:/etc/motd content differs;"))
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

    @Test func rendersTextSummaryFirst() throws {
        let text = try mixedReport().text()
        #expect(text.hasPrefix("""
            converge drift: 7 hosts, swept 2026-01-15 12:00:00 UTC in 12.5 s: drift found, hosts not swept (exit 3)
            support dates from test table

              drift          db01 (service:postgresql), web01 (4 resources), web03 (conffile /etc/pam.d/sudo,
                             conffile /etc/sudoers)
              discrepancies  jessie point release (web02 behind; group jessie),
                             base-files on jessie (group jessie), openssl on jessie (group jessie),
                             curl missing on web02 (group jessie) and 2 more
              past support   web01, web02, web03
              unreachable    db02 (failed), web04 (unreachable)
              releases       8.10 (jessie)     web02
                             8.11 (jessie)     web01
                             9.13 (stretch)    web03
                             12.15 (bookworm)  db01, db03
              security       14 upgrades pending on 2 hosts: web01 (8), web03 (6)
              reboot         web03 (libc)
              apt lists      stale on web03 (13 days)
              also           held: web01 (ntp) · pinned: web01 (tzdata), web03 (openssh-server)

            Hosts (6 of 7 with something to show)

            """))
        #expect(text.contains("""
              web01 (10.0.0.11; web, jessie)  8.11 (jessie) · end of life since 2025-06-30
                ~ file:/etc/motd: content differs
                    content: expected "welcome\\n", actual "hello\\n"
                    mode: expected "0644", actual "0600"
                ~ package:nginx: not installed
                    version: expected "1.6.2-5+deb8u7", actual (none)
                ~ conffile /etc/default/ntp of ntp: modified since installed
                ~ conffile /etc/ntp.conf of ntp: modified since installed
                upgrades: 8 pending, 8 security: apache2, bash, libsystemd0, openssh-server, openssl and 3 more; lists 24 hours old
                held: ntp 1:4.2.6.p5+dfsg-7+deb8u2 (1:4.2.6.p5+dfsg-7+deb8u3 available, security)
                pinned: tzdata to 2018e-0+deb8u1 (2018e-0+deb8u1 installed)
              web02 (10.0.0.12; web, jessie)  8.10 (jessie) · end of life since 2025-06-30
                point release 8.10 (jessie), behind 8.11 (jessie) on web01 (group jessie)
              web03 (10.0.0.13; web)  9.13 (stretch) · past Debian LTS, ELTS only until 2027-06-30
                ~ conffile /etc/pam.d/sudo of sudo: deleted
                ~ conffile /etc/sudoers of sudo: modified since installed
                upgrades: 6 pending, 6 security: libsystemd0, openssl, sudo, systemd, systemd-sysv and 1 more; lists 13 days old
                reboot: libc replaced: 4 processes still use the old one (cron, ntpd, sshd, systemd)
                pinned: openssh-server to 1:7.4p1-10+deb9u7 (1:7.4p1-10+deb9u7 installed)
              web04 (10.0.0.14; web)  UNREACHABLE: connect to 10.0.0.14 port 22: connection refused
              nothing else to show on 1 host: db03

            Security upgrades pending (14 on 2 hosts, by release)
              jessie   web01 (8): apache2, bash, libsystemd0, openssh-server, openssl, perl-base and 2 more
              stretch  web03 (6): libsystemd0, openssl, sudo, systemd, systemd-sysv, tzdata

            """))
        #expect(text.contains("  db02 (10.0.1.12; db)  FAILED: dpkg-query: error: parsing file '/var/lib/dpkg/status'\n"))
        #expect(text.contains("""
              jessie: web01, web02 on 8.10 (jessie), 8.11 (jessie)
                point releases differ on jessie: 8.10 (jessie) on web02; 8.11 (jessie) on web01
                package versions differ on jessie (2):
                  base-files  8+deb8u10 on web02; 8+deb8u11 on web01
                  openssl     1.0.1t-1+deb8u7 on web02; 1.0.1t-1+deb8u8 on web01
                packages missing on some jessie hosts (1):
                  curl  missing on web02 (installed on web01)
              web: 3 hosts on 2 releases: jessie web01, web02 · stretch web03 (not swept: web04) (4 shown under another group)
                across releases, not explained by the release (2):
                  openssh-server  1:6.7p1-5+deb8u4 on web01, web02; 1:7.4p1-10+deb9u7 on web03 (web03 pinned to 1:7.4p1-10+deb9u7)
                  tzdata          2018e-0+deb8u1 on web01, web02; 2020a-0+deb9u1 on web03 (web01 pinned to 2018e-0+deb8u1)
                across releases: not checked for web02 (no apt data)
              all: 5 hosts on 3 releases: jessie (2) · stretch (1) · bookworm (2) (not swept: db02, web04) (6 shown under another group)
                across releases: not checked for db01, db03, web02 (no apt data)

            """))
        #expect(text.contains("  db: db01, db03 on 12.15 (bookworm) (not swept: db02): no discrepancies\n"))
        #expect(text.hasSuffix("""
            Summary: drift found, hosts not swept: 3 drifted resources on 3 hosts, 4 modified conffiles, \
            6 discrepancies in 4 groups, 3 hosts past Debian LTS, 1 unreachable, 1 failed, \
            14 security upgrades on 2 hosts, 1 to reboot.

            """))
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
        #expect(report.finding(forKey: "package-missing/jessie/jessie/curl")?.subject == "jessie")
        #expect(report.findings.allSatisfy { !$0.subject.isEmpty })
    }
}
