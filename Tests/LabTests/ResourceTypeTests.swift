import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// Resource types beyond files, packages and services, applied to one host of each release.
    @Suite("resource types on lab hosts")
    struct ResourceTypeTests {
        /// An inventory of one host per release with `role` and `vars`.
        static func inventory(role: String = "kernel", vars: [String: Any], in scratch: TemporaryDirectory) throws -> String {
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Lab.inventory))) as! [String: Any]
            document["groups"] = [role: ["roles": [role], "vars": vars]]
            document["hosts"] = Lab.onePerRelease.map { ["name": $0.name, "address": $0.address, "groups": [role]] }
            let path = scratch.path + "/\(role).json"
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
            return path
        }

        static func converge(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let result = try run([Lab.labBinary.path] + arguments)
            return (result.status, result.stdout + result.stderr)
        }

        @discardableResult
        static func shell(_ command: String, on host: LabHost) async throws -> String {
            let connection = try await Lab.connect(host)
            let result = try await connection.run(command)
            await connection.close()
            return result.stdoutText
        }

        @Test("Sysctl keeps a setting in /etc/sysctl.d and sets the running kernel; a second run changes nothing")
        func sysctlPersistsAndApplies() async throws {
            let scratch = try TemporaryDirectory()
            let path = try Self.inventory(
                vars: ["sysctl": ["net.core.somaxconn": 2048, "net.ipv4.ip_local_port_range": "20000 61000"]], in: scratch)
            let plan = try Self.converge(["plan", path])
            #expect(plan.status == 2, "\(plan.output)")
            #expect(plan.output.contains("sysctl:net.core.somaxconn"), "\(plan.output)")
            let applied = try Self.converge(["apply", path])
            #expect(applied.status == 0, "\(applied.output)")
            for host in Lab.onePerRelease {
                let seen = try await Self.shell(
                    "cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/ip_local_port_range /etc/sysctl.d/60-net.core.somaxconn.conf",
                    on: host)
                #expect(seen == "2048\n20000\t61000\n# Managed by converge.\nnet.core.somaxconn = 2048\n", "\(host.name)")
            }
            let settled = try Self.converge(["plan", path])
            #expect(settled.status == 0, "\(settled.output)")
            for host in Lab.onePerRelease {
                try await Self.shell("rm -f /etc/sysctl.d/60-net.core.somaxconn.conf /etc/sysctl.d/60-net.ipv4.ip_local_port_range.conf", on: host)
            }
        }

        @Test("a setting a container's kernel refuses fails its step, naming it")
        func sysctlRefusedInAContainer() async throws {
            let scratch = try TemporaryDirectory()
            let path = try Self.inventory(vars: ["sysctl": ["vm.swappiness": 10]], in: scratch)
            let applied = try Self.converge(["apply", path])
            #expect(applied.status == 1, "\(applied.output)")
            for host in Lab.onePerRelease {
                let lines = RunLog.lines(of: host.name, in: applied.output).joined(separator: "\n")
                #expect(lines.contains("the kernel refused vm.swappiness = 10: Read-only file system"), "\(applied.output)")
                try await Self.shell("rm -f /etc/sysctl.d/60-vm.swappiness.conf", on: host)
            }
        }

        @Test("AuthorizedKeys lets a user log in with its key; added keys keep a hand-added one, exclusive keys remove it")
        func authorizedKeysLogIn() async throws {
            let scratch = try TemporaryDirectory()
            var publicKeys: [String] = []
            for name in ["first", "second"] {
                let keygen = try run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "\(name)@lab", "-f", scratch.path + "/" + name])
                try #require(keygen.status == 0, "\(keygen.stderr)")
                publicKeys.append(try String(contentsOfFile: scratch.path + "/\(name).pub", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let first = try Self.inventory(
                role: "logins", vars: ["logins": [["name": "keyed", "keys": [publicKeys[0]]]]], in: scratch)
            let applied = try Self.converge(["apply", first])
            #expect(applied.status == 0, "\(applied.output)")
            let hand = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHandAddedKeyHandAddedKeyHandAddedKey00 hand@added"
            for host in Lab.onePerRelease {
                let connection = try await Lab.connect(host, Lab.options(user: "keyed", identityFiles: [scratch.path + "/first"]))
                let whoami = try await connection.run("id -un; stat -c '%a %U' ~/.ssh ~/.ssh/authorized_keys")
                await connection.close()
                #expect(whoami.stdoutText == "keyed\n700 keyed\n600 keyed\n", "\(host.name)")
                try await Self.shell("echo '\(hand)' >> /home/keyed/.ssh/authorized_keys", on: host)
            }

            let added = try Self.inventory(
                role: "logins", vars: ["logins": [["name": "keyed", "keys": publicKeys, "exclusive": false]]], in: scratch)
            #expect(try Self.converge(["apply", added]).status == 0)
            for host in Lab.onePerRelease {
                let keys = try await Self.shell("cat /home/keyed/.ssh/authorized_keys", on: host)
                #expect(keys == publicKeys[0] + "\n" + hand + "\n" + publicKeys[1] + "\n", "\(host.name)")
            }
            #expect(try Self.converge(["plan", added]).status == 0)

            let exclusive = try Self.inventory(
                role: "logins", vars: ["logins": [["name": "keyed", "keys": [publicKeys[1]]]]], in: scratch)
            let plan = try Self.converge(["plan", exclusive])
            #expect(plan.output.contains("-" + hand), "\(plan.output)")
            #expect(try Self.converge(["apply", exclusive]).status == 0)
            for host in Lab.onePerRelease {
                #expect(try await Self.shell("cat /home/keyed/.ssh/authorized_keys", on: host) == publicKeys[1] + "\n", "\(host.name)")
                try await Self.shell("userdel -r keyed 2>/dev/null || true", on: host)
            }
        }
    }
}
