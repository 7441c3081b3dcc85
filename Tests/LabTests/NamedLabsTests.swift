import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// Labs side by side, by name, as `converge lab` boots them for a team: each its own
    /// network and state, so that stopping or removing one leaves the other as it was.
    @Suite("Named labs")
    struct NamedLabsTests {
        @Test("two named labs of the same inventory run side by side without touching each other")
        func twoLabsSideBySide() throws {
            let scratch = try TemporaryDirectory()
            let inventory = scratch.path + "/box.json"
            try """
                {
                  "hosts": [ { "name": "box", "address": "192.0.2.10", "groups": ["app"], "vars": { "release": "bookworm" } } ]
                }

                """.write(toFile: inventory, atomically: true, encoding: .utf8)
            let converge = Lab.labBinary.path
            func lab(_ arguments: [String]) throws -> ProcessRun { try run([converge, "lab"] + arguments) }
            defer {
                _ = try? lab(["down", "--name", "alice"])
                _ = try? lab(["down", "--name", "bob"])
            }
            let alice = try lab(["up", inventory, "--name", "alice"])
            try #require(alice.status == 0, "\(alice.stdout)\(alice.stderr.suffix(3000))")
            let bob = try lab(["up", inventory, "--name", "bob", "--publish", "127.0.0.1:18022:box:22"])
            try #require(bob.status == 0, "\(bob.stdout)\(bob.stderr.suffix(3000))")

            // One host name and address in the inventory; two hosts on two networks.
            let aliceAddress = try #require(Self.address(in: alice.stdout)), bobAddress = try #require(Self.address(in: bob.stdout))
            #expect(aliceAddress != bobAddress)
            #expect(aliceAddress.hasSuffix(".2.10") && bobAddress.hasSuffix(".2.10"))
            #expect(alice.stdout.contains("inventory \(scratch.path)/box.lab-alice.json"))
            #expect(FileManager.default.fileExists(atPath: scratch.path + "/box.lab-bob.json"))
            let listed = try lab(["list"])
            #expect(listed.stdout.contains("alice\t"), "\(listed.stdout)")
            #expect(listed.stdout.contains("bob\t"), "\(listed.stdout)")
            // bob's published port reaches bob's host's sshd.
            #expect(try Self.banner(port: 18022).hasPrefix("SSH-2.0-"))

            // Stopping alice's host leaves bob's running.
            #expect(try lab(["stop", "box", "--name", "alice"]).status == 0)
            let aliceStatus = try lab(["status", "--name", "alice"]).stdout
            let bobStatus = try lab(["status", "--name", "bob"]).stdout
            #expect(aliceStatus.contains("stopped"), "\(aliceStatus)")
            #expect(bobStatus.contains("running   up    ok"), "\(bobStatus)")
            #expect(bobStatus.contains("published 127.0.0.1:18022 -> \(bobAddress):22 (running)"), "\(bobStatus)")

            // Removing alice's lab leaves bob's up, and frees alice's name.
            #expect(try lab(["down", "--name", "alice"]).status == 0)
            #expect(try lab(["status", "--name", "bob"]).stdout.contains("running   up    ok"))
            #expect(try lab(["status", "--name", "alice"]).status != 0)
            #expect(try lab(["down", "--name", "bob"]).status == 0)
            // Its forwarder went with it.
            #expect(throws: (any Error).self) { try Self.banner(port: 18022) }
        }

        /// `box  192.0.2.10 -> 10.N.2.10 ...` in up's mapping.
        static func address(in output: String) -> String? {
            output.split(separator: "\n").first { $0.hasPrefix("box") }?
                .split(separator: " ").first { $0.hasPrefix("10.") }.map(String.init)
        }

        /// The first bytes a TCP server on this machine's `port` sends.
        static func banner(port: Int) throws -> String {
            let result = try run(["/usr/bin/timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port) && head -c 8 <&3"])
            guard result.status == 0 else { throw LabTestFailure("no answer on port \(port): \(result.stderr)") }
            return result.stdout
        }
    }
}

struct LabTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
