import Facts
import Fleet
import Foundation
import Testing
import TestSupport
@testable import SSH

extension LabSuite {
    @Suite("Role facts on lab hosts")
    struct RoleFactsLabTests {
        /// What roles see of each release's host, against what the host's own tools say:
        /// `nproc`, `/proc/meminfo`, and the address converge reached it at.
        @Test("memory, CPUs, interfaces, mounts and virtualization as the host's tools tell them",
              arguments: Lab.onePerRelease)
        func roleFactsMatchTheHostsTools(host: LabHost) async throws {
            let connection = try await Lab.sharedConnection(host)
            var probe = FactProbe()
            let keys = RoleFacts.add(to: &probe)
            let run = try await connection.run("/bin/sh -s", input: Data(probe.script.utf8), timeout: .seconds(30))
            let facts = try keys.roleFacts(from: probe.results(from: run.stdoutText))
            #expect(facts.isComplete)
            #expect(facts.codename == host.release)

            let tools = try await connection.run("nproc; sed -n 's/^MemTotal: *\\([0-9]*\\) kB$/\\1/p' /proc/meminfo")
            let lines = tools.stdoutText.split(separator: "\n")
            #expect(facts.cpuCount == Int(lines[0]))
            #expect(facts.memoryBytes == Int(lines[1])! * 1024)
            // The lab's hosts are systemd-nspawn containers on a /16 bridge.
            #expect(facts.virtualization == "systemd-nspawn" && facts.isContainer)
            let eth0 = facts.interfaces?.first { interface in interface.addresses.contains { $0.address == host.address } }
            #expect(eth0?.addresses.first { $0.address == host.address }?.prefixLength == 16)
            #expect(facts.mounts?.contains { $0.mountPoint == "/" && $0.sizeBytes > 0 } == true)

            // The cheap probe a cached run sends agrees on what it reads.
            var cheap = FactProbe()
            let cheapKeys = RoleFacts.add(to: &cheap, details: false)
            let cheapRun = try await connection.run("/bin/sh -s", input: Data(cheap.script.utf8), timeout: .seconds(30))
            let cheapFacts = try cheapKeys.roleFacts(from: cheap.results(from: cheapRun.stdoutText))
            #expect(cheapFacts.interfaces == nil && cheapFacts.mounts == nil)
            #expect(facts.hasSameStableFacts(as: cheapFacts))
        }
    }
}
