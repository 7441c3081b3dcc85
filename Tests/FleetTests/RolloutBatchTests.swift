import Foundation
import Inventory
import Resources
import Testing

@testable import Fleet

/// A rollout's batches as counts or shares of a group, groups in their order, failures
/// allowed as counts or shares, and the pause between batches: the runner alone, with work
/// that needs no host.
@Suite struct RolloutBatchTests {
    static func hosts(_ count: Int) throws -> [Inventory.Host] {
        let entries = (1...count).map { #"{"name": "web\#($0)", "address": "192.0.2.\#($0)", "groups": ["web"]}"# }
        let text = #"{"groups": {"web": {"roles": []}}, "hosts": [\#(entries.joined(separator: ", "))]}"#
        return try Inventory.parse(Data(text.utf8), file: "inventory/test.json", baseDirectory: "/nonexistent").hosts
    }

    @Test func aCountOrAShareOfTheHosts() {
        #expect(HostCount("3") == .count(3) && HostCount("20%") == .percent(20) && HostCount("100%") == .percent(100))
        for bad in ["-1", "101%", "x", "%", "2.5", ""] { #expect(HostCount(bad) == nil, "\(bad)") }
        // As Ansible: a share of the hosts rounded down, never an empty batch.
        #expect(HostCount.percent(20).batchSize(of: 7) == 1)
        #expect(HostCount.percent(30).batchSize(of: 7) == 2)
        #expect(HostCount.percent(50).batchSize(of: 1) == 1)
        #expect(HostCount.count(0).batchSize(of: 5) == 1)
        // 10% of 7 hosts: 0.7 of a host may fail, so one failure is too many.
        #expect(HostCount.percent(10).isExceeded(byFailures: 1, of: 7))
        #expect(!HostCount.percent(20).isExceeded(byFailures: 1, of: 7))
        #expect(!HostCount.count(1).isExceeded(byFailures: 1, of: 7) && HostCount.count(1).isExceeded(byFailures: 2, of: 7))
    }

    /// A ticket of `group` with `policy`, for a group of `size` hosts.
    static func ticket(_ group: String = "web", rank: Int = 0, size: Int, _ policy: RolloutPolicy) -> RolloutTicket {
        RolloutTicket(group: group, rank: rank, policy: policy, groupSize: size)
    }

    /// The hosts of each `batchStarted`, in order.
    static func batches(in events: [FleetEvent]) -> [[String]] {
        events.compactMap { event -> [String]? in
            if case .batchStarted(_, _, _, let hosts) = event { hosts } else { nil }
        }
    }

    @Test func aShareMakesBatchesInInventoryOrder() async throws {
        let recorder = FleetEventRecorder()
        let runner = FleetRunner(events: recorder)
        let ticket = Self.ticket(size: 7, RolloutPolicy(batchSize: .percent(30)))
        let result = await runner.run("apply", hosts: try Self.hosts(7)) { run in
            HostResult<Int>(status: await run.waitForTurn(ticket) ? .changed : .skipped)
        }
        #expect(result.report.hosts.map(\.status) == Array(repeating: .changed, count: 7))
        #expect(Self.batches(in: recorder.events) == [["web1", "web2"], ["web3", "web4"], ["web5", "web6"], ["web7"]])
    }

    @Test func groupsRollInTheirOrderAndHostsThatNeedNoTurnDoNotWait() async throws {
        // web1..web8: odd ones in cache (ranked first), even ones in web; web8 needs no turn.
        let recorder = FleetEventRecorder()
        let hosts = try Self.hosts(8)
        // Fewer slots than hosts waiting: a waiting host gives its slot up for the others.
        let result = await FleetRunner(options: .init(parallel: 2), events: recorder).run("apply", hosts: hosts) { run in
            let number = Int(run.host.name.dropFirst(3))!
            if number == 8 { return HostResult<Int>(status: .ok) }
            let ticket = number % 2 == 1 ? Self.ticket("cache", rank: 0, size: 4, RolloutPolicy(batchSize: 2))
                                         : Self.ticket("web", rank: 1, size: 4, RolloutPolicy(batchSize: .percent(25)))
            return HostResult<Int>(status: await run.waitForTurn(ticket) ? .changed : .skipped)
        }
        #expect(result.report.hosts.map(\.status) == Array(repeating: .changed, count: 7) + [.ok])
        #expect(Self.batches(in: recorder.events) == [["web1", "web3"], ["web5", "web7"], ["web2"], ["web4"], ["web6"]])
        let groups = recorder.events.compactMap { event -> String? in
            if case .batchStarted(_, 5, let group, _) = event { group } else { nil }
        }
        #expect(groups == ["cache", "cache", "web", "web", "web"])
        // Unranked groups keep the inventory's order, by their first host.
        let schedule = RolloutBatch.schedule([
            ("db1", 0, Self.ticket("db", rank: 2, size: 1, .default)), ("redis1", 1, Self.ticket("redis", rank: 2, size: 1, .default)),
            ("lb1", 2, Self.ticket("lb", rank: 0, size: 1, .default)),
        ])
        #expect(schedule.map(\.0.hosts) == [["lb1"], ["db1"], ["redis1"]])
    }

    @Test func failuresBeyondAShareStopTheRollout() async throws {
        func roll(maxFailures: HostCount) async throws -> FleetResult<Int> {
            let ticket = Self.ticket(size: 10, RolloutPolicy(batchSize: 2, maxFailures: maxFailures))
            return await FleetRunner().run("apply", hosts: try Self.hosts(10)) { run in
                guard await run.waitForTurn(ticket) else { return HostResult<Int>(status: .skipped) }
                if run.host.name == "web2" { throw HostFailure(host: "web2", phase: "health", message: "health page answers 500") }
                return HostResult<Int>(status: .changed)
            }
        }
        // One host of ten is 10%, not more: the rollout goes on; a second failure would stop it.
        #expect(try await roll(maxFailures: .percent(10)).report.stoppedEarly == nil)
        let stopped = try await roll(maxFailures: .percent(5))
        #expect(stopped.report.stoppedEarly == "1 host(s) of web failed, more than its max 5%; not started: web3, web4, web5, web6, web7, web8, web9, web10")
        #expect(stopped.report.hosts.map(\.status) == [.changed, .failed] + Array(repeating: .skipped, count: 8))
    }

    @Test func batchesWaitThePauseUnlessInterrupted() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let paused = Self.ticket(size: 3, RolloutPolicy(batchSize: 1, pause: .milliseconds(150)))
        _ = await FleetRunner().run("apply", hosts: try Self.hosts(3)) { run in
            HostResult<Int>(status: await run.waitForTurn(paused) ? .ok : .skipped)
        }
        // Two pauses: between the three batches, none after the last.
        #expect(clock.now - started >= .milliseconds(300))

        // A stop asked for during a pause of an hour ends it, and starts no further batch.
        let interruption = Interruption()
        let hour = Self.ticket(size: 3, RolloutPolicy(batchSize: 1, pause: .seconds(3600)))
        let waiting = FleetRunner(interruption: interruption, events: OnEvent { event in
            guard case .batchFinished(1) = event else { return }
            Task {
                try? await Task.sleep(for: .milliseconds(100))
                interruption.request(signal: "INT")
            }
        })
        let result = await waiting.run("apply", hosts: try Self.hosts(3)) { run in
            HostResult<Int>(status: await run.waitForTurn(hour) ? .ok : .notStarted)
        }
        #expect(result.report.interrupted)
        #expect(result.report.hosts.map(\.status) == [.ok, .notStarted, .notStarted])
        #expect(clock.now - started < .seconds(60))
    }
}
