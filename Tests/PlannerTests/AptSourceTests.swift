import Facts
import Foundation
import Testing
import TestSupport

@testable import Planner
@testable import Resources

/// Third-party apt sources: deb822 with a keyring of their own, or one-line on jessie.
@Suite struct AptSourceTests {
    let id = ResourceID.aptSource("lab")
    let armored: String
    let binary: Data

    init() throws {
        armored = try Fixture.text("apt-source/repository.asc")
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        binary = try Data(contentsOf: folder.appendingPathComponent("apt-source/repository.gpg"))
    }

    var source: AptSource {
        AptSource("lab", uris: ["http://repo.example.net/debian"], suites: ["bookworm"], components: ["main", "contrib"],
                  architectures: ["amd64"], key: .armored(armored))
    }

    /// A host with apt `version`, these one-line entries, and the given files.
    func state(apt version: String, entries: String = "", files: [String: String] = [:]) -> HostState {
        var state = HostState(
            packages: ["nodejs": PackageState(status: nil, version: nil, candidate: nil, availableVersions: [])],
            aptLists: freshLists,
            factOutputs: [
                "apt-version": FactOutput(stdout: version, stderr: "", exitStatus: 0),
                "apt-one-line-entries": FactOutput(stdout: entries, stderr: "", exitStatus: 0),
            ])
        state.paths["/etc/apt/keyrings"] = PathState(kind: .directory, mode: 0o755, uid: 0, gid: 0, owner: "root", group: "root", size: 4096)
        for (path, text) in files {
            state.paths[path] = PathState(kind: .file, mode: 0o644, uid: 0, gid: 0, owner: "root", group: "root",
                                          size: text.utf8.count, sha256: sha256Hex(Data(text.utf8)), content: Data(text.utf8))
        }
        return state
    }

    @Test func aNewSourceIsDeb822WithItsKeyringAndListsRefreshedBeforeItsPackages() throws {
        let resources: [any Resource] = [Package("nodejs", requires: [.aptSource("lab")]), source]
        let changes = try plan(resources, state(apt: "2.6.1")).changes
        #expect(changes.map(\.resource) == [id, id, .apt("update"), .package("nodejs")])
        #expect(changes[0].operation == .writeFile(
            path: "/etc/apt/keyrings/lab.asc", bytes: .inline(Data(armored.utf8)), owner: nil, group: nil, mode: 0o644))
        #expect(changes[1].content?.newText == """
            # Managed by converge.
            Types: deb
            URIs: http://repo.example.net/debian
            Suites: bookworm
            Components: main contrib
            Architectures: amd64
            Signed-By: /etc/apt/keyrings/lab.asc

            """)
        #expect(changes[2].reason == "apt source lab changed")
    }

    @Test func aSourceInPlaceIsNoChange() throws {
        let files = ["/etc/apt/keyrings/lab.asc": armored, "/etc/apt/sources.list.d/lab.sources": source.deb822Text]
        #expect(try plan([source], state(apt: "2.6.1", files: files)).changes.isEmpty)
    }

    @Test func jessieGetsAOneLineListAndABinaryKeyInTrustedGPG() throws {
        let changes = try plan([source], state(apt: "1.0.9.8.6")).changes
        #expect(changes.map(\.operation).prefix(2) == [
            .writeFile(path: "/etc/apt/trusted.gpg.d/lab.gpg", bytes: .inline(binary), owner: nil, group: nil, mode: 0o644),
            .writeFile(path: "/etc/apt/sources.list.d/lab.list", bytes: .inline(Data("""
                # Managed by converge.
                deb [arch=amd64] http://repo.example.net/debian bookworm main contrib

                """.utf8)), owner: nil, group: nil, mode: 0o644),
        ])
        #expect(AptSource.dearmored(Data(armored.utf8)) == binary)
    }

    @Test func anUpgradedHostLosesTheOneLineFormat() throws {
        let files = ["/etc/apt/trusted.gpg.d/lab.gpg": "old", "/etc/apt/sources.list.d/lab.list": "deb http://repo.example.net/debian bookworm main\n"]
        let operations = try plan([source], state(apt: "1.4.11", files: files)).changes.map(\.operation)
        #expect(operations.contains(.removePath(path: "/etc/apt/sources.list.d/lab.list", recursive: false)))
        #expect(operations.contains(.removePath(path: "/etc/apt/trusted.gpg.d/lab.gpg", recursive: false)))
    }

    @Test func olderOneLineEntriesOfTheArchiveGo() throws {
        let entries = """
            /etc/apt/sources.list:1:deb http://deb.debian.org/debian bookworm main
            /etc/apt/sources.list:4:deb [arch=amd64 trusted=yes] http://repo.example.net/debian/ bookworm main
            /etc/apt/sources.list.d/vendor.list:2:deb http://repo.example.net/debian bookworm main
            /etc/apt/sources.list.d/vendor.list:3:deb-src http://repo.example.net/debian bookworm main

            """
        let changes = try plan([source], state(apt: "2.6.1", entries: entries)).changes
        let retiring = changes.filter { $0.reason.contains("older entr") || $0.operation == .removePath(path: "/etc/apt/sources.list.d/vendor.list", recursive: false) }
        #expect(retiring.count == 2)
        #expect(retiring.contains { $0.operation == .removePath(path: "/etc/apt/sources.list.d/vendor.list", recursive: false) })
        #expect(retiring.contains { $0.fields == [FieldChange(
            "entry", old: "deb [arch=amd64 trusted=yes] http://repo.example.net/debian/ bookworm main",
            new: "# deb [arch=amd64 trusted=yes] http://repo.example.net/debian/ bookworm main # converge: now in lab.sources")] })
    }

    @Test func commentingOutAnEntryKeepsTheRestOfTheFile() throws {
        try withTemporaryDirectory { directory in
        let path = directory + "/sources.list"
        let entry = "deb [arch=amd64] http://repo.example.net/debian/ bookworm main"
        try "deb http://deb.debian.org/debian bookworm main\n\(entry)\n# a comment \\ with a backslash\n".write(toFile: path, atomically: true, encoding: .utf8)
        let script = AptSource.commentOut(entry, in: path, note: " # converge: now in lab.sources")
        try expectValidSyntax(script)
        let result = try run([dash, "-c", "set -e\n" + script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == """
            deb http://deb.debian.org/debian bookworm main
            # \(entry) # converge: now in lab.sources
            # a comment \\ with a backslash

            """)
        }
    }

    @Test func badValuesAreNamed() {
        #expect(throws: PlanError.invalid(.aptSource("../x"), "a source's name is letters, digits, `.`, `_` and `-`")) {
            try HostStateQuery(resources: [AptSource("../x", uris: ["http://a"], suites: ["b"], key: nil)])
        }
        #expect(throws: PlanError.invalid(id, "a flat repository (a suite ending in /) has no components")) {
            try HostStateQuery(resources: [AptSource("lab", uris: ["file:/srv/repo"], suites: ["./"], key: nil)])
        }
        #expect(throws: PlanError.invalid(id, "the key is not an ASCII-armored OpenPGP public key block")) {
            try HostStateQuery(resources: [AptSource("lab", uris: ["http://a"], suites: ["b"], key: .armored("-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope"))])
        }
        #expect(throws: PlanError.invalid(id, "not a word of a source: \"http://a b\"")) {
            try HostStateQuery(resources: [AptSource("lab", uris: ["http://a b"], suites: ["b"], key: nil)])
        }
    }

    @Test func anAbsentSourceRemovesItsFiles() throws {
        let files = ["/etc/apt/keyrings/lab.asc": armored, "/etc/apt/sources.list.d/lab.sources": source.deb822Text]
        let changes = try plan([AptSource("lab", .absent)], state(apt: "2.6.1", files: files)).changes
        #expect(changes.map(\.operation) == [
            .removePath(path: "/etc/apt/sources.list.d/lab.sources", recursive: false),
            .removePath(path: "/etc/apt/keyrings/lab.asc", recursive: false),
            .refreshPackageLists,
        ])
    }
}

extension ResourceID {
    static func apt(_ name: String) -> ResourceID { ResourceID(kind: "apt", name: name) }
}
