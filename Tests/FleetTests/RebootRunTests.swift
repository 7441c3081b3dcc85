import Fleet
import Foundation
import Inventory
import Planner
import Resources
import Testing

/// A ``Reboot`` applied by ``FleetApply`` to a fake host (``FakeConnection``): the script up
/// to the reboot, the wait for another boot ID, and a second script with the rest.
@Suite struct RebootRunTests {
    static let role = Role("kernel") { host in
        File("/etc/motd", content: "hello\n", notifies: [.reboot("kernel")])
        Reboot("kernel", timeout: host.vars["timeout"].intValue ?? 600)
        File("/etc/after", content: "rebooted\n", requires: [.reboot("kernel")])
    }

    /// web1 with the role, and its fake host: both files missing, no reboot pending.
    static func fleet(timeout: Int) throws -> OneHostFleet {
        let host = FakeConnection(host: "web1", release: .bookworm)
        host.answer(.contains("converge_paths()"), with: .output(""))
        host.answer(.contains("/var/run/reboot-required"), with: .output(""))
        let text = #"{"hosts": [{"name": "web1", "address": "192.0.2.10", "roles": ["kernel"], "vars": {"timeout": \#(timeout)}}]}"#
        return try OneHostFleet(inventory: text, host: host, playbook: Playbook([role]))
    }

    @Test func theHostRebootsAndTheRestRunsAfter() async throws {
        let fleet = try Self.fleet(timeout: 600)
        let before = fleet.host.bootID
        let (result, events) = await fleet.apply()
        #expect(result.report.hosts.map(\.status) == [.changed], "\(result.report)")
        #expect(fleet.host.reboots == 1 && fleet.host.bootID != before)
        #expect(fleet.host.appliedSteps == ["file:/etc/motd", "reboot:kernel", "file:/etc/after"])
        #expect(fleet.host.commands.filter { $0 == "apply" }.count == 2)
        #expect(FleetRunnerTests.story(of: "web1", in: events) == [
            "started", "connect", "facts", "plan", "planned 3", "apply", "step file:/etc/motd ok", "step reboot:kernel ok",
            "reboot", "apply", "step file:/etc/after ok", "applied", "finished changed",
        ])
        let notes = events.compactMap { if case .note("web1", let text) = $0 { text } else { nil } }
        #expect(notes.count == 2 && notes[0] == "reboot:kernel: rebooting; waiting up to 600 s for it to come back")
        #expect(notes.last?.hasPrefix("reboot:kernel: back after ") == true)
        #expect(result.hosts[0].value?.result?.succeeded == true)
    }

    @Test func aHostThatDoesNotComeBackFailsNamingTheReboot() async throws {
        let fleet = try Self.fleet(timeout: 1)
        // Its boot ID never changes: the reboot never happened.
        fleet.host.answer(.exact("cat /proc/sys/kernel/random/boot_id"), with: .output(fleet.host.bootID + "\n"))
        let (result, _) = await fleet.apply()
        let report = try #require(result.report.hosts.first)
        #expect(report.status == .unreachable)
        #expect(report.failure?.phase == "reboot")
        #expect(report.failure?.message == "reboot:kernel: the host did not come back within 1 s after the reboot; last try: "
            + "it still ran the boot it had before the reboot (boot ID 00000000-0000-4000-8000-000000000001)")
        // What ran before the reboot is told; the file after it never was written.
        #expect(result.hosts[0].value?.result?.outcomes == [.succeeded, .succeeded, .unknown])
        #expect(fleet.host.appliedSteps == ["file:/etc/motd", "reboot:kernel"])
    }
}
