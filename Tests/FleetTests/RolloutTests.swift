import Foundation
import Inventory
import Planner
import Resources
import Testing

@testable import Fleet

/// Rolling a restart through a group on fake hosts: which hosts roll, in which batches,
/// drained from the hosts in front of them and put back once healthy; a batch whose host
/// stays unhealthy stops the rollout with that host drained; the next converge puts it back.
@Suite struct RolloutTests {
    static let ok = HealthGateTests.ok
    static let unavailable = HealthGateTests.unavailable

    /// lb1 in front of `web` hosts whose `app` role restarts the app, is checked on port
    /// 8080 and drained from the `lb` group with commands the fake lb1 records.
    struct Stack {
        var inventory: Inventory
        var hosts: [String: FakeConnection]
        var convergence: Convergence
        var lb: FakeConnection { hosts["lb1"]! }

        init(webs: Int = 3, restart: Bool = true) throws {
            let names = (1...webs).map { "web\($0)" }
            let entries = [#"{"name": "lb1", "address": "192.0.2.2", "groups": ["lb"]}"#]
                + names.enumerated().map { #"{"name": "\#($1)", "address": "192.0.2.\#($0 + 10)", "groups": ["web"]}"# }
            inventory = try Inventory.parse(
                Data(#"{"groups": {"lb": {"roles": []}, "web": {"roles": ["app"]}}, "hosts": [\#(entries.joined(separator: ", "))]}"#.utf8),
                file: "inventory/test.json", baseDirectory: "/nonexistent")
            let role = Role("app") { _ in
                if restart { HealthGateTests.AppRestart() }
            }
            .healthChecks { _ in [.http(port: 8080, path: "/health", expecting: "ok", tries: 3, interval: .milliseconds(1))] }
            .drains { host in
                [Drain(on: "lb", name: "pool member \(host.name)", drain: "drain \(host.name)", undrain: "undrain \(host.name)",
                       connections: "connections to \(host.name)", timeout: .seconds(5))]
            }
            hosts = ["lb1": FakeConnection(host: "lb1", release: .bookworm)]
            for name in names {
                let host = FakeConnection(host: name, release: .bookworm)
                host.answer(.contains("converge_paths()"), with: .output(""))
                host.answer(.contains(DrainedMarker.path + ".new"), with: .output(""))
                host.answer(.exact(DrainedMarker.removeCommand), with: .output(""))
                host.answerService(port: 8080, with: [RolloutTests.ok])
                hosts[name] = host
                hosts["lb1"]!.answer(.exact("drain \(name)"), with: .output(""))
                hosts["lb1"]!.answer(.exact("undrain \(name)"), with: .output(""))
                hosts["lb1"]!.answer(.exact("connections to \(name)"), with: .output("0\n"))
            }
            convergence = Convergence(playbook: Playbook([role], rollout: Rollout(order: ["web"])), inventory: inventory,
                                      connector: FakeConnector(hosts), environment: [:], cache: nil,
                                      key: FleetRunnerTests.key)
        }

        func apply(_ settings: RolloutSettings = RolloutSettings(), events: any FleetEventSink = FleetEventFanOut([])) async -> FleetResult<AppliedHost> {
            let webs = inventory.hosts.filter { $0.groups.contains("web") }
            return await FleetApply(convergence: convergence, rollout: settings).run(
                webs.map { host in (host, { try await convergence.plan(host, in: $0) }) }, with: FleetRunner(events: events))
        }

        /// What lb1 was asked to do, in order, its connection counts left out.
        var lbActions: [String] { lb.commands.filter { !$0.hasPrefix("connections") } }
    }

    @Test func servingHostsRollOneAtATimeDrainedAndPutBack() async throws {
        let stack = try Stack()
        let recorder = FleetEventRecorder()
        let result = await stack.apply(events: recorder)
        #expect(result.report.hosts.map(\.status) == [.changed, .changed, .changed], "\(result.report)")
        // A quarter of three hosts is one: three batches, each drained, changed and put back.
        #expect(RolloutBatchTests.batches(in: recorder.events) == [["web1"], ["web2"], ["web3"]])
        #expect(stack.lbActions == ["drain web1", "undrain web1", "drain web2", "undrain web2", "drain web3", "undrain web3"])
        #expect(stack.lb.commands.contains("connections to web2"))
        #expect(FleetRunnerTests.story(of: "web2", in: recorder.events) == [
            "started", "connect", "facts", "plan", "planned 1", "turn", "drain", "apply", "step restart:app ok", "health",
            "applied", "undrain", "finished changed",
        ])
        // The host knew it was drained while it was.
        let web2 = stack.hosts["web2"]!.commands
        let wrote = try #require(web2.firstIndex { $0.contains(DrainedMarker.path + ".new") })
        #expect(web2[wrote].contains("'pool member web2 on lb'"))
        #expect(web2.lastIndex(of: DrainedMarker.removeCommand)! > wrote)
    }

    @Test func anUnhealthyHostStaysDrainedAndTheRestAreUntouched() async throws {
        let stack = try Stack()
        // Serving before the change; answering 503 after it.
        stack.hosts["web1"]!.answerService(port: 8080, with: [RolloutTests.ok, RolloutTests.unavailable])
        let result = await stack.apply()
        #expect(result.report.hosts.map(\.status) == [.failed, .skipped, .skipped], "\(result.report)")
        #expect(result.report.hosts[0].failure?.message
            == "health check http://127.0.0.1:8080/health failed 3 times; last answer: status 503, want 200")
        #expect(result.report.stoppedEarly == "1 host(s) of web failed, more than its max 0; not started: web2, web3")
        #expect(stack.lbActions == ["drain web1"])
        #expect(!stack.hosts["web1"]!.commands.contains(DrainedMarker.removeCommand))
        for name in ["web2", "web3"] { #expect(stack.hosts[name]!.appliedSteps.isEmpty, "\(name)") }
        #expect(result.hosts[1].value?.notApplied == "the rollout stopped before its batch")
    }

    @Test func theNextConvergePutsAHostLeftDrainedBack() async throws {
        let stack = try Stack(restart: false)
        stack.hosts["web2"]!.answer(.exact(DrainedMarker.Fact().command), with: .output("pool member web2 on lb\n"))
        let result = await stack.apply()
        // Nothing to change anywhere; web2 is checked and put back.
        #expect(result.report.hosts.map(\.status) == [.ok, .changed, .ok], "\(result.report)")
        #expect(stack.lbActions == ["drain web2", "undrain web2"])
        #expect(stack.hosts["web2"]!.commands.contains(DrainedMarker.removeCommand))
    }

    @Test func hostsThatDoNotServeYetAreChangedAtOnce() async throws {
        let stack = try Stack()
        // A new host: nothing answers its health check until its change is made.
        stack.hosts["web3"]!.answerService(port: 8080, with: [RolloutTests.unavailable, RolloutTests.ok])
        let recorder = FleetEventRecorder()
        let result = await stack.apply(events: recorder)
        #expect(result.report.hosts.map(\.status) == [.changed, .changed, .changed])
        #expect(RolloutBatchTests.batches(in: recorder.events) == [["web1"], ["web2"]])
        #expect(!stack.lbActions.contains("drain web3"))
        #expect(FleetRunnerTests.story(of: "web3", in: recorder.events).contains("health"))

        // --no-rollout: every host at once, none drained; --serial 2: two at a time.
        let atOnce = try Stack()
        let unrolled = FleetEventRecorder()
        _ = await atOnce.apply(RolloutSettings(isEnabled: false), events: unrolled)
        #expect(RolloutBatchTests.batches(in: unrolled.events).isEmpty && atOnce.lbActions.isEmpty)
        let serial = try Stack()
        let pairs = FleetEventRecorder()
        _ = await serial.apply(RolloutSettings(batchSize: 2), events: pairs)
        #expect(RolloutBatchTests.batches(in: pairs.events) == [["web1", "web2"], ["web3"]])
    }

    @Test func aDrainRefusedLeavesTheHostAsItWas() async throws {
        let stack = try Stack(webs: 1)
        stack.lb.answer(.exact("drain web1"), with: .failure(1, stderr: "No such server."))
        let result = await stack.apply()
        #expect(result.report.hosts.map(\.status) == [.failed])
        let failure = try #require(result.report.hosts[0].failure)
        #expect(failure.phase == "drain")
        #expect(failure.message == "pool member web1 on lb1 (lb): exit status 1: No such server.; the host was left as it was")
        #expect(stack.hosts["web1"]!.appliedSteps.isEmpty)
    }

    @Test func connectionsAreWaitedForUpToTheTimeout() async throws {
        let stack = try Stack(webs: 1)
        stack.lb.answer(.exact("connections to web1"), with: .output("2\n"))
        var drain = Drain.varnish(backend: "web_web1", on: "lb", timeout: .milliseconds(300))
        drain.connectionsCommand = "connections to web1"
        let planned = try await stack.convergence.plan(stack.inventory.host(named: "web1")!)
        var draining = planned
        draining.drains = [drain]
        stack.lb.answer(.contains("backend.set_health"), with: .output(""))
        let notes = try await Drainer(convergence: stack.convergence, planned: draining).drain()
        #expect(notes.last == "varnish backend web_web1: connections still open after 0.30 s (2 on lb1); going on")
    }

    @Test func planShowsTheRollout() async throws {
        let stack = try Stack()
        stack.hosts["web3"]!.answerService(port: 8080, with: [RolloutTests.unavailable])
        let webs = stack.inventory.hosts.filter { $0.groups.contains("web") }
        let (result, rollout) = await stack.convergence.plan(webs, with: FleetRunner())
        #expect(result.report.hosts.map(\.status) == [.pending, .pending, .pending])
        #expect(rollout.render() == """
            rollout: 2 hosts in 2 batches, each drained, changed, checked until healthy and put back before the next
              batch 1 of 2, web (batches of 25%, max 0 failed): web1
                web1: drained from lb1 (pool member web1); gated by http://127.0.0.1:8080/health
              batch 2 of 2, web (batches of 25%, max 0 failed): web2
                web2: drained from lb1 (pool member web2); gated by http://127.0.0.1:8080/health

            """)
        for host in stack.hosts.values { #expect(host.appliedSteps.isEmpty) }
        #expect(stack.lb.commands.isEmpty)
    }

    @Test func theReadyMadeDrainsSayWhatTheyRun() {
        let varnish = Drain.varnish(backend: "web_web1", on: "cache")
        #expect(varnish.description == "varnish backend web_web1 on cache")
        #expect(varnish.drainCommand.hasSuffix("varnishadm backend.set_health 'web_web1' sick"))
        #expect(varnish.undrainCommand == "varnishadm backend.set_health 'web_web1' auto")
        let haproxy = Drain.haproxy(backend: "caches", server: "cache1", on: "lb")
        #expect(haproxy.drainCommand.contains("echo 'set server caches/cache1 state drain' | socat stdio 'UNIX-CONNECT:/run/haproxy/admin.sock'"))
        #expect(haproxy.undrainCommand.contains("state ready"))
        #expect(throws: DrainError.self) { try Drain(on: "", name: "x", drain: "a", undrain: "b").validate() }
        #expect(throws: DrainError.self) { try Drain(on: "lb", name: "x", drain: " ", undrain: "b").validate() }
    }
}
