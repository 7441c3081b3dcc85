import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// Resource types beyond files, packages and services, applied to one host of each release.
    @Suite("resource types on lab hosts")
    struct ResourceTypeTests {
        /// An inventory of one host per release with the `kernel` role and `vars`.
        static func inventory(vars: [String: Any], in scratch: TemporaryDirectory) throws -> String {
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Lab.inventory))) as! [String: Any]
            document["groups"] = ["kernel": ["roles": ["kernel"], "vars": vars]]
            document["hosts"] = Lab.onePerRelease.map { ["name": $0.name, "address": $0.address, "groups": ["kernel"]] }
            let path = scratch.path + "/kernel.json"
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
    }
}
