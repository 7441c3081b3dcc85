import Facts
import Fleet
import Foundation
import Inventory
import Planner
import Resources
import Testing

/// A host behind its target release, converged by ``FleetApply`` on a fake host: the step,
/// the reboot, then its roles planned again with the new release's facts, in one run.
@Suite struct ReleaseUpgradeRunTests {
    /// What PHP the role wants depends on the release, as the reference web role's does.
    static let role = Role("web") { host in
        File("/etc/php-version", content: host.codename == "bookworm" ? "8.2\n" : "7.4\n")
    }

    static let simulation = """
        inst libc6 [2.31-13+deb11u14] (2.36-9+deb12u14 Debian:12.15/oldstable [amd64])
        remv php7.4-fpm [7.4.33-1+deb11u12]
        download 81.2 MB
        additional 104 MB
        df overlay 72112880 /
        df overlay 72112880 /

        """

    static func fleet(held: String = "", release: FakeConnection.Release = .bullseye, target: String = "bookworm",
                      simulation: String = simulation) throws -> OneHostFleet {
        let host = FakeConnection(host: "web1", release: release)
        host.answer(.contains("converge-release."), with: .output(simulation))
        host.answer(HeldPackagesFact(), with: .output(held))
        host.answer(.contains("converge_paths()"), with: .output(""))
        host.answer(.contains("/var/run/reboot-required"), with: .output(""))
        // The step's reboot brings the host up on bookworm.
        host.onReboot { $0.answerRelease(.bookworm) }
        let text = #"{"hosts": [{"name": "web1", "address": "192.0.2.10", "roles": ["web"], "vars": {"release": "\#(target)"}}]}"#
        return try OneHostFleet(inventory: text, host: host, playbook: Playbook([role], upgrades: UpgradePolicies(default: .none)))
    }

    @Test func theStepRebootsThenTheRolesArePlannedOnTheNewRelease() async throws {
        let fleet = try Self.fleet()
        let (result, events) = await fleet.apply()
        #expect(result.report.hosts.map(\.status) == [.changed], "\(result.report)")
        #expect(result.report.hosts.first?.changes == 3)
        #expect(fleet.host.reboots == 1)
        #expect(fleet.host.appliedSteps == ["release:bookworm", "reboot:release", "file:/etc/php-version"])
        #expect(FleetRunnerTests.story(of: "web1", in: events) == [
            "started", "connect", "facts", "plan", "planned 2", "apply", "step release:bookworm ok", "step reboot:release ok",
            "reboot", "applied", "connect", "facts", "plan", "planned 1", "apply", "step file:/etc/php-version ok", "applied",
            "finished changed",
        ])
        let notes = events.compactMap { if case .note("web1", let text) = $0 { text } else { nil } }
        #expect(notes.contains("now on bookworm: planning it again with its new facts"), "\(notes)")
        // The file the roles wrote is bookworm's.
        let planned = events.compactMap { if case .planned("web1", let plan) = $0 { plan } else { nil } }
        #expect(planned.last?.changes.first?.content?.newText == "8.2\n")
    }

    @Test func aBlockedStepChangesNothing() async throws {
        let fleet = try Self.fleet(held: "php7.4-fpm\n")
        let (result, _) = await fleet.apply()
        let report = try #require(result.report.hosts.first)
        #expect(report.status == .failed)
        #expect(report.failure?.message.contains("release:bookworm: the upgrade from bullseye to bookworm is blocked, and nothing was changed: held packages php7.4-fpm") == true,
                "\(report.failure?.message ?? "")")
        #expect(fleet.host.appliedSteps.isEmpty && !fleet.host.commands.contains("apply"))
    }

    /// What the simulation printed, as recorded in the facts' fixtures.
    static func recorded(_ name: String) throws -> String {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FactsTests/Fixtures/release-upgrades")
        return try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    @Test(arguments: [
        ("jessie", "8", "8.11", "buster", "jessie-to-stretch",
         "jessie → stretch: 20 upgraded, 2 installed, 2 removed, 187 MB to download, then apt's autoremove; the roles are planned again on stretch after the reboot; then buster, each once the one before is done"),
        ("stretch", "9", "9.13", "buster", "stretch-to-buster",
         "stretch → buster: 17 upgraded, 2 installed, 1 removed, 121 MB to download, then apt's autoremove; the roles are planned again on buster after the reboot"),
    ])
    func oldReleasesArePlannedFromTheirRecordedSimulations(codename: String, version: String, point: String, target: String,
                                                           fixture: String, reason: String) async throws {
        let fleet = try Self.fleet(release: .init(codename: codename, version: version, pointRelease: point), target: target,
                                   simulation: try Self.recorded(fixture))
        let host = try #require(fleet.inventory.hosts.first)
        let planned = try await fleet.convergence.plan(host)
        let step = try #require(planned.plan.changes.first)
        #expect(step.reason == reason)
        #expect(step.fields.contains { $0.field == "libc6" && $0.new?.hasPrefix(codename == "jessie" ? "2.24-" : "2.28-") == true })
        // Both next releases are archived: their sources move to archive.debian.org, whose
        // Release files have expired.
        let script = try fleet.convergence.script(for: planned).text
        #expect(script.contains("http://archive.debian.org/debian/") && script.contains("Acquire::Check-Valid-Until"))
        await planned.connection.close()
    }
}
