import Facts
import Foundation
import Testing

@testable import Drift

/// A report a person reads in a minute: at 17 hosts on three releases, the text fits two
/// 50-line screens (lines wrapped at 100 columns) when nothing unusual is going on.
@Suite struct ReadableReportTests {
    /// The screen the text must fit: two screens of 50 rows, 100 columns wide.
    static let screenRows = 100
    static let screenColumns = 100

    /// Rows `text` takes on a terminal `columns` wide.
    func rows(_ text: String, columns: Int = screenColumns) -> Int {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().reduce(0) { rows, line in
            rows + max(1, (line.count + columns - 1) / columns)
        }
    }

    /// `maintenance` with nothing unusual: every package at its candidate, no pins, no
    /// reboot signals, no modified conffiles.
    func quiet(_ maintenance: MaintenanceFacts) -> MaintenanceFacts {
        var quiet = maintenance
        if var policy = quiet.aptPolicy {
            policy.pins = [:]
            for name in policy.packages.keys {
                policy.packages[name]!.candidate = policy.packages[name]!.installed
                policy.packages[name]!.candidateFrom = policy.packages[name]!.installedFrom
            }
            quiet.aptPolicy = policy
        }
        quiet.reboot = RebootSignals(flagged: false, bootTime: quiet.reboot?.bootTime, mapsReadable: true)
        quiet.modifiedConffiles = []
        return quiet
    }

    /// 17 hosts like the reference fleet: web (6), db (3), cache, lb, redis, storage (2 each),
    /// on bullseye, bookworm and trixie in turn, each a copy of the recorded lab host of its
    /// release (lab01, lab02, lab03) with the lab's roles.
    func seventeenHosts(quietly: Bool) throws -> [HostSweep] {
        let roles = Array(repeating: "web", count: 6) + Array(repeating: "db", count: 3)
            + ["cache", "cache", "lb", "lb", "redis", "redis", "storage", "storage"]
        let recorded = ["lab01", "lab02", "lab03"]
        return try roles.enumerated().map { index, role in
            let source = recorded[index % 3]
            let facts = try Fixture.facts(source, in: "lab")
            let maintenance = try #require(try Fixture.maintenance(source, in: "lab"))
            return HostSweep(
                host: "\(role)\(roles[..<index].filter { $0 == role }.count + 1)", address: "10.0.1.\(index + 11)",
                groups: [role, facts.release.codename ?? "?"], outcome: .swept(facts: facts, drift: []),
                roles: [role], maintenance: quietly ? quiet(maintenance) : maintenance,
                managedPackages: labManagedPackages, managedFiles: labManagedFiles)
        }
    }

    @Test func fitsTwoScreensWhenNothingUnusualGoesOn() throws {
        // January 2026: bullseye in LTS, bookworm and trixie supported.
        let report = DriftReport(
            sweeps: try seventeenHosts(quietly: true), sweptAt: januaryDate, duration: 2.4, distroInfo: labDistroInfo)
        #expect(report.exitStatus == .clean)
        let text = report.text()
        #expect(rows(text) <= Self.screenRows, "\(rows(text)) rows:\n\(text)")
        // Summary first: the verdict, then the overview, before any host.
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix(": no drift (exit 0)"))
        #expect(lines[2] == "  drift          none")
        #expect(lines.firstIndex { $0.hasPrefix("Hosts") }! < lines.firstIndex { $0.hasPrefix("Groups") }!)
        #expect(text.contains("Hosts (0 of 17 with something to show)\n  nothing else to show on 17 hosts: "))
        // Every group is one line: who runs which release, and that they agree.
        #expect(text.contains("  web: 6 hosts on 3 releases: bullseye web1, web4 · bookworm web2, web5 · trixie web3, web6: no discrepancies\n"))
        #expect(text.contains("  all: 17 hosts on 3 releases: bullseye (6) · bookworm (6) · trixie (5): no discrepancies\n"))
    }

    @Test func fitsTwoScreensWithEveryHostBehindOnSecurityUpdates() throws {
        // As recorded: every lab host lacked the security updates its base was built without.
        let report = DriftReport(
            sweeps: try seventeenHosts(quietly: false), sweptAt: januaryDate, duration: 2.4, distroInfo: labDistroInfo)
        let text = report.text()
        #expect(report.summary.hostsWithSecurityUpgrades == 17)
        #expect(rows(text) <= Self.screenRows, "\(rows(text)) rows:\n\(text)")
        // Shown once per release and package set, not once per host.
        // bullseye's 39, bookworm's 14 and trixie's 7 on their 6, 6 and 5 hosts.
        #expect(text.contains("Security upgrades pending (353 on 17 hosts, by release)\n  bullseye  "))
        #expect(text.components(separatedBy: "upgrades: ").count - 1 <= 6)
    }

    @Test func comparesEveryPackageOfSeventeenHostsWithinTheirReleases() throws {
        let report = DriftReport(
            sweeps: try seventeenHosts(quietly: true), sweptAt: januaryDate, duration: 2.4, distroInfo: labDistroInfo)
        // Hosts of one release are copies: nothing differs within a release, and across
        // releases every difference is the releases' own.
        #expect(report.summary.discrepancies == 0)
        #expect(report.groups.allSatisfy { $0.crossRelease.isEmpty && $0.crossReleaseUnchecked.isEmpty })
        // What is left: the releases said once per group, bullseye's LTS per host; no drift.
        #expect(Set(report.findings.map(\.category)) == [.release, .support])
        #expect(!report.hasDrift)
    }
}
