import Facts
import Foundation
import Testing

@testable import Fleet

/// `converge facts`: each host's own facts and what its roles see, as a table and JSON.
@Suite struct FactsReportTests {
    @Test func showsTheHardwareRolesSee() async throws {
        let fleet = try FleetRunnerTests.Fleet(hosts: ["web1", "web2"], down: ["web2"], failing: [])
        let web1 = try #require(fleet.hosts["web1"])
        try RecordedHost.bookworm.answerHostFacts(on: web1)
        web1.answerHardware(memoryBytes: 4 << 30, cpuCount: 3, interfaces: [("eth0", ["192.0.2.10/24"])],
                            mounts: [("/", "ext4", 10 << 30, 4 << 30)], virtualization: "kvm")
        let result = await fleet.convergence.facts(of: fleet.inventory.hosts, with: FleetRunner())
        let report = FactsReport(result, hosts: fleet.inventory.hosts)

        let table = report.table().split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(table[0] == ["HOST", "ADDRESS", "RELEASE", "KERNEL", "ARCH", "MEMORY", "CPUS", "VIRT", "PACKAGES", "INIT", "TIME"])
        #expect(Array(table[1].prefix(2)) == ["web1", "192.0.2.10"])
        #expect(table[1].contains("4.0") && table[1].contains("GiB") && table[1].contains("3") && table[1].contains("kvm"))
        #expect(table[2].prefix(3) == ["web2", "192.0.2.11", "unreachable:"])

        let document = try #require(JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as? [String: Any])
        let hosts = try #require(document["hosts"] as? [[String: Any]])
        let roles = try #require((hosts[0]["facts"] as? [String: Any])?["roles"] as? [String: Any])
        #expect(roles["memoryBytes"] as? Int == 4 << 30)
        #expect(roles["cpuCount"] as? Int == 3)
        #expect(roles["virtualization"] as? String == "kvm")
        #expect((roles["interfaces"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.contains("eth0") == true)
        #expect(hosts[1]["ok"] as? Bool == false)
    }
}
