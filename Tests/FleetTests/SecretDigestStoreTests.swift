import Facts
import Foundation
import Inventory
import Planner
import Resources
import Testing

@testable import Fleet

/// Two hosts of one inventory, and a host of another inventory with the first one's name.
private let hosts: [Inventory.Host] = {
    let inventory = try! Inventory.parse("""
        {"hosts": [{"name": "web1", "address": "10.0.0.1"}, {"name": "web2", "address": "10.0.0.2"},
                   {"name": ".hidden", "address": "10.0.0.3"}]}
        """, file: "test.json")
    let other = try! Inventory.parse(#"{"hosts": [{"name": "web1", "address": "10.9.0.1"}]}"#, file: "other.json")
    return inventory.hosts + other.hosts
}()

private final class ScratchDirectory {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("digests-\(UUID().uuidString)").path
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct SecretDigestStoreTests {
    @Test func recordsAndReadsPerHost() throws {
        let scratch = ScratchDirectory()
        let store = SecretDigestStore(directory: scratch.path + "/secret-digests")
        #expect(store.digests(of: hosts[0]).isEmpty)
        store.record(["/etc/app/token": "aa", "/etc/app/db.cnf": "bb"], of: hosts[0])
        store.record(["/etc/app/token": "cc"], of: hosts[0])
        // Later records replace earlier ones path by path; other hosts keep their own.
        #expect(store.digests(of: hosts[0]) == ["/etc/app/token": "cc", "/etc/app/db.cnf": "bb"])
        #expect(store.digests(of: hosts[1]).isEmpty)
        // Another inventory's web1 is another machine.
        #expect(store.digests(of: hosts[3]).isEmpty)
        // A host named with a leading dot stays inside the directory, visible.
        store.record(["/etc/x": "dd"], of: hosts[2])
        #expect(store.digests(of: hosts[2]) == ["/etc/x": "dd"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory).sorted()
            == ["_.hidden@10.0.0.3.json", "web1@10.0.0.1.json"])
    }

    @Test func keepsDigestsToItsOwner() throws {
        let scratch = ScratchDirectory()
        let store = SecretDigestStore(directory: scratch.path + "/state/converge/secret-digests")
        store.record(["/etc/app/token": "aa"], of: hosts[0])
        let manager = FileManager.default
        #expect(try manager.attributesOfItem(atPath: store.directory)[.posixPermissions] as? Int == 0o700)
        #expect(try manager.attributesOfItem(atPath: store.directory + "/web1@10.0.0.1.json")[.posixPermissions] as? Int == 0o600)
    }

    @Test func livesInTheUsersStateDirectory() {
        #expect(SecretDigestStore(environment: ["XDG_STATE_HOME": "/srv/state", "HOME": "/home/ops"]).directory
            == "/srv/state/converge/secret-digests")
        #expect(SecretDigestStore(environment: ["XDG_STATE_HOME": "", "HOME": "/home/ops"]).directory
            == "/home/ops/.local/state/converge/secret-digests")
    }

    @Test func ignoresAnUnreadableRecord() throws {
        let scratch = ScratchDirectory()
        let store = SecretDigestStore(directory: scratch.path)
        try FileManager.default.createDirectory(atPath: scratch.path, withIntermediateDirectories: true)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: scratch.path + "/web1@10.0.0.1.json"))
        #expect(store.digests(of: hosts[0]).isEmpty)
    }
}

@Suite struct SecretDigestRecordingTests {
    let token = File("/etc/app/token", content: .secret(.environment("APP_TOKEN")), mode: 0o600)
    let config = File("/etc/app/db.cnf", content: .secret("[client]\npassword = \(Secret.environment("DB_PASSWORD"))\n"))
    let motd = File("/etc/motd", content: "hello\n")

    func state(_ digests: [String: String]) -> HostState {
        HostState(paths: digests.mapValues {
            PathState(kind: .file, mode: 0o600, uid: 0, gid: 0, owner: "root", group: "root", size: 5, sha256: $0)
        })
    }

    func plan(_ resources: [any Resource], _ state: HostState, _ secrets: SecretValues) throws -> HostPlan {
        try Planner.plan(host: "web1", resources: resources, state: state, secrets: secrets)
    }

    @Test func recordsTheSecretFilesAPlanFindsRight() throws {
        let secrets = SecretValues([.environment("APP_TOKEN"): Data("token".utf8), .environment("DB_PASSWORD"): Data("pw".utf8)])
        let tokenSHA = sha256Hex(Data("token".utf8))
        // The token holds the secret's value; db.cnf is stale; motd is no secret.
        let current = state(["/etc/app/token": tokenSHA, "/etc/app/db.cnf": "0000", "/etc/motd": "1111"])
        let resources: [any Resource] = [token, config, motd]
        let planned = try plan(resources, current, secrets)
        #expect(planned.changes.map(\.resource.name) == ["/etc/app/db.cnf", "/etc/motd"])
        #expect(SecretDigestStore.digests(unchangedBy: planned, resources: resources, state: current)
            == ["/etc/app/token": tokenSHA])
        // A secret file that is missing has no digest to record.
        #expect(SecretDigestStore.digests(unchangedBy: try plan([token], HostState(), secrets), resources: [token], state: HostState()).isEmpty)
    }

    @Test func recordsTheSecretFilesAnApplyWrote() throws {
        let secrets = SecretValues([.environment("APP_TOKEN"): Data("token".utf8), .environment("DB_PASSWORD"): Data("pw".utf8)])
        let planned = try plan([token, config, motd], HostState(), secrets)
        #expect(planned.changes.count == 3)
        // The digest of the bytes written, as sha256sum on the host prints it.
        let written = Data("[client]\npassword = pw\n".utf8)
        #expect(sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let succeeded = ApplyResult(outcomes: [.succeeded, .succeeded, .succeeded], abortMessage: nil, isComplete: true)
        #expect(SecretDigestStore.digests(writtenBy: planned, result: succeeded, secrets: secrets) == [
            "/etc/app/token": sha256Hex(Data("token".utf8)),
            "/etc/app/db.cnf": sha256Hex(written),
        ])
        // A change that failed or did not run wrote nothing that counts.
        let order = planned.changes.map(\.resource.name)
        let failed = ApplyResult(
            outcomes: order.map { $0 == "/etc/app/token" ? .succeeded : .failed(exitStatus: 1, output: "") },
            abortMessage: nil, isComplete: true)
        #expect(SecretDigestStore.digests(writtenBy: planned, result: failed, secrets: secrets).keys.sorted() == ["/etc/app/token"])
    }
}
