import Foundation
import Resources
import Testing

@testable import Secrets

/// A member of the team: an ed25519 key pair made with ssh-keygen, as each engineer has.
struct Member {
    let name: String
    let privateKey: String
    var publicKey: String { (try? String(contentsOfFile: privateKey + ".pub", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? "" }

    init(_ name: String, in directory: String) throws {
        self.name = name
        privateKey = "\(directory)/\(name)_ed25519"
        let keygen = Process()
        keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", privateKey]
        try keygen.run()
        keygen.waitUntilExit()
        #expect(keygen.terminationStatus == 0)
    }

    /// A reader of `store` with this member's key, as a controller of theirs runs.
    func reader(_ store: SecretStore, environment: [String: String] = [:], repository: String? = nil) -> SecretReader {
        SecretReader(store: store, identities: [privateKey], environment: environment, repository: repository)
    }
}

/// A scratch directory, removed at the end.
final class Scratch {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-tests-\(UUID().uuidString)").path
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct SecretStoreTests {
    @Test func aGeneratedSecretIsMadeOnceAndReadByEveryRecipient() throws {
        let scratch = try Scratch()
        let alice = try Member("alice", in: scratch.path), bob = try Member("bob", in: scratch.path)
        let store = try SecretStore.create(at: scratch.path + "/secrets", recipients: [alice.publicKey, bob.publicKey])
        let password = Secret.stored("db", generatedAs: .password(length: 24))

        let made = try alice.reader(store).read(password)
        #expect(made.count == 24)
        // Bob's controller reads Alice's, and never makes a second one.
        #expect(try bob.reader(store).read(password) == made)
        #expect(try alice.reader(store).read(password) == made)
        #expect(try store.names() == ["db"])
        // At rest it is age, armored: no trace of the value.
        let file = try String(contentsOfFile: store.file(of: "db"), encoding: .utf8)
        #expect(file.hasPrefix("-----BEGIN AGE ENCRYPTED FILE-----"))
        #expect(!file.contains(String(decoding: made, as: UTF8.self)))
    }

    @Test func theTeamSharesOnePlanKey() throws {
        let scratch = try Scratch()
        let alice = try Member("alice", in: scratch.path), bob = try Member("bob", in: scratch.path)
        let store = try SecretStore.create(at: scratch.path + "/secrets", recipients: [alice.publicKey, bob.publicKey])
        let aliceKey = try alice.reader(store).planKey(), bobKey = try bob.reader(store).planKey()
        let digest = aliceKey.digest(Data("plan".utf8))
        #expect(bobKey.verifies(digest, of: Data("plan".utf8)))
        #expect(try store.names().isEmpty, "the plan key is not listed as a secret")
    }

    @Test func aStrangerCannotReadAndIsToldWhy() throws {
        let scratch = try Scratch()
        let alice = try Member("alice", in: scratch.path), carol = try Member("carol", in: scratch.path)
        let store = try SecretStore.create(at: scratch.path + "/secrets", recipients: [alice.publicKey])
        try store.create("token", value: Data("t0k3n".utf8))
        let reader = carol.reader(store)
        #expect(!reader.canRead(.stored("token")))
        #expect {
            try reader.read(.stored("token"))
        } throws: { error in
            let message = (error as? SecretError)?.message ?? ""
            return message.contains("cannot decrypt \(store.file(of: "token"))") && message.contains("--add-recipient")
        }
        #expect(try store.read("token", identities: [alice.privateKey]) == Data("t0k3n".utf8))
    }

    @Test func aRemovedRecipientDecryptsNothingAfterARekey() throws {
        let scratch = try Scratch()
        let alice = try Member("alice", in: scratch.path), bob = try Member("bob", in: scratch.path)
        let store = try SecretStore.create(at: scratch.path + "/secrets", recipients: [alice.publicKey, bob.publicKey])
        try store.create("token", value: Data("t0k3n".utf8))
        _ = try alice.reader(store).planKey()
        #expect(try store.read("token", identities: [bob.privateKey]) == Data("t0k3n".utf8))

        let values = try store.decryptAll(identities: [alice.privateKey])
        #expect(values.map(\.name) == ["token", SecretStore.planKeyName])
        try store.setRecipients([alice.publicKey])
        for (name, value) in values { try store.write(name, value: value) }

        for name in ["token", SecretStore.planKeyName] {
            #expect(throws: SecretStoreError.self) { try store.read(name, identities: [bob.privateKey]) }
            #expect(try store.read(name, identities: [alice.privateKey]) != nil)
        }
    }

    @Test func aPlaintextFileInTheStoreIsRefused() throws {
        let scratch = try Scratch()
        let alice = try Member("alice", in: scratch.path)
        let store = try SecretStore.create(at: scratch.path + "/secrets", recipients: [alice.publicKey])
        try Data("hunter2".utf8).write(to: URL(fileURLWithPath: store.directory + "/db-password"))
        try Data("hunter2".utf8).write(to: URL(fileURLWithPath: store.directory + "/fake.age"))
        #expect {
            try store.names()
        } throws: { error in
            (error as? SecretStoreError)?.message.hasPrefix(
                "the secret store \(store.directory) holds db-password, fake.age, which are not age-encrypted") == true
        }
    }

    @Test func aRecipientAgeCannotUseIsRefusedAndTheOldListKept() throws {
        let scratch = try Scratch()
        let alice = try Member("alice", in: scratch.path)
        let store = try SecretStore.create(at: scratch.path + "/secrets", recipients: [alice.publicKey])
        #expect(throws: SecretStoreError.self) { try store.setRecipients([alice.publicKey, "ssh-ed25519 not-a-key bob"]) }
        #expect(try store.recipients() == [alice.publicKey])
    }

    @Test func namesAreFileNames() {
        #expect(throws: SecretStoreError.self) { try SecretStore.validate(name: "../etc/passwd") }
        #expect(throws: SecretStoreError.self) { try SecretStore.validate(name: ".hidden") }
        #expect(throws: Never.self) { try SecretStore.validate(name: "site.pem") }
    }
}

@Suite struct SecretReaderTests {
    @Test func fromTheEnvironment() throws {
        let reader = SecretReader(store: nil, identities: [], environment: ["PW": "hunter2"], repository: nil)
        #expect(try reader.read(.environment("PW")) == Data("hunter2".utf8))
        #expect(throws: SecretError(source: .environment("PX"), message: "the environment variable PX is not set")) {
            try reader.read(.environment("PX"))
        }
    }

    @Test func fromAControllerFileOutsideTheRepository() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/repo/.git", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.path + "/repo/inventory", withIntermediateDirectories: true)
        #expect(SecretReader.repository(containing: scratch.path + "/repo/inventory") == scratch.path + "/repo")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: scratch.path + "/key"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: scratch.path + "/repo/key"))
        let reader = SecretReader(store: nil, identities: [], environment: [:], repository: scratch.path + "/repo")
        #expect(try reader.read(.file(scratch.path + "/key")) == Data([1, 2, 3]))
        #expect {
            try reader.read(.file(scratch.path + "/repo/key"))
        } throws: { error in
            (error as? SecretError)?.message.hasPrefix(
                "\(scratch.path)/repo/key is inside the repository \(scratch.path)/repo, where a plaintext secret would be committed") == true
        }
        #expect(throws: SecretError.self) { try reader.read(.file(scratch.path + "/missing")) }
    }

    @Test func aStoreSecretWithoutAStoreSaysHowToMakeOne() {
        let reader = SecretReader(store: nil, identities: [], environment: [:], repository: nil)
        #expect {
            try reader.read(.stored("db"))
        } throws: { error in
            (error as? SecretError)?.message.contains("the inventory names no secret store") == true
        }
    }

    @Test func theUsersKeys() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/.ssh", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: scratch.path + "/.ssh/id_rsa"))
        #expect(SecretReader.identities(environment: ["HOME": scratch.path], inventory: nil) == [scratch.path + "/.ssh/id_rsa"])
        #expect(SecretReader.identities(environment: ["HOME": scratch.path, "CONVERGE_IDENTITY": "/a:/b"], inventory: nil) == ["/a", "/b"])
    }
}
