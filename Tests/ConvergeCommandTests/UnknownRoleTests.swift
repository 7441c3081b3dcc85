import Foundation
import Fleet
import Inventory
import Testing

@testable import Converge

/// An inventory naming a role the playbook lacks: refused before any host is contacted, in
/// one line per role naming the file and the hosts, not one line per host.
@Suite struct UnknownRoleTests {
    @Test func oneLinePerRoleNamingTheFileAndTheHosts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unknown-role-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("inventory.json").path
        let web = (1...7).map { #"{"name": "web\#($0)", "address": "10.0.0.\#($0)", "groups": ["web"]}"# }
        try Data(#"""
            {"groups": {"web": {"roles": ["base", "ngnix"]}},
             "hosts": [\#(web.joined(separator: ", ")), {"name": "db1", "address": "10.0.1.1", "roles": ["base", "mysql"]}]}
            """#.utf8).write(to: URL(fileURLWithPath: path))
        let inventory = try Inventory.load(contentsOf: path)
        let playbook = Playbook([Role("base") { _ in }, Role("nginx") { _ in }])
        #expect(Convergence.unknownRoles(of: inventory.hosts, in: path, playbook: playbook) == [
            "\(path): unknown role \"ngnix\" (hosts web1, web2, web3, web4, web5 and 2 more): the playbook has base, nginx",
            "\(path): unknown role \"mysql\" (host db1): the playbook has base, nginx",
        ])
        #expect(Convergence.unknownRoles(of: inventory.hosts, in: path, playbook: Playbook([])).first?
            .hasSuffix("the playbook has no roles") == true)
        let complete = Playbook([Role("base") { _ in }, Role("ngnix") { _ in }, Role("mysql") { _ in }])
        #expect(Convergence.unknownRoles(of: inventory.hosts, in: path, playbook: complete).isEmpty)
    }
}
