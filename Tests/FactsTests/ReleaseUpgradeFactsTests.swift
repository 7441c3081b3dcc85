import Foundation
import Testing
import TestSupport

@testable import Facts

/// ``DebianSuites``' rewrite of apt sources, run by the awks of this machine (the targets
/// have mawk), and ``ReleaseSimulationFact`` read from recorded outputs.
@Suite struct ReleaseUpgradeFactsTests {
    /// The awks to run the program with: mawk (Debian's default, on every target) first.
    static let awks = ["/usr/bin/mawk", "/usr/bin/gawk", "/usr/bin/original-awk"].filter { FileManager.default.isExecutableFile(atPath: $0) }

    func rewrite(_ text: String, from: String, to: String, deb822: Bool = false) throws -> String {
        var outputs: Set<String> = []
        for awk in Self.awks {
            let result = try run([awk, "-v", "deb822=\(deb822 ? 1 : 0)", DebianSuites.rewriteProgram(from: from, to: to)], input: text)
            #expect(result.status == 0, "\(awk): \(result.stderr)")
            outputs.insert(result.stdout)
        }
        #expect(outputs.count == 1, "the awks disagree: \(outputs)")
        return outputs.first ?? ""
    }

    @Test func releasesInOrder() {
        #expect(DebianSuites.path(from: "bullseye", to: "trixie") == ["bookworm", "trixie"])
        #expect(DebianSuites.path(from: "trixie", to: "bookworm").isEmpty)
        #expect(DebianSuites.path(from: "bookworm", to: "bookworm").isEmpty)
        #expect(DebianSuites.securitySuite(of: "stretch") == "stretch/updates")
        #expect(DebianSuites.securitySuite(of: "bullseye") == "bullseye-security")
        #expect(!Self.awks.isEmpty)
    }

    @Test func oneLineSourcesFromBullseyeToBookworm() throws {
        let sources = """
            # main
            deb http://deb.debian.org/debian bullseye main contrib
            deb-src http://deb.debian.org/debian bullseye main
            deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://security.debian.org/debian-security bullseye-security main
            deb  http://deb.debian.org/debian   bullseye-updates main
            deb http://repo.example.net/php bullseye main
            deb http://repo.example.net/flat ./
            deb http://deb.debian.org/debian stable main

            """
        #expect(try rewrite(sources, from: "bullseye", to: "bookworm") == """
            # main
            deb http://deb.debian.org/debian bookworm main contrib
            deb-src http://deb.debian.org/debian bookworm main
            deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://security.debian.org/debian-security bookworm-security main
            deb http://deb.debian.org/debian bookworm-updates main
            deb http://repo.example.net/php bookworm main
            deb http://repo.example.net/flat ./
            deb http://deb.debian.org/debian stable main

            """)
    }

    @Test func deb822SourcesKeepTheirOtherFields() throws {
        let sources = """
            Types: deb
            URIs: http://deb.debian.org/debian
            Suites: bookworm bookworm-updates bookworm-backports
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            Types: deb
            URIs: http://deb.debian.org/debian-security
            Suites: bookworm-security
            Components: main

            """
        #expect(try rewrite(sources, from: "bookworm", to: "trixie", deb822: true) == """
            Types: deb
            URIs: http://deb.debian.org/debian
            Suites: trixie trixie-updates trixie-backports
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            Types: deb
            URIs: http://deb.debian.org/debian-security
            Suites: trixie-security
            Components: main

            """)
    }

    @Test func toAnArchivedReleaseTheSourcesMoveToTheArchive() throws {
        // jessie to stretch: archive.debian.org, no stretch-updates there, the security
        // suite still `/updates`.
        let jessie = """
            deb http://httpredir.debian.org/debian jessie main
            deb http://security.debian.org/ jessie/updates main
            deb http://ftp.de.debian.org/debian jessie-updates main

            """
        #expect(try rewrite(jessie, from: "jessie", to: "stretch") == """
            deb http://archive.debian.org/debian/ stretch main
            deb http://archive.debian.org/debian-security/ stretch/updates main
            # deb http://ftp.de.debian.org/debian jessie-updates main # converge: stretch has no jessie-updates suite

            """)
        // buster (archived) to bullseye: back to the mirrors, the security suite renamed.
        let buster = """
            deb http://archive.debian.org/debian buster main
            deb http://archive.debian.org/debian-security buster/updates main

            """
        #expect(try rewrite(buster, from: "buster", to: "bullseye") == """
            deb http://deb.debian.org/debian/ bullseye main
            deb http://security.debian.org/debian-security/ bullseye-security main

            """)
    }

    @Test func theRewriteCommandWritesEveryFileUnderItsName() throws {
        let command = DebianSuites.rewriteCommand(from: "bullseye", to: "bookworm")
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("converge-rewrite-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let here = command.replacingOccurrences(of: "/etc/apt/", with: scratch.path + "/etc/apt/")
        try FileManager.default.createDirectory(atPath: scratch.path + "/etc/apt/sources.list.d", withIntermediateDirectories: true)
        try "deb http://deb.debian.org/debian bullseye main\n".write(toFile: scratch.path + "/etc/apt/sources.list", atomically: true, encoding: .utf8)
        try "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bullseye-updates\n"
            .write(toFile: scratch.path + "/etc/apt/sources.list.d/debian.sources", atomically: true, encoding: .utf8)
        let result = try run(["/bin/dash", "-c", "converge_into=\(scratch.path)/out\n" + here])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: scratch.path + "/out/sources.list", encoding: .utf8) == "deb http://deb.debian.org/debian bookworm main\n")
        #expect(try String(contentsOfFile: scratch.path + "/out/sources.list.d/debian.sources", encoding: .utf8).contains("Suites: bookworm-updates\n"))
    }

    /// Recorded: jessie to stretch and stretch to buster (apt 1.0 and 1.4, archive.debian.org),
    /// bullseye to bookworm on a lab host.
    @Test(arguments: [
        ("jessie-to-stretch", 20, 2, 2),
        ("stretch-to-buster", 17, 2, 1),
        ("bullseye-to-bookworm", 172, 31, 8),
    ])
    func simulationsAreRead(name: String, upgrades: Int, installs: Int, removals: Int) throws {
        let output = try Fixture.text("release-upgrades/\(name)")
        let simulation = try ReleaseSimulationFact(from: "jessie", to: "stretch").parse(output)
        #expect(simulation.upgrades.count == upgrades)
        #expect(simulation.installs.count == installs)
        #expect(simulation.removals.count == removals)
        #expect(simulation.downloadBytes != nil && simulation.additionalBytes != nil)
        #expect(simulation.freeSpace.count == 2)
        #expect(simulation.sourceErrors.isEmpty && simulation.simulationErrors.isEmpty && simulation.audit.isEmpty)
    }

    @Test func sizesInAptsUnits() throws {
        #expect(try ReleaseSimulationFact.bytes("241 MB") == 241_000_000)
        #expect(try ReleaseSimulationFact.bytes("3,072 kB") == 3_072_000)
        #expect(try ReleaseSimulationFact.bytes("1.5 GB") == 1_500_000_000)
        #expect(throws: FactParseError.self) { try ReleaseSimulationFact.bytes("12 parsecs") }
    }

    @Test func theCommandIsValidShell() throws {
        let command = ReleaseSimulationFact(from: "bullseye", to: "bookworm").command
        let result = try run(["/bin/dash", "-n", "-c", command])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
