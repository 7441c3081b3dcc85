import Foundation
import Inventory
@testable import Lab
import Testing

/// The lab inventory a replica writes, from a team's inventory.
@Suite struct LabReplicaTests {
    static let production = """
        {
          "secrets": "../secrets",
          "ssh": { "user": "deploy", "port": 2222, "identityFile": "~/.ssh/prod" },
          "vars": { "smarthost": "mail.example.com::25", "admin_networks": ["192.0.2.0/24", "203.0.113.7/32"] },
          "groups": {
            "lb": { "roles": ["base", "lb"], "vars": { "floating_address": "192.0.2.10", "release": "jessie" },
                    "ssh": { "user": "admin" } },
            "db": { "roles": ["base"], "vars": { "writer": "192.0.2.50:3306" } }
          },
          "hosts": [
            { "name": "lb1", "address": "192.0.2.11", "groups": ["lb"] },
            { "name": "lb2", "address": "192.0.2.12", "groups": ["lb"], "vars": { "release": "trixie" } },
            { "name": "db1", "address": "db1.example.com", "groups": ["db"], "ssh": { "port": 22022 } }
          ]
        }
        """
    static let lab = LabInstance(name: "alice", number: 3)

    func replica(_ text: String = production, releases: [String: String] = ["jessie": "bullseye"],
                 overrides: String? = nil) throws -> (LabReplica, [String: Any]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replica-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("production.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let replica = try LabReplica(of: path, options: .init(lab: Self.lab, releaseMap: releases, overrides: overrides.map { Data($0.utf8) }))
        let document = try #require(try JSONSerialization.jsonObject(with: replica.document) as? [String: Any])
        return (replica, document)
    }

    @Test func hostsKeepTheirNamesAndGetLabAddresses() throws {
        let (replica, document) = try replica()
        #expect(replica.hosts.map(\.name) == ["lb1", "lb2", "db1"])
        #expect(replica.hosts.map(\.labAddress) == ["10.234.2.11", "10.234.2.12", "10.234.250.10"])
        let hosts = try #require(document["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["address"] as? String } == ["10.234.2.11", "10.234.2.12", "10.234.250.10"])
        #expect(hosts.allSatisfy { $0["ssh"] == nil })
        #expect((hosts[1]["vars"] as? [String: Any])?["release"] as? String == "trixie")
    }

    @Test func addressesInVarsAreMappedOnTheHostsNetworksOnly() throws {
        let (replica, document) = try replica()
        let vars = try #require(document["vars"] as? [String: Any])
        #expect(vars["admin_networks"] as? [String] == ["10.234.2.0/24", "203.0.113.7/32"])
        #expect(vars["smarthost"] as? String == "mail.example.com::25")
        let groups = try #require(document["groups"] as? [String: Any])
        let lb = try #require((groups["lb"] as? [String: Any])?["vars"] as? [String: Any])
        #expect(lb["floating_address"] as? String == "10.234.2.10")
        #expect((groups["lb"] as? [String: Any])?["ssh"] == nil)
        #expect(((groups["db"] as? [String: Any])?["vars"] as? [String: Any])?["writer"] as? String == "10.234.2.50:3306")
        #expect(replica.address(of: "192.0.2.10") == "10.234.2.10")
        #expect(replica.mappingTable.contains("192.0.2.10 -> 10.234.2.10 (in vars)"))
    }

    @Test func releasesAreMappedInHostsAndVars() throws {
        let (replica, document) = try replica()
        #expect(replica.hosts.map(\.release) == ["bullseye", "trixie", LabReplica.defaultRelease])
        #expect(replica.hosts[0].productionRelease == "jessie")
        let groups = try #require(document["groups"] as? [String: Any])
        #expect(((groups["lb"] as? [String: Any])?["vars"] as? [String: Any])?["release"] as? String == "bullseye")
        #expect(replica.mappingTable.contains("lb1  192.0.2.11      -> 10.234.2.11     bullseye (jessie in production, release var)"))
        #expect(replica.mappingTable.contains("db1  db1.example.com -> 10.234.250.10   bookworm (default)"))
    }

    @Test func theLastRunsReleaseComesFirst() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replica-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("production.json").path
        try Self.production.write(toFile: path, atomically: true, encoding: .utf8)
        let replica = try LabReplica(of: path, options: .init(lab: Self.lab, releaseMap: ["jessie": "bullseye"],
                                                               recordedReleases: ["lb1": "bookworm", "db1": "trixie"]))
        #expect(replica.hosts.map(\.release) == ["bookworm", "trixie", "trixie"])
        #expect(replica.hosts.map(\.releaseSource) == ["recorded", "release var", "recorded"])
        // The script boots each host on its release; the lab inventory keeps the vars.
        let table = try #require(try JSONSerialization.jsonObject(with: replica.bootTable) as? [String: Any])
        let hosts = try #require(table["hosts"] as? [[String: Any]])
        #expect(hosts.map { ($0["vars"] as? [String: String])?["release"] } == ["bookworm", "trixie", "trixie"])
        #expect(hosts.map { $0["address"] as? String } == ["10.234.2.11", "10.234.2.12", "10.234.250.10"])
    }

    @Test func aReleaseTheLabCannotBootIsRefusedNamingTheHosts() throws {
        #expect {
            _ = try replica(releases: [:])
        } throws: { error in
            "\(error)".contains("lb1 runs jessie, whose packages are on archive.debian.org only")
                && "\(error)".contains("--release jessie=bullseye")
        }
    }

    @Test func labAccessAndSecretsAreTheLabsNeverProductions() throws {
        let (_, document) = try replica()
        #expect(document["secrets"] as? String == "/var/lib/converge-lab-3/store")
        let ssh = try #require(document["ssh"] as? [String: Any])
        #expect(ssh["user"] as? String == "root")
        #expect(ssh["identityFile"] as? String == "/var/lib/converge-lab-3/id_ed25519")
        #expect(ssh["knownHosts"] as? String == "/var/lib/converge-lab-3/known_hosts")
        #expect(ssh["port"] == nil)
    }

    @Test func overridesApplyBeforeAddressesAreMapped() throws {
        let (_, document) = try replica(overrides: """
            {"vars": {"smarthost": "${LAB_GATEWAY}::2525"},
             "groups": {"db": {"vars": {"buffer": "128M"}}},
             "hosts": {"lb2": {"vars": {"peer": "192.0.2.11"}}}}
            """)
        #expect((document["vars"] as? [String: Any])?["smarthost"] as? String == "10.234.0.1::2525")
        let db = ((document["groups"] as? [String: Any])?["db"] as? [String: Any])?["vars"] as? [String: Any]
        #expect(db?["buffer"] as? String == "128M")
        #expect(db?["writer"] as? String == "10.234.2.50:3306")
        let hosts = try #require(document["hosts"] as? [[String: Any]])
        #expect((hosts[1]["vars"] as? [String: Any])?["peer"] as? String == "10.234.2.11")
    }

    @Test func overridesNamingAnUnknownHostAreRefused() throws {
        #expect(throws: LabError("the overrides name host web9, which the inventory does not have")) {
            _ = try replica(overrides: #"{"hosts": {"web9": {"vars": {}}}}"#)
        }
    }

    @Test func twoHostsOnOneLabAddressAreRefused() throws {
        let text = Self.production.replacingOccurrences(of: "db1.example.com", with: "198.51.2.11")
        #expect(throws: LabError("db1 (198.51.2.11) and lb1 would both be 10.234.2.11 in the lab")) {
            _ = try replica(text)
        }
    }
}

@Suite struct PublishedPortTests {
    @Test func parsesDockerStyleSpecs() throws {
        let port = try PublishedPort("8443:lb:443")
        #expect(port == PublishedPort(bindAddress: nil, port: 8443, target: "lb", targetPort: 443))
        #expect(try PublishedPort("0.0.0.0:8080:192.0.2.10:80").bindAddress == "0.0.0.0")
    }

    @Test func refusesWhatIsNoSpec() {
        #expect(throws: LabError("--publish 8443:lb: expected [IP:]PORT:TARGET:PORT, e.g. 8443:lb:443")) { try PublishedPort("8443:lb") }
        #expect(throws: LabError("--publish 99999:lb:443: 99999 and 443 must be TCP ports (1 to 65535)")) { try PublishedPort("99999:lb:443") }
    }

    @Test func targetsAHostAGroupOrAnAddress() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("publish-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("i.json").path
        try LabReplicaTests.production.write(toFile: path, atomically: true, encoding: .utf8)
        let replica = try LabReplica(of: path, options: .init(lab: LabReplicaTests.lab, releaseMap: ["jessie": "bookworm"]))
        #expect(try PublishedPort("8443:lb:443").scriptArgument(in: replica) == "8443:10.234.2.11:443")
        #expect(try PublishedPort("8443:lb2:443").scriptArgument(in: replica) == "8443:10.234.2.12:443")
        #expect(try PublishedPort("127.0.0.2:8443:192.0.2.10:443").scriptArgument(in: replica) == "127.0.0.2:8443:10.234.2.10:443")
        #expect(throws: LabError.self) { try PublishedPort("8443:nowhere:443").scriptArgument(in: replica) }
    }
}

@Suite struct LabRegistryTests {
    func registry(busy: Set<Int> = []) -> LabRegistry {
        LabRegistry(directory: FileManager.default.temporaryDirectory.appendingPathComponent("labs-\(UUID())").path,
                    isBusy: { busy.contains($0) })
    }

    @Test func namesClaimFreeInstancesAndKeepThem() throws {
        let registry = registry(busy: [1])
        #expect(try registry.claim("alice").number == 2)   // 1 is a lab scripts/lab booted
        #expect(try registry.claim("bob").number == 3)
        #expect(try registry.claim("alice").number == 2)
        #expect(try registry.lab(named: "default")?.number == 0)
        #expect(registry.all().map(\.name) == ["alice", "bob"])
        registry.release("alice")
        #expect(try registry.lab(named: "alice") == nil)
        #expect(try registry.claim("carol").number == 2)
    }

    @Test func theTenthLabIsRefused() throws {
        let registry = registry()
        for index in 1...9 { _ = try registry.claim("lab\(index)") }
        #expect(throws: LabError.self) { try registry.claim("one-too-many") }
    }

    @Test func namesAreChecked() {
        #expect(throws: LabError.self) { try registry().claim("../etc") }
        #expect(LabInstance.isValid(name: "alice-2"))
        #expect(!LabInstance.isValid(name: "Alice"))
        #expect(!LabInstance.isValid(name: "2alice"))
    }

    @Test func theLabInventoryGoesBesideTheTeams() {
        #expect(LabUp.defaultLabInventory(for: "inventory/production.json", name: "default") == "inventory/production.lab.json")
        #expect(LabUp.defaultLabInventory(for: "inventory/production.json", name: "alice") == "inventory/production.lab-alice.json")
        #expect(LabUp.defaultLabInventory(for: "fleet.json", name: "default") == "fleet.lab.json")
    }

    /// `converge lab` runs the project's own scripts/lab: one implementation.
    @Test func theEmbeddedScriptIsScriptsLab() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lab")
        // (A multi-line string literal ends before the file's last newline.)
        let file = try String(contentsOf: script, encoding: .utf8)
        #expect(LabScript.text + "\n" == file)
    }
}
