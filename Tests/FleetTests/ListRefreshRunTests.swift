import Facts
import Fleet
import Foundation
import Inventory
import Planner
import Resources
import Testing

/// A host whose apt lists could not be refreshed before it was planned (a proxy failing
/// for a moment): its plan refreshes them as a step, and the apply plans it again, so that
/// the upgrades the refreshed lists offer are installed in the same run.
@Suite struct ListRefreshRunTests {
    static let role = Role("web") { _ in
        File("/etc/motd", content: "hello\n")
    }

    static let stale = "indexes 4\nstamp 1700000000\nnow 1800000000\n"
    static let fresh = "indexes 4\nstamp 1800000000\nnow 1800000060\n"

    /// What a bookworm host's apt said with 14 security upgrades pending.
    static func recordedPolicy() throws -> String {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FactsTests/Fixtures/bookworm")
        return try String(contentsOf: fixtures.appendingPathComponent("apt-policy"), encoding: .utf8)
    }

    static func fleet(refreshFails: Bool) throws -> OneHostFleet {
        let host = FakeConnection(host: "web1", release: .bookworm)
        host.answer(.contains("converge_paths()"), with: .output(""))
        host.answer(.contains("/var/run/reboot-required"), with: .output(""))
        // Lists a day old, from before the upgrades were published: nothing pending in them.
        host.answer(AptListsFact(), with: .output(stale))
        if refreshFails {
            host.answer(.contains("converge_deadline="), with: .failure(100, stderr: "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  503  Service Unavailable\n"))
        }
        let policy = try recordedPolicy()
        host.onStep("apt:update") { host in
            host.answer(AptListsFact(), with: .output(fresh))
            host.answer(AptPolicyFact(), with: .output(policy))
            host.answer(.contains("converge_deadline="), with: .output("fresh\n"))
        }
        return try OneHostFleet(inventory: #"{"hosts": [{"name": "web1", "address": "192.0.2.10", "roles": ["web"]}]}"#,
                                host: host, playbook: Playbook([role], upgrades: UpgradePolicies(default: .all)))
    }

    @Test func aFailedRefreshIsMadeByThePlanAndTheHostPlannedAgainAfterIt() async throws {
        let fleet = try Self.fleet(refreshFails: true)
        let (result, events) = await fleet.apply(refreshingStaleLists: true)
        #expect(result.report.hosts.map(\.status) == [.changed], "\(result.report)")
        let steps = fleet.host.appliedSteps
        #expect(steps.prefix(2) == ["apt:update", "file:/etc/motd"], "\(steps)")
        // The second plan's upgrades, seen only in the refreshed lists (the fake host's
        // motd is still missing to it: written again).
        #expect(steps.filter { $0 == "upgrades:all" }.count == 14 && steps.count == 17, "\(steps)")
        let notes = events.compactMap { if case .note("web1", let text) = $0 { text } else { nil } }
        #expect(notes.first == "apt's lists not refreshed before planning (apt-get update failed (exit status 100): "
            + "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  503  Service Unavailable): the plan refreshes them",
            "\(notes)")
        #expect(notes.contains("apt's lists refreshed: planning it again with them"), "\(notes)")
        #expect(FleetRunnerTests.story(of: "web1", in: events).filter { $0.hasPrefix("planned") } == ["planned 2", "planned 15"])
    }

    /// Lists refreshed before the facts: one plan, with the upgrades in it.
    @Test func aRefreshBeforePlanningNeedsNoSecondPlan() async throws {
        let fleet = try Self.fleet(refreshFails: false)
        // The refresh before planning succeeds: the host's apt sees the upgrades at once.
        fleet.host.answer(.contains("converge_deadline="), with: .output("refreshed\n"))
        fleet.host.answer(AptListsFact(), with: .output(Self.fresh))
        fleet.host.answer(AptPolicyFact(), with: .output(try Self.recordedPolicy()))
        let (result, events) = await fleet.apply(refreshingStaleLists: true)
        #expect(result.report.hosts.map(\.status) == [.changed], "\(result.report)")
        #expect(fleet.host.appliedSteps.count == 15 && !fleet.host.appliedSteps.contains("apt:update"))
        #expect(FleetRunnerTests.story(of: "web1", in: events).filter { $0.hasPrefix("planned") } == ["planned 15"])
    }
}
