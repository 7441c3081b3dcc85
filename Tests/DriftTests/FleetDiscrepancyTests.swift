import Facts
import Foundation
import Testing

@testable import Drift

@Suite struct FleetDiscrepancyTests {
    func group(_ name: String) throws -> GroupReport {
        try #require(try mixedReport().groups.first { $0.name == name })
    }

    @Test func comparesEachGroupThenTheFleet() throws {
        let report = try mixedReport()
        #expect(report.groups.map(\.name) == ["db", "jessie", "web", "all"])
        let all = try group("all")
        #expect(all.hosts == ["db01", "db02", "db03", "web01", "web02", "web03", "web04"])
        #expect(all.unswept == ["db02", "web04"])
    }

    @Test func findsTheJessieAndStretchHosts() throws {
        let web = try group("web")
        #expect(web.hosts == ["web01", "web02", "web03", "web04"])
        #expect(web.unswept == ["web04"])
        #expect(web.releases == [
            ReleaseVariant(release: "8.10 (jessie)", codename: "jessie", majorVersion: 8, hosts: ["web02"]),
            ReleaseVariant(release: "8.11 (jessie)", codename: "jessie", majorVersion: 8, hosts: ["web01"]),
            ReleaseVariant(release: "9.13 (stretch)", codename: "stretch", majorVersion: 9, hosts: ["web03"]),
        ])
        #expect(web.hasMajorReleaseDiscrepancy)
        #expect(web.kernels == [
            KernelVariant(release: "3.16.0-6-amd64", version: "#1 SMP Debian 3.16.56-1+deb8u1 (2018-05-08)", hosts: ["web01", "web02"]),
            KernelVariant(release: "4.9.0-13-amd64", version: "#1 SMP Debian 4.9.228-1 (2020-07-05)", hosts: ["web03"]),
        ])
    }

    @Test func findsPackageVersionsWithTheirHostsOldestFirst() throws {
        let web = try group("web")
        func versions(_ package: String) -> [VersionHosts]? {
            web.packageVersions.first { $0.package == package }?.versions
        }
        #expect(versions("openssl") == [
            VersionHosts(version: "1.0.1t-1+deb8u7", hosts: ["web02"]),
            VersionHosts(version: "1.0.1t-1+deb8u8", hosts: ["web01"]),
            VersionHosts(version: "1.1.0l-1~deb9u1", hosts: ["web03"]),
        ])
        #expect(versions("apache2") == [
            VersionHosts(version: "2.4.10-10+deb8u12", hosts: ["web01", "web02"]),
            VersionHosts(version: "2.4.25-3+deb9u13", hosts: ["web03"]),
        ])
        #expect(versions("libc6") == [
            VersionHosts(version: "2.19-18+deb8u10", hosts: ["web01", "web02"]),
            VersionHosts(version: "2.24-11+deb9u4", hosts: ["web03"]),
        ])
        // web02's curl is removed (config files only): the versions compared are web01's and web03's.
        #expect(versions("curl") == [
            VersionHosts(version: "7.38.0-4+deb8u16", hosts: ["web01"]),
            VersionHosts(version: "7.52.1-5+deb9u16", hosts: ["web03"]),
        ])
        // The i386 libc6 is the same on both jessie hosts: missing on web03, no version discrepancy.
        #expect(versions("libc6:i386") == nil)
        // Sorted by package name, then architecture.
        let names = web.packageVersions.map(\.package)
        #expect(names == names.sorted())
    }

    @Test func findsPackagesMissingOnSomeHosts() throws {
        let web = try group("web")
        func missing(_ package: String) -> MissingPackage? { web.missingPackages.first { $0.package == package } }
        #expect(missing("curl") == MissingPackage(
            package: "curl", name: "curl", architecture: nil, installedOn: ["web01", "web03"], missingOn: ["web02"]))
        #expect(missing("libc6:i386") == MissingPackage(
            package: "libc6:i386", name: "libc6", architecture: "i386", installedOn: ["web01", "web02"], missingOn: ["web03"]))
        #expect(missing("sudo")?.missingOn == ["web01", "web02"])
        #expect(missing("ntp")?.missingOn == ["web03"])
        #expect(missing("apache2") == nil)
        #expect(missing("openssl") == nil)
        // A removed package's config files do not count as installed anywhere.
        #expect(missing("linux-image-3.16.0-5-amd64") == nil)
    }

    @Test func seesPointReleasesAndOneSecurityUpdateWithinJessie() throws {
        let jessie = try group("jessie")
        #expect(jessie.releases.map(\.release) == ["8.10 (jessie)", "8.11 (jessie)"])
        #expect(jessie.hasReleaseDiscrepancy)
        #expect(!jessie.hasMajorReleaseDiscrepancy)
        #expect(!jessie.hasKernelDiscrepancy)
        #expect(jessie.packageVersions.map(\.package) == ["base-files", "openssl"])
        #expect(jessie.missingPackages.map(\.package) == ["curl"])
        #expect(jessie.discrepancyCount == 4)
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
