import Foundation
import Inventory
import Testing

@testable import AnsibleInventory

/// Each case under `Fixtures/cases` converted and compared byte for byte with its golden
/// files. The golden files were checked against `ansible-inventory --list` of ansible-core
/// 2.19: every host's merged vars, connection settings and groups are what Ansible computes.
///
/// `UPDATE_GOLDEN=1 swift test --filter GoldenFileTests` rewrites them in the source tree;
/// review the diff before committing.
@Suite("Ansible inventories against golden files")
struct GoldenFileTests {
    static let updating = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"

    @Test func everyFormIsCovered() {
        #expect(goldenCases == ["ini-connection", "ini-directory", "ini-python-literals", "yaml-directory"])
    }

    @Test("converted text and notes match the golden files", arguments: goldenCases)
    func matchesGoldenFiles(name: String) throws {
        let converted = try ConvertedCase(name)
        if Self.updating {
            let directory = sourceFixtures + "/cases/" + name
            try converted.text.write(toFile: directory + "/expected.json", atomically: true, encoding: .utf8)
            try converted.notes.write(toFile: directory + "/expected-notes.txt", atomically: true, encoding: .utf8)
            return
        }
        #expect(converted.text == (try contents(of: converted.directory + "/expected.json")))
        #expect(converted.notes == (try contents(of: converted.directory + "/expected-notes.txt")))
    }

    @Test("converting twice gives the same bytes", arguments: goldenCases)
    func isStable(name: String) throws {
        let first = try ConvertedCase(name)
        let second = try ConvertedCase(name)
        #expect(first.conversion.text == second.conversion.text)
        #expect(first.conversion.notes == second.conversion.notes)
    }

    @Test("the output passes converge's own inventory loader from disk", arguments: goldenCases)
    func loadsWithConverge(name: String) throws {
        let converted = try ConvertedCase(name)
        let scratch = try ScratchInventory(["inventory.json": converted.conversion.text])
        let loaded = try Inventory.load(contentsOf: scratch.path + "/inventory.json")
        #expect(loaded.hosts.map(\.name) == converted.conversion.inventory.hosts.map(\.name))
        #expect(!loaded.hosts.isEmpty)
    }
}

