import Facts
import Foundation
import Testing

@testable import Drift

@Suite struct DistroInfoTests {
    func release(_ codename: String?, major: Int?, id: String? = "debian") -> DebianRelease {
        DebianRelease(
            id: id, versionID: major.map(String.init), codename: codename, prettyName: nil,
            debianVersion: nil, pointRelease: nil, majorVersion: major)
    }

    /// 2026-01-15: jessie's ELTS ended 2025-06-30, stretch's runs to 2027-06-30,
    /// bookworm's regular support to 2026-07-11.
    @Test(arguments: [
        ("jessie", 8, SupportStatus.endOfLife),
        ("stretch", 9, .elts),
        ("bookworm", 12, .supported),
        ("trixie", 13, .supported),
        ("buster", 10, .elts),
        ("bullseye", 11, .lts),
        ("forky", 14, .unreleased),
    ])
    func judgesTheEmbeddedTableOnAFixedDay(codename: String, major: Int, status: SupportStatus) {
        let support = DistroInfo.embedded.support(for: release(codename, major: major), on: januaryDate)
        #expect(support.status == status)
        #expect(support.release == "Debian \(major) (\(codename))")
    }

    @Test func flagsJessieAndStretchAsPastLTS() {
        for (codename, major) in [("jessie", 8), ("stretch", 9)] {
            #expect(DistroInfo.embedded.support(for: release(codename, major: major), on: januaryDate).status.isPastLTS)
        }
        #expect(!DistroInfo.embedded.support(for: release("bookworm", major: 12), on: januaryDate).status.isPastLTS)
    }

    @Test func countsEachSupportDateAsItsLastDay() throws {
        let bookworm = release("bookworm", major: 12)
        let day = 86_400.0
        // 2026-07-11 00:00 UTC and 23:59 UTC: still supported; the next day LTS.
        let eol = try #require(ISO8601DateFormatter().date(from: "2026-07-11T00:00:00Z"))
        #expect(testDistroInfo.support(for: bookworm, on: eol).status == .supported)
        #expect(testDistroInfo.support(for: bookworm, on: eol.addingTimeInterval(day - 1)).status == .supported)
        #expect(testDistroInfo.support(for: bookworm, on: eol.addingTimeInterval(day)).status == .lts)
        // Today's date in the brief's world: bookworm is LTS only, stretch still ELTS.
        let november = try #require(ISO8601DateFormatter().date(from: "2026-11-22T01:30:00Z"))
        #expect(testDistroInfo.support(for: bookworm, on: november).status == .lts)
        #expect(testDistroInfo.support(for: release("stretch", major: 9), on: november).status == .elts)
    }

    @Test func findsAReleaseByMajorVersionWithoutCodename() {
        let support = testDistroInfo.support(for: release(nil, major: 8), on: januaryDate)
        #expect(support.status == .endOfLife)
        #expect(support.eolELTS == "2025-06-30")
        #expect(support.summary == "Debian 8 (jessie): end of life, all support ended 2025-06-30")
    }

    @Test func knowsNothingOfOtherDistributions() {
        let ubuntu = release("jammy", major: 22, id: "ubuntu")
        #expect(DistroInfo.embedded.support(for: ubuntu, on: januaryDate).status == .unknown)
        #expect(DistroInfo.embedded.support(for: release("hamm2", major: 99), on: januaryDate).status == .unknown)
    }

    @Test func embedsTheRealTable() throws {
        let embedded = DistroInfo.embedded
        #expect(embedded.source == "embedded distro-info-data \(DistroInfo.embeddedDataVersion)")
        #expect(embedded.releases.first?.series == "buzz")
        #expect(embedded.releases.contains { $0.series == "sid" && $0.version == nil && $0.release == nil })
        let jessie = try #require(embedded.releases.first { $0.series == "jessie" })
        #expect(jessie == DistroInfo.Release(
            version: "8", codename: "Jessie", series: "jessie", created: "2013-05-04", release: "2015-04-26",
            eol: "2018-06-17", eolLTS: "2020-06-30", eolELTS: "2025-06-30"))
    }

    @Test func loadsTheControllersTableOrFallsBack() throws {
        #expect(DistroInfo.load(path: "/nonexistent/debian.csv") == .embedded)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drift-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("debian.csv")
        try Data("version,codename,series,created,release,eol\n8,Jessie,jessie,2013-05-04,2015-04-26,2018-06-17\n".utf8).write(to: good)
        let table = DistroInfo.load(path: good.path)
        #expect(table.source == good.path)
        // A table without eol-lts columns (distro-info-data before 0.37): past eol is end of life.
        #expect(table.support(for: release("jessie", major: 8), on: januaryDate).status == .endOfLife)
        let bad = directory.appendingPathComponent("bad.csv")
        try Data("version,codename\n8,Jessie\n".utf8).write(to: bad)
        #expect(DistroInfo.load(path: bad.path) == .embedded)
    }

    @Test func rejectsMalformedDates() {
        #expect(throws: DistroInfoError("t: line 2: not a YYYY-MM-DD date: 2018-6-17")) {
            try DistroInfo(csv: "version,codename,series,created,release,eol\n8,Jessie,jessie,2013-05-04,2015-04-26,2018-6-17\n", source: "t")
        }
    }
}

@Suite struct DebianVersionTests {
    @Test(arguments: [
        ("1.0", "1.0", 0),
        ("1.0-1", "1.0-2", -1),
        ("1.0t-1+deb8u7", "1.0t-1+deb8u8", -1),
        ("1.0.1t-1+deb8u8", "1.1.0l-1~deb9u1", -1),
        ("1.0~rc1", "1.0", -1),
        ("1.0", "1.0+b1", -1),
        ("1:1.0", "2.0", 1),
        ("2.4.10-10+deb8u12", "2.4.10-10+deb8u9", 1),
        ("8.10", "8.9", 1),
        ("1.0a", "1.0+", -1),
        ("1.0", "1.0-0", 0),
        ("3.16.0-6-amd64", "4.9.0-13-amd64", -1),
    ])
    func ordersLikeDpkg(a: String, b: String, order: Int) {
        #expect(DebianVersion.compare(a, b).signum() == order)
        #expect(DebianVersion.compare(b, a).signum() == -order)
    }
}
