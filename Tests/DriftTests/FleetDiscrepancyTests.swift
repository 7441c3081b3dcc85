import Facts
import Foundation
import Testing

@testable import Drift

@Suite struct FleetDiscrepancyTests {
    func group(_ name: String) throws -> GroupReport {
        try #require(try mixedReport().groups.first { $0.name == name })
    }

    /// Group `name` of the mixed fleet as compared on its own, before the report drops
    /// what an earlier group already shows.
    func compared(_ name: String) throws -> GroupReport {
        let sweeps = try mixedFleet().filter { name == DriftReport.fleetGroup || $0.groups.contains(name) }
        let members = sweeps.compactMap { sweep -> ComparedHost? in
            guard case .swept(let facts, _) = sweep.outcome else { return nil }
            return ComparedHost(name: sweep.host, facts: facts, roles: sweep.roles, maintenance: sweep.maintenance)
        }
        return GroupReport(
            name: name, members: members, unswept: sweeps.filter { !members.map(\.name).contains($0.host) }.map(\.host))
    }

    @Test func comparesEachGroupThenTheFleet() throws {
        let report = try mixedReport()
        #expect(report.groups.map(\.name) == ["db", "jessie", "web", "all"])
        let all = try group("all")
        #expect(all.hosts == ["db01", "db02", "db03", "web01", "web02", "web03", "web04"])
        #expect(all.unswept == ["db02", "web04"])
    }

    @Test func saysOnceWhichHostsRunWhichRelease() throws {
        let web = try group("web")
        #expect(web.hosts == ["web01", "web02", "web03", "web04"])
        #expect(web.unswept == ["web04"])
        #expect(web.releases == [
            ReleaseVariant(release: "8.10 (jessie)", codename: "jessie", majorVersion: 8, hosts: ["web02"]),
            ReleaseVariant(release: "8.11 (jessie)", codename: "jessie", majorVersion: 8, hosts: ["web01"]),
            ReleaseVariant(release: "9.13 (stretch)", codename: "stretch", majorVersion: 9, hosts: ["web03"]),
        ])
        #expect(web.series.map(\.series) == ["jessie", "stretch"])
        #expect(web.series.map(\.hosts) == [["web01", "web02"], ["web03"]])
        #expect(web.hasMajorReleaseDiscrepancy)
        // Each kernel with its hosts' series: jessie's and stretch's differ as a rule.
        #expect(web.kernels == [
            KernelVariant(release: "3.16.0-6-amd64", version: "#1 SMP Debian 3.16.56-1+deb8u1 (2018-05-08)", series: "jessie", hosts: ["web01", "web02"]),
            KernelVariant(release: "4.9.0-13-amd64", version: "#1 SMP Debian 4.9.228-1 (2020-07-05)", series: "stretch", hosts: ["web03"]),
        ])
        #expect(!web.hasKernelDiscrepancy)
    }

    @Test func comparesVersionsWithinEachRelease() throws {
        let web = try compared("web")
        func versions(_ package: String) -> [VersionHosts]? {
            web.packageVersions.first { $0.package == package }?.versions
        }
        // jessie's two hosts, one security update apart; stretch's one host has nothing to compare.
        #expect(versions("openssl") == [
            VersionHosts(version: "1.0.1t-1+deb8u7", hosts: ["web02"]),
            VersionHosts(version: "1.0.1t-1+deb8u8", hosts: ["web01"]),
        ])
        #expect(web.packageVersions.map(\.package) == ["base-files", "openssl"])
        #expect(web.packageVersions.allSatisfy { $0.series == "jessie" })
        // apache2, libc6, curl: jessie's and stretch's versions, which their releases explain.
        #expect(versions("apache2") == nil && versions("libc6") == nil && versions("curl") == nil)
        #expect(web.pointReleases.map(\.series) == ["jessie"])
        #expect(web.pointReleases[0].behind == ["web02"])
    }

    @Test func listsAcrossReleasesOnlyWhatTheReleaseDoesNotExplain() throws {
        let web = try compared("web")
        // web01 pins tzdata, web03 pins openssh-server; web02 has no apt data.
        #expect(web.crossRelease.map(\.package) == ["openssh-server", "tzdata"])
        #expect(web.crossRelease[1] == CrossReleaseDifference(
            package: "tzdata", name: "tzdata", architecture: nil,
            versions: [
                VersionHosts(version: "2018e-0+deb8u1", hosts: ["web01", "web02"]),
                VersionHosts(version: "2020a-0+deb9u1", hosts: ["web03"]),
            ],
            unexplained: [HostProvenance(host: "web01", provenance: "pinned to 2018e-0+deb8u1")]))
        #expect(web.crossReleaseUnchecked == ["web02"])
        // ntp is held on web01, but only jessie has it: nothing differs across releases.
        #expect(!web.crossRelease.contains { $0.package == "ntp" })
    }

    @Test func reportsEachDiscrepancyOnce() throws {
        // jessie's discrepancies are web01's and web02's in both jessie and web: shown in jessie.
        let web = try group("web")
        #expect(web.packageVersions.isEmpty && web.missingPackages.isEmpty && web.pointReleases.isEmpty)
        #expect(web.crossRelease.map(\.package) == ["openssh-server", "tzdata"])
        let jessie = try group("jessie")
        #expect(jessie.packageVersions.map(\.package) == ["base-files", "openssl"])
        // In all, the same pins again, bookworm's hosts beside them: no news.
        #expect(try group("all").crossRelease.isEmpty)
        #expect(web.shownInOtherGroups == 4 && jessie.shownInOtherGroups == 0)
        #expect(try group("all").shownInOtherGroups == 6)
        #expect(try compared("all").crossRelease.map(\.package) == ["openssh-server", "tzdata"])
    }

    @Test func findsPackagesMissingAmongHostsOfOneReleaseAndRole() throws {
        let jessie = try group("jessie")
        #expect(jessie.missingPackages == [MissingPackage(
            package: "curl", name: "curl", architecture: nil, series: "jessie", installedOn: ["web01"], missingOn: ["web02"])])
        // Across releases nothing is missing: sudo on stretch only, ntp and i386 libc6 on jessie only.
        #expect(try compared("web").missingPackages.map(\.package) == ["curl"])

        // Hosts of one release with other roles have other packages.
        let bookworm = ("12.15", "bookworm")
        let report = DriftReport(
            sweeps: [
                syntheticHost("a", groups: ["g"], release: bookworm, packages: [("apache2", "2.4", "amd64"), ("curl", "8", "amd64")], roles: ["web"]),
                syntheticHost("b", groups: ["g"], release: bookworm, packages: [("apache2", "2.4", "amd64")], roles: ["web"]),
                syntheticHost("c", groups: ["g"], release: bookworm, packages: [("postgresql", "15", "amd64")], roles: ["db"]),
            ],
            sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo)
        #expect(report.groups[0].missingPackages == [MissingPackage(
            package: "curl", name: "curl", architecture: nil, series: "bookworm", installedOn: ["a"], missingOn: ["b"])])
        // The fleet group has the same hosts: it shows nothing again.
        #expect(report.groups[1].sameMembersAs == "g")
        #expect(report.groups[1].discrepancyCount == 0)
        #expect(report.findings.map(\.key) == ["package-missing/g/bookworm/curl"])
    }

    @Test func seesPointReleasesAndOneSecurityUpdateWithinJessie() throws {
        let jessie = try group("jessie")
        #expect(jessie.releases.map(\.release) == ["8.10 (jessie)", "8.11 (jessie)"])
        #expect(jessie.hasReleaseDiscrepancy && jessie.hasPointReleaseDiscrepancy)
        #expect(!jessie.hasMajorReleaseDiscrepancy)
        #expect(!jessie.hasKernelDiscrepancy)
        #expect(jessie.packageVersions.map(\.package) == ["base-files", "openssl"])
        #expect(jessie.missingPackages.map(\.package) == ["curl"])
        #expect(jessie.discrepancyCount == 4)
    }

    @Test func comparesKernelsWithinARelease() {
        let report = DriftReport(
            sweeps: [
                syntheticHost("a", groups: ["g"], kernel: "4.9.0-12-amd64", packages: []),
                syntheticHost("b", groups: ["g"], kernel: "4.9.0-13-amd64", packages: []),
                syntheticHost("c", groups: ["g"], release: ("12.15", "bookworm"), kernel: "6.1.0-28-amd64", packages: []),
            ],
            sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo)
        let group = report.groups[0]
        #expect(group.kernelDifferences.map(\.series) == ["stretch"])
        #expect(group.kernelDifferences[0].kernels.map(\.hosts) == [["a"], ["b"]])
        #expect(report.findings.contains { $0.key == "kernel/g/stretch" && $0.isDrift })
    }

    @Test func findsNothingBetweenIdenticalHosts() throws {
        let db = try group("db")
        #expect(db.unswept == ["db02"])
        #expect(db.releases.map(\.hosts) == [["db01", "db03"]])
        #expect(db.discrepancyCount == 0)
    }

    @Test func treatsNativeAndAllArchitecturesAsOnePackage() {
        // tzdata is `all`, openssl the host's own amd64: neither gets a qualifier, and a
        // package that moved between them is one package at two versions.
        let report = DriftReport(
            sweeps: [
                syntheticHost("a", groups: ["g"], packages: [("tzdata", "2020a-0+deb9u1", "all"), ("libc6", "2.24", "amd64"), ("libc6", "2.24", "i386")]),
                syntheticHost("b", groups: ["g"], packages: [("tzdata", "2021a-0+deb9u1", "amd64"), ("libc6", "2.24", "amd64"), ("libc6", "2.25", "i386")]),
            ],
            sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo)
        let group = report.groups[0]
        #expect(group.missingPackages.isEmpty)
        #expect(group.packageVersions.map(\.package) == ["libc6:i386", "tzdata"])
        #expect(group.packageVersions[0].architecture == "i386")
        #expect(group.packageVersions[0].name == "libc6")
    }

    @Test func comparesFortyHostsOfTwoThousandPackagesQuickly() {
        // 40 × 2000 packages, every 10th package at a per-host version, every 7th missing on one host.
        let sweeps = (0..<40).map { host in
            syntheticHost(
                "host\(host)", groups: ["fleet"],
                packages: (0..<2000).compactMap { package in
                    if package % 7 == 0 && host == package % 40 { return nil }
                    return ("package\(package)", package % 10 == 0 ? "1.\(host)" : "1.0", "amd64")
                })
        }
        let clock = ContinuousClock()
        var report: DriftReport?
        let elapsed = clock.measure {
            report = DriftReport(sweeps: sweeps, sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo)
        }
        let group = report!.groups[0]
        #expect(group.packageVersions.count == 200)
        #expect(group.missingPackages.count == 286)
        #expect(group.packageVersions.first { $0.package == "package10" }?.versions.count == 40)
        // Generous for a debug build on a busy machine; a release build takes a few tens of ms.
        #expect(elapsed < .seconds(10))
    }
}
