import Facts
import Foundation
import Resources
import Testing

@testable import Planner

/// The SHA-256 of every secret file converge writes is recorded on the host itself, so that
/// a drift sweep on any controller, without the secrets, judges the files alike.
@Suite struct SecretDigestRecordTests {
    let token = File("/etc/app/token", content: .secret(.environment("APP_TOKEN")), mode: 0o600)
    let secrets = SecretValues([.environment("APP_TOKEN"): Data("token".utf8)])
    let tokenSHA = sha256Hex(Data("token".utf8))

    func file(_ sha256: String) -> PathState {
        PathState(kind: .file, mode: 0o600, uid: 0, gid: 0, owner: "root", group: "root", size: 5, sha256: sha256)
    }

    @Test func aWrittenSecretFileIsRecordedByItsStep() throws {
        let plan = try Planner.plan(host: "web1", resources: [token], state: HostState(), secrets: secrets)
        #expect(plan.changes.count == 1)
        let commands = try ShellCommands.commands(for: plan.changes[0].operation, secrets: secrets)
        let record = SecretDigestRecord.path(of: "/etc/app/token")
        #expect(record == "/var/lib/converge/secret-digests/\(sha256Hex(Data("/etc/app/token".utf8))).sha256")
        #expect(commands.hasSuffix(
            "mkdir -p /var/lib/converge/secret-digests && chmod 0700 /var/lib/converge/secret-digests"
                + " && printf '%s  %s\\n' \(tokenSHA) '/etc/app/token' > '\(record)'.new && mv -f '\(record)'.new '\(record)'"))
    }

    @Test func aRightFileWithoutARecordGetsOneAndARecordedOneNothing() throws {
        var state = HostState(paths: ["/etc/app/token": file(tokenSHA)])
        let unrecorded = try Planner.plan(host: "web1", resources: [token], state: state, secrets: secrets)
        #expect(unrecorded.changes.map(\.operation) == [.recordSecretDigest(path: "/etc/app/token")])
        #expect(unrecorded.changes.map(\.reason) == ["its digest is not recorded on the host"])
        // Worked out on the host: the plan holds no unkeyed hash of the secret.
        let commands = try ShellCommands.commands(for: unrecorded.changes[0].operation, secrets: secrets)
        #expect(commands.hasPrefix("converge_sum=$(sha256sum < '/etc/app/token') && ") && !commands.contains(tokenSHA))
        #expect(commands.contains("printf '%s  %s\\n' \"${converge_sum%% *}\" '/etc/app/token' > "))

        let record = sha256Hex(Data(SecretDigestRecord.content(of: "/etc/app/token", sha256: tokenSHA).utf8))
        state.paths[SecretDigestRecord.path(of: "/etc/app/token")] = file(record)
        #expect(try Planner.plan(host: "web1", resources: [token], state: state, secrets: secrets).isEmpty)
        // A record of other content is made again.
        state.paths[SecretDigestRecord.path(of: "/etc/app/token")] = file(String(repeating: "0", count: 64))
        #expect(try Planner.plan(host: "web1", resources: [token], state: state, secrets: secrets).changes.map(\.reason)
            == ["its recorded digest is another file's"])
    }

    @Test func theHostsRecordsAreReadAsSha256sumLines() throws {
        let fact = SecretDigestsFact()
        #expect(fact.parse("\(tokenSHA)  /etc/app/token\n\(tokenSHA)  /etc/my file\n")
            == ["/etc/app/token": tokenSHA, "/etc/my file": tokenSHA])
        #expect(fact.parse("").isEmpty)
        // A damaged record is none: the sweep goes on.
        #expect(fact.parse("garbage\n  /etc/x\n\(tokenSHA)  /etc/app/token\n") == ["/etc/app/token": tokenSHA])
    }
}
