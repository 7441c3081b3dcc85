import Foundation
import Inventory
import Testing

@Suite("Adding or updating a host in the inventory text")
struct InventoryEditingTests {
    private let text = """
        {
          "ssh": { "user": "root" },
          "groups": { "web": { "roles": ["base"] } },
          "hosts": [
            { "name": "web1", "address": "192.0.2.1", "groups": ["web"] },
            {"name":"web2","address":"192.0.2.2"}
          ]
        }

        """

    @Test("a new host is appended with the indentation of the one before; nothing else moves")
    func append() throws {
        let inventory = try Inventory.parse(text, file: "t.json")
        let edited = String(decoding: try inventory.upsertingHost(named: "web3", address: "192.0.2.3", group: "web"), as: UTF8.self)
        #expect(edited == text.replacingOccurrences(of: #"{"name":"web2","address":"192.0.2.2"}"#, with: """
            {"name":"web2","address":"192.0.2.2"},
                {"name": "web3", "address": "192.0.2.3", "groups": ["web"]}
            """))
        let reparsed = try Inventory.parse(edited, file: "t.json")
        #expect(reparsed.hosts.map(\.name) == ["web1", "web2", "web3"])
        #expect(reparsed.host(named: "web3")?.roles == ["base"])
    }

    @Test("a host already there is updated in place, not duplicated")
    func update() throws {
        let inventory = try Inventory.parse(text, file: "t.json")
        let moved = String(decoding: try inventory.upsertingHost(named: "web1", address: "192.0.2.9", group: "web"), as: UTF8.self)
        #expect(moved == text.replacingOccurrences(of: "192.0.2.1", with: "192.0.2.9"))
        let grouped = String(decoding: try inventory.upsertingHost(named: "web2", address: "192.0.2.2", group: "web"), as: UTF8.self)
        #expect(grouped.contains(#"{"name":"web2","address":"192.0.2.2", "groups": ["web"]}"#))
        #expect(try inventory.upsertingHost(named: "web1", address: "192.0.2.1", group: "web") == Array(text.utf8))
    }

    @Test("an edit that would make the inventory invalid is refused")
    func invalid() throws {
        let inventory = try Inventory.parse(text, file: "t.json")
        #expect(throws: InventoryError.self) { try inventory.upsertingHost(named: "web", address: "192.0.2.4", group: "web") }
    }

    @Test("writing replaces the file atomically and keeps its mode")
    func write() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("fleet.json").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        try Inventory.write(Array("{\"hosts\": []}\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"hosts\": []}\n")
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["fleet.json"])
    }

    @Test("a deploy user is written as the host's user, logging in through sudo")
    func deployUser() throws {
        let inventory = try Inventory.parse(text, file: "t.json")
        let added = try Inventory.parse(Data(try inventory.upsertingHost(named: "web3", address: "192.0.2.3", group: "web", user: "admin")), file: "t.json")
        #expect(added.host(named: "web3")?.ssh.user == "admin")
        #expect(added.host(named: "web3")?.ssh.usesSudo == true)
        let updated = try Inventory.parse(Data(try inventory.upsertingHost(named: "web1", address: "192.0.2.1", group: "web", user: "admin")), file: "t.json")
        #expect(updated.host(named: "web1")?.ssh.user == "admin")
        #expect(updated.host(named: "web1")?.ssh.usesSudo == true)
        #expect(updated.hosts.count == 2)
    }

}
