import Foundation
import Testing
import TestSupport
@testable import SSH

extension LabSuite {
    @Suite("Connecting, host keys and authentication against lab hosts")
    struct ConnectionTests {
        @Test("every lab host is trusted through the known_hosts file OpenSSH wrote (hashed and plain entries)")
        func knownHostsWrittenByOpenSSH() async throws {
            for host in Lab.hosts {
                let connection = try await Lab.connect(host)
                #expect(connection.hostKey.typeName == "ssh-ed25519", "\(host): negotiated \(connection.hostKey.typeName)")
            }
        }

        @Test("a host OpenSSH trusts with only its ED25519 key is trusted too (hashed or plain)",
              arguments: [false, true])
        func onlyEd25519Recorded(hashed: Bool) async throws {
            let scratch = try TemporaryDirectory()
            let file = "\(scratch.path)/known_hosts"
            for host in Lab.onePerRelease {
                // Exactly what a first `ssh` to the host records: the key type OpenSSH prefers, nothing else.
                try controller(["ssh", "-F", "/dev/null", "-i", Lab.privateKey, "-o", "BatchMode=yes",
                                "-o", "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile=\(file)",
                                "-o", "HashKnownHosts=\(hashed ? "yes" : "no")", "root@\(host.address)", "true"])
            }
            let recorded = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            #expect(recorded.count == Lab.onePerRelease.count)
            #expect(recorded.allSatisfy { $0.contains("ssh-ed25519") && $0.hasPrefix("|1|") == hashed })
            for host in Lab.onePerRelease {
                let connection = try await Lab.connect(host, Lab.options(policy: .strict, knownHosts: file))
                #expect(connection.hostKey.typeName == "ssh-ed25519", "\(host)")
            }
        }

        /// The fingerprint OpenSSH computes for the host's ED25519 key.
        private func opensshFingerprint(_ host: LabHost) throws -> String {
            let scanned = try controller(["ssh-keyscan", "-t", "ed25519", host.address])
            let listed = try controller(["ssh-keygen", "-l", "-f", "-"], input: scanned)
            return String(listed.split(separator: " ")[1])
        }

        @Test("an unknown host key is refused under strict, with the fingerprint ssh shows")
        func unknownKeyStrict() async throws {
            let scratch = try TemporaryDirectory()
            let host = Lab.first
            let expected = try opensshFingerprint(host)
            await #expect {
                _ = try await Lab.connect(host, Lab.options(knownHosts: "\(scratch.path)/known_hosts"))
            } throws: { error in
                let error = error as! SSHError
                return error.kind == .unknownHostKey && error.phase == .hostKey && error.host == host.name
                    && error.message.contains(expected) && error.message.contains("ED25519")
            }
            #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/known_hosts"))
        }

        @Test("accept-new records an unknown key that strict then trusts, and OpenSSH reads")
        func acceptNewRecords() async throws {
            let scratch = try TemporaryDirectory()
            let file = "\(scratch.path)/sub/known_hosts"
            let host = Lab.first
            _ = try await Lab.connect(host, Lab.options(policy: .acceptNew, knownHosts: file))
            let connection = try await Lab.connect(host, Lab.options(policy: .strict, knownHosts: file))
            #expect(try await connection.run("true").succeeded)
            let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 1)
            // OpenSSH agrees with what was recorded.
            let found = try controller(["ssh-keygen", "-F", host.address, "-f", file])
            #expect(found.contains("ssh-ed25519"))
        }

        /// A known_hosts file claiming the host has some other ED25519 key.
        private func impostorKnownHosts(for host: LabHost, in scratch: TemporaryDirectory) throws -> String {
            let other = try scratch.makeKey(type: "ed25519", name: "impostor")
            let publicKey = try String(contentsOfFile: other + ".pub", encoding: .utf8).split(separator: " ")
            let file = "\(scratch.path)/known_hosts"
            try "\(host.address) \(publicKey[0]) \(publicKey[1])\n".write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        @Test("a changed host key is refused under strict and under accept-new",
              arguments: [HostKeyPolicy.strict, .acceptNew])
        func changedKey(policy: HostKeyPolicy) async throws {
            let scratch = try TemporaryDirectory()
            let host = Lab.first
            let file = try impostorKnownHosts(for: host, in: scratch)
            let before = try String(contentsOfFile: file, encoding: .utf8)
            await #expect {
                _ = try await Lab.connect(host, Lab.options(policy: policy, knownHosts: file))
            } throws: { error in
                let error = error as! SSHError
                return error.kind == .changedHostKey && error.message.contains("CHANGED") && error.message.contains("SHA256:")
            }
            #expect(try String(contentsOfFile: file, encoding: .utf8) == before, "known_hosts must not change")
        }

        @Test("a pinned fingerprint is accepted when it matches and refused when it does not")
        func pinnedFingerprint() async throws {
            let scratch = try TemporaryDirectory()
            let host = Lab.first
            let fingerprint = try opensshFingerprint(host)
            let pinned = Lab.options(policy: .pinned(fingerprint: fingerprint), knownHosts: "\(scratch.path)/none")
            #expect(try await Lab.connect(host, pinned).hostKey.fingerprint == fingerprint)

            let wrong = Lab.options(policy: .pinned(fingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                                    knownHosts: "\(scratch.path)/none")
            await #expect {
                _ = try await Lab.connect(host, wrong)
            } throws: { error in
                (error as! SSHError).kind == .changedHostKey && (error as! SSHError).message.contains(fingerprint)
            }
        }

        @Test("a wrong private key is refused with a clear error")
        func wrongKey() async throws {
            let scratch = try TemporaryDirectory()
            let key = try scratch.makeKey(type: "ed25519", name: "stranger")
            await #expect {
                _ = try await Lab.connect(Lab.first, Lab.options(identityFiles: [key]))
            } throws: { error in
                let error = error as! SSHError
                return error.kind == .authenticationFailed && error.phase == .authentication
                    && error.message.contains(key) && error.message.contains("refused")
            }
        }

        @Test("password login works with the right password and is refused with a wrong one")
        func passwords() async throws {
            let good = try await Lab.connect(Lab.first, Lab.options(identityFiles: [], password: Lab.rootPassword))
            #expect(try await good.run("id -un").stdoutText == "root\n")
            await #expect {
                _ = try await Lab.connect(Lab.first, Lab.options(identityFiles: [], password: "not the password"))
            } throws: { error in
                let error = error as! SSHError
                return error.kind == .authenticationFailed && error.message.contains("password: refused")
            }
        }

        @Test("ed25519, ecdsa and rsa keys, a passphrase-protected key and the agent all log in",
              arguments: Lab.onePerRelease)
        func keyTypes(host: LabHost) async throws {
            let scratch = try TemporaryDirectory()
            let ecdsa = try scratch.makeKey(type: "ecdsa", name: "ecdsa")
            let rsa = try scratch.makeKey(type: "rsa", name: "rsa")
            let protected = try scratch.makeKey(type: "ed25519", name: "protected", passphrase: "correct horse")
            let admin = try await Lab.connect(host)
            let keys = try [ecdsa, rsa, protected].map { try String(contentsOfFile: $0 + ".pub", encoding: .utf8) }.joined()
            _ = try await admin.run("id -u tester >/dev/null 2>&1 || useradd -m -s /bin/sh tester; mkdir -p ~tester/.ssh; cat > ~tester/.ssh/authorized_keys; chown -R tester ~tester/.ssh",
                                    input: Data(keys.utf8))

            let connection = try await Lab.connect(host, Lab.options(user: "tester", identityFiles: [ecdsa]))
            #expect(try await connection.run("id -un").stdoutText == "tester\n")

            // libssh2 1.10 signs with RSA/SHA-1 only: bullseye's OpenSSH 8.4 takes it, 8.8 and later refuse
            // it, and the error says why. (Debian 8 and 9 run OpenSSH 6.7 and 7.4, which take it.)
            let rsaOptions = Lab.options(user: "tester", identityFiles: [rsa])
            if host.release == "bullseye" {
                #expect(try await Lab.connect(host, rsaOptions).run("id -un").stdoutText == "tester\n")
            } else {
                await #expect {
                    _ = try await Lab.connect(host, rsaOptions)
                } throws: { error in
                    (error as! SSHError).message.contains("signs RSA keys with SHA-1, which OpenSSH 8.8 and later refuse")
                }
            }
            let unlocked = try await Lab.connect(host, Lab.options(user: "tester", identityFiles: [protected],
                                                                   passphrase: "correct horse"))
            #expect(try await unlocked.run("id -un").stdoutText == "tester\n")
            await #expect(throws: SSHError.self, "a wrong passphrase must not log in") {
                _ = try await Lab.connect(host, Lab.options(user: "tester", identityFiles: [protected], passphrase: "wrong"))
            }

            // The agent holds the ecdsa key; no key file is given.
            let socket = "\(scratch.path)/agent.sock"
            let agent = Process()
            agent.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
            agent.arguments = ["-D", "-a", socket]
            // Its own output: an agent holding the test runner's stdout open would keep `swift test` waiting.
            agent.standardOutput = FileHandle.nullDevice
            agent.standardError = FileHandle.nullDevice
            try agent.run()
            defer {
                kill(agent.processIdentifier, SIGKILL)
                agent.waitUntilExit()
            }
            for _ in 0..<50 where !FileManager.default.fileExists(atPath: socket) { try await Task.sleep(for: .milliseconds(20)) }
            try controller(["ssh-add", ecdsa], environment: ["SSH_AUTH_SOCK": socket])
            let viaAgent = try await Lab.connect(host, Lab.options(user: "tester", identityFiles: [], agentSocket: socket))
            #expect(try await viaAgent.run("id -un").stdoutText == "tester\n")
        }

        @Test("an address where nothing listens fails within the timeout")
        func nothingListens() async throws {
            let clock = ContinuousClock()
            // An unused lab address: the bridge answers for the subnet but no host owns it.
            let silent = SSHTarget(name: "ghost", address: "\(Lab.network).255.254", port: 22)
            let started = clock.now
            await #expect {
                _ = try await SSHConnection.connect(to: silent, options: Lab.options(timeout: .seconds(2)))
            } throws: { error in
                let error = error as! SSHError
                return error.host == "ghost" && error.phase == .connect && [.timedOut, .unreachable].contains(error.kind)
            }
            #expect(clock.now - started < .seconds(3))

            // A live host with a closed port is refused at once.
            let closed = Lab.target(Lab.first, port: 2)
            let refusedAt = clock.now
            await #expect {
                _ = try await SSHConnection.connect(to: closed, options: Lab.options(timeout: .seconds(5)))
            } throws: { error in
                (error as! SSHError).kind == .unreachable && (error as! SSHError).message.contains("refused")
            }
            #expect(clock.now - refusedAt < .seconds(1))
        }
    }
}
