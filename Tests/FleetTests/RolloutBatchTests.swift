import Foundation
import Inventory
import Testing

@testable import Fleet

/// Batches as counts or shares of the hosts, failures allowed as counts or shares, and the
/// pause between batches: the runner alone, with work that needs no host.
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

    @Test func aShareMakesBatchesInInventoryOrder() async throws {
        let recorder = FleetEventRecorder()
        let runner = FleetRunner(options: .init(batchSize: .percent(30)), events: recorder)
        let result = await runner.run("apply", hosts: try Self.hosts(7)) { _ in HostResult<Int>(status: .changed) }
        #expect(result.report.hosts.map(\.status) == Array(repeating: .changed, count: 7))
        let batches = recorder.events.compactMap { event -> [String]? in
            if case .batchStarted(_, let hosts) = event { hosts } else { nil }
        }
        #expect(batches == [["web1", "web2"], ["web3", "web4"], ["web5", "web6"], ["web7"]])
    }

    @Test func failuresBeyondAShareStopTheRollout() async throws {
        let runner = FleetRunner(options: .init(batchSize: 2, maxFailures: .percent(10)))
        let result = await runner.run("apply", hosts: try Self.hosts(10)) { run in
            if run.host.name == "web2" { throw HostFailure(host: "web2", phase: "apply", message: "health page answers 500") }
            return HostResult<Int>(status: .changed)
        }
        // One host of ten is 10%, not more: the run goes on; a second failure would stop it.
        #expect(result.report.stoppedEarly == nil)
        let stricter = FleetRunner(options: .init(batchSize: 2, maxFailures: .percent(5)))
        let stopped = await stricter.run("apply", hosts: try Self.hosts(10)) { run in
            if run.host.name == "web2" { throw HostFailure(host: "web2", phase: "apply", message: "health page answers 500") }
            return HostResult<Int>(status: .changed)
        }
        #expect(stopped.report.stoppedEarly == "1 host(s) failed, more than --max-fail 5%")
        #expect(stopped.report.hosts.map(\.status) == [.changed, .failed] + Array(repeating: .skipped, count: 8))
    }

    @Test func batchesWaitThePauseUnlessInterrupted() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let paused = FleetRunner(options: .init(batchSize: 1, pause: .milliseconds(150)))
        _ = await paused.run("apply", hosts: try Self.hosts(3)) { _ in HostResult<Int>(status: .ok) }
        // Two pauses: between the three batches, none after the last.
        #expect(clock.now - started >= .milliseconds(300))

        // A stop asked for during a pause of an hour ends it, and starts no further batch.
        let interruption = Interruption()
        let waiting = FleetRunner(options: .init(batchSize: 1, pause: .seconds(3600)), interruption: interruption,
                                  events: OnEvent { event in
            guard case .batchFinished(1) = event else { return }
            Task {
                try? await Task.sleep(for: .milliseconds(100))
                interruption.request(signal: "INT")
            }
        })
        let result = await waiting.run("apply", hosts: try Self.hosts(3)) { _ in HostResult<Int>(status: .ok) }
        #expect(result.report.interrupted)
        #expect(result.report.hosts.map(\.status) == [.ok, .notStarted, .notStarted])
        #expect(clock.now - started < .seconds(60))
    }
}
