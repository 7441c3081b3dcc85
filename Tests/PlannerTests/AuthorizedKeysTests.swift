import Facts
import Foundation
import Testing

@testable import Planner
@testable import Resources

/// A user's authorized_keys: exactly the keys given, or those added to what is there.
@Suite struct AuthorizedKeysTests {
    let alice = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAlice alice@laptop"
    let ci = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICi ci@runner"
    let hand = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQHand someone@else"
    let id = ResourceID(kind: "authorized-keys", name: "alice")

    func state(file text: String?, directory: Bool = true) -> HostState {
        var paths: [String: PathState] = [:]
        if directory {
            paths["/home/alice/.ssh"] = PathState(kind: .directory, mode: 0o700, uid: 1001, gid: 1001, owner: "alice", group: "alice", size: 4096)
        }
        if let text {
            paths["/home/alice/.ssh/authorized_keys"] = PathState(
                kind: .file, mode: 0o600, uid: 1001, gid: 1001, owner: "alice", group: "alice", size: text.utf8.count,
                sha256: sha256Hex(Data(text.utf8)), content: Data(text.utf8))
        }
        return HostState(
            paths: paths,
            users: ["alice": UserState(uid: 1001, gid: 1001, primaryGroup: "alice", groups: ["alice"], home: "/home/alice", shell: "/bin/bash")],
            groups: ["alice": GroupState(gid: 1001, members: [])])
    }

    @Test func aNewUserGetsTheDirectoryAndTheFile() throws {
        let changes = try plan([AuthorizedKeys("alice", keys: [alice])], state(file: nil, directory: false)).changes
        #expect(changes.map(\.resource) == [id, id])
        #expect(changes.map(\.operation) == [
            .makeDirectory(path: "/home/alice/.ssh", owner: "alice", group: nil, mode: 0o700),
            .writeFile(path: "/home/alice/.ssh/authorized_keys", bytes: .inline(Data((alice + "\n").utf8)), owner: "alice", group: nil, mode: 0o600),
        ])
    }

    @Test func exclusiveKeysRemoveAKeyAddedByHand() throws {
        let changes = try plan([AuthorizedKeys("alice", keys: [alice])], state(file: alice + "\n" + hand + "\n")).changes
        try #require(changes.count == 1)
        #expect(changes[0].content?.oldText == alice + "\n" + hand + "\n")
        #expect(changes[0].content?.newText == alice + "\n")
        #expect(try plan([AuthorizedKeys("alice", keys: [alice])], state(file: alice + "\n")).changes.isEmpty)
    }

    @Test func addedKeysKeepWhatIsThere() throws {
        let resource = AuthorizedKeys("alice", keys: [alice, ci], exclusive: false)
        let changes = try plan([resource], state(file: hand + "\n" + alice)).changes
        try #require(changes.count == 1)
        #expect(changes[0].content?.newText == hand + "\n" + alice + "\n" + ci + "\n")
        // A key there with another comment or options is the same key.
        let there = "from=\"10.0.0.0/8\" " + alice.replacingOccurrences(of: "alice@laptop", with: "old comment") + "\n" + ci + "\n" + hand + "\n"
        #expect(try plan([resource], state(file: there)).changes.isEmpty)
    }

    @Test func aDeclaredSSHDirectoryIsLeftToItsResource() throws {
        let resources: [any Resource] = [
            Directory("/home/alice/.ssh", owner: "alice", group: "alice", mode: 0o700),
            AuthorizedKeys("alice", keys: [alice]),
        ]
        let changes = try plan(resources, state(file: nil, directory: false)).changes
        #expect(changes.map(\.resource) == [.directory("/home/alice/.ssh"), id])
    }

    @Test func aLineThatIsNoKeyIsRefused() {
        #expect(throws: PlanError.invalid(id, "not an authorized_keys line (`[options] type base64 [comment]`): AAAAC3Nza alice")) {
            try HostStateQuery(resources: [AuthorizedKeys("alice", keys: ["AAAAC3Nza alice"])])
        }
        #expect(throws: PlanError.self) {
            try HostStateQuery(resources: [AuthorizedKeys("alice", keys: [alice + "\n" + hand])])
        }
    }

    @Test func rootsKeysAreInRoot() {
        #expect(AuthorizedKeys("root", keys: []).path == "/root/.ssh/authorized_keys")
        #expect(AuthorizedKeys("deploy", keys: [], home: "/srv/deploy").path == "/srv/deploy/.ssh/authorized_keys")
    }
}
