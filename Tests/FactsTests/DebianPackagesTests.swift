import Foundation
import Testing

@testable import Facts

@Suite struct DebianPackagesTests {
    @Test(arguments: Release.all)
    func readsEachRelease(_ release: Release) throws {
        let packages = try DebianPackagesFact().parse(try release.fixture("dpkg-query"))
        #expect(packages.count == release.packageCount)
        #expect(packages.filter(\.isInstalled).count == release.installedCount)
        let dpkg = try #require(packages.first { $0.name == "dpkg" })
        #expect(dpkg.architecture == "amd64")
        #expect(dpkg.status == PackageStatus(want: .install, errorFlag: .ok, state: .installed))
        let baseFiles = try #require(packages.first { $0.name == "base-files" })
        #expect(baseFiles.version.hasPrefix("\(release.majorVersion)"))
    }

    @Test func keepsEachArchitectureOfAMultiArchPackage() throws {
        let packages = try DebianPackagesFact().parse(try Fixture.text("jessie/dpkg-query"))
        let libc6 = packages.filter { $0.name == "libc6" }
        #expect(libc6.map(\.architecture) == ["amd64", "i386"])
        #expect(libc6.allSatisfy { $0.version == "2.19-18+deb8u10" && $0.isInstalled })
    }

    @Test func readsQualifiedNames() throws {
        // ${binary:Package} qualifies Multi-Arch: same packages; ${Package} does not.
        let packages = try DebianPackagesFact().parse(
            "libc6:i386\t2.36-9+deb12u9\t\tinstall ok installed\nzlib1g:amd64\t1:1.2.13.dfsg-1\tamd64\tinstall ok installed\n")
        #expect(packages.map(\.name) == ["libc6", "zlib1g"])
        #expect(packages.map(\.architecture) == ["i386", "amd64"])
    }

    @Test func countsHeldPackagesAsInstalled() throws {
        let packages = try DebianPackagesFact().parse(try Fixture.text("jessie/dpkg-query"))
        let ntp = try #require(packages.first { $0.name == "ntp" })
        #expect(ntp.status.description == "hold ok installed")
        #expect(ntp.isInstalled)
        #expect(ntp.status.isHeld)
    }

    @Test(arguments: [
        ("install ok installed", true),
        ("hold ok installed", true),
        ("deinstall ok installed", true),
        ("install ok triggers-pending", true),
        ("install ok triggers-awaited", true),
        ("install ok half-installed", false),
        ("install reinstreq half-installed", false),
        ("install ok unpacked", false),
        ("install ok half-configured", false),
        ("deinstall ok config-files", false),
        ("purge ok not-installed", false),
        ("unknown ok not-installed", false),
        ("install reinstreq installed", false),
    ])
    func decidesWhetherInstalled(status: String, installed: Bool) throws {
        let packages = try DebianPackagesFact().parse("pkg\t1.0-1\tamd64\t\(status)\n")
        #expect(packages.count == 1)
        #expect(packages.first?.status.description == status)
        #expect(packages.first?.isInstalled == installed)
    }

    @Test func keepsPackagesWithoutVersionOrArchitecture() throws {
        let packages = try DebianPackagesFact().parse(
            "linux-image-4.9.0-12-amd64\t4.9.210-1+deb9u1\tamd64\tdeinstall ok config-files\nold\t\t\tpurge ok not-installed\n")
        #expect(packages.count == 2)
        #expect(packages[1] == DebianPackage(
            name: "old", version: "", architecture: "",
            status: PackageStatus(want: .purge, errorFlag: .ok, state: .notInstalled)))
    }

    @Test func readsAnEmptyList() throws {
        #expect(try DebianPackagesFact().parse("").isEmpty)
    }

    @Test func rejectsMalformedLines() {
        #expect(throws: FactParseError("line 2: expected 4 tab-separated fields, found 2: bash\t5.2.15-2+b7")) {
            try DebianPackagesFact().parse("dash\t0.5.12-2\tamd64\tinstall ok installed\nbash\t5.2.15-2+b7\n")
        }
        #expect(throws: FactParseError("line 1: unknown dpkg status: install ok broken")) {
            try DebianPackagesFact().parse("dash\t0.5.12-2\tamd64\tinstall ok broken\n")
        }
    }

    @Test func encodesTheStatusAsDpkgPrintsIt() throws {
        let package = DebianPackage(
            name: "ntp", version: "1:4.2.6.p5+dfsg-7+deb8u2", architecture: "amd64",
            status: PackageStatus(want: .hold, errorFlag: .ok, state: .installed))
        let json = try JSONEncoder().encode(package)
        #expect(String(decoding: json, as: UTF8.self).contains(#""status":"hold ok installed""#))
        #expect(try JSONDecoder().decode(DebianPackage.self, from: json) == package)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PackageStatus.self, from: Data(#""installed""#.utf8))
        }
    }
}
