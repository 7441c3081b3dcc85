import Drift
import Facts
import Fleet
import Foundation
import Inventory
import Planner
import Resources
import Testing

/// The event streams of apply, plan and drift across a whole inventory of fake hosts
/// (``FakeConnection``): one converging, one down, one whose step fails; and a run
/// interrupted between batches.
@Suite struct FleetRunnerTests {
    static let key = PlanKey(bytes: Data(repeating: 7, count: 32))
    static let motd = Role("motd") { host in File("/etc/motd", content: "hello from \(host.name)\n") }

    /// web1 answers and converges, web2 is down, web3's file step fails.
    struct Fleet {
        var inventory: Inventory
        var hosts: [String: FakeConnection]
        var convergence: Convergence

        init(hosts names: [String] = ["web1", "web2", "web3"], down: Set<String> = ["web2"], failing: Set<String> = ["web3"]) throws {
            let entries = names.map { #"{"name": "\#($0)", "address": "192.0.2.\#(names.firstIndex(of: $0)! + 10)", "groups": ["web"]}"# }
            let text = #"{"groups": {"web": {"roles": ["motd"]}}, "hosts": [\#(entries.joined(separator: ", "))]}"#
            inventory = try Inventory.parse(Data(text.utf8), file: "inventory/test.json", baseDirectory: "/nonexistent")
            hosts = [:]
            for name in names where !down.contains(name) {
                let host = FakeConnection(host: name, release: .bookworm)
                host.answer(.contains("converge_paths()"), with: .output(""))   // /etc/motd is missing
                if failing.contains(name) { host.failStep("file:/etc/motd", status: 1, output: "No space left on device") }
                hosts[name] = host
            }
            convergence = Convergence(playbook: Playbook([FleetRunnerTests.motd]), inventory: inventory,
                                      connector: FakeConnector(hosts, unreachable: down), environment: [:],
                                      cache: nil, key: FleetRunnerTests.key)
        }
    }

    /// The events of one host, in order, named as the JSON Lines name them.
    static func story(of host: String, in events: [FleetEvent]) -> [String] {
        events.compactMap { event in
            switch event {
            case .hostStarted(host): "started"
            case .phaseEntered(host, let phase): phase.rawValue
            case .planned(host, let plan): "planned \(plan.changes.count)"
            case .stepFinished(host, let step): "step \(step.resource) \(step.outcome.rawValue)"
            case .applied(host, _): "applied"
            case .hostFinished(host, let report): "finished \(report.status.rawValue)"
            default: nil
            }
        }
    }

    @Test func applyTellsEachHostsStoryAsItGoes() async throws {
        let fleet = try Fleet()
        let recorder = FleetEventRecorder()
        let runner = FleetRunner(events: recorder)
        let apply = FleetApply(convergence: fleet.convergence)
        let result = await apply.run(fleet.inventory.hosts.map { host in (host, { try await fleet.convergence.plan(host, in: $0) }) },
                                     with: runner)
        let events = recorder.events

        guard case .runStarted("apply", let hosts) = events.first else { Issue.record("first: \(events.first!)"); return }
        #expect(hosts == ["web1", "web2", "web3"])
        guard case .runFinished(let report) = events.last else { Issue.record("last: \(events.last!)"); return }
        #expect(report == result.report)
        #expect(report.hosts.map(\.status) == [.changed, .unreachable, .failed])

        #expect(Self.story(of: "web1", in: events) == [
            "started", "connect", "facts", "plan", "planned 1", "apply", "step file:/etc/motd ok", "applied", "finished changed",
        ])
        #expect(Self.story(of: "web2", in: events) == ["started", "connect", "finished unreachable"])
        #expect(report.hosts[1].failure?.phase == "connect")
        #expect(Self.story(of: "web3", in: events) == [
            "started", "connect", "facts", "plan", "planned 1", "apply", "step file:/etc/motd failed", "applied", "finished failed",
        ])
        let failedStep = events.compactMap { if case .stepFinished("web3", let step) = $0 { step } else { nil } }.first
        #expect(failedStep?.exitStatus == 1 && failedStep?.output == "No space left on device")

        // The values, not text: web1's apply result, web3's failed change.
        #expect(result.hosts[0].value?.result?.succeeded == true)
        #expect(result.hosts[1].value == nil)
        #expect(result.hosts[2].value?.result?.firstFailure == 0)
        #expect(fleet.hosts["web1"]!.appliedSteps == ["file:/etc/motd"])
        #expect(fleet.hosts["web3"]!.appliedSteps == [])
    }

    @Test func planChangesNothingAndCarriesEachPlan() async throws {
        let fleet = try Fleet(down: [], failing: [])
        let recorder = FleetEventRecorder()
        let (result, rollout) = await fleet.convergence.plan(fleet.inventory.hosts, with: FleetRunner(events: recorder))
        #expect(rollout.hosts.isEmpty && rollout.render() == "")
        #expect(result.report.hosts.map(\.status) == [.pending, .pending, .pending])
        #expect(result.values.map(\.host) == ["web1", "web2", "web3"])
        #expect(Self.story(of: "web2", in: recorder.events) == ["started", "connect", "facts", "plan", "planned 1", "finished pending"])
        for host in fleet.hosts.values { #expect(!host.commands.contains("apply")) }
    }

    @Test func driftSweepsEveryHostReadOnly() async throws {
        let fleet = try Fleet(down: ["web3"], failing: [])
        for host in fleet.hosts.values { try RecordedHost.bookworm.answerHostFacts(on: host) }
        let recorder = FleetEventRecorder()
        let result = await fleet.convergence.sweep(fleet.inventory.hosts, with: FleetRunner(events: recorder))
        #expect(result.report.hosts.map(\.status) == [.pending, .pending, .unreachable], "\(result.report)")
        // The motd, and the 14 security upgrades the recorded lists offer: the default
        // package baseline wants them installed.
        #expect(Self.story(of: "web1", in: recorder.events) == ["started", "connect", "facts", "planned 15", "finished pending"])
        let report = DriftReport(result, hosts: fleet.inventory.hosts, sweptAt: Date())
        #expect(report.unsweptHosts == ["web3"])
        for host in fleet.hosts.values { #expect(!host.commands.contains("apply")) }
    }

    /// A stop asked for while the first hosts start: no host is changed, no batch starts.
    @Test func anInterruptedRunStartsNoFurtherBatch() async throws {
        let fleet = try Fleet(hosts: ["web1", "web2", "web3", "web4"], down: [], failing: [])
        let recorder = FleetEventRecorder()
        let interruption = Interruption()
        // As a signal would: while the first host starts, before anything is applied.
        let stopper = OnEvent { if case .hostStarted("web1") = $0 { interruption.request(signal: "TERM") } }
        let runner = FleetRunner(options: .init(parallel: 2), interruption: interruption,
                                 events: FleetEventFanOut([stopper, recorder]))
        let result = await FleetApply(convergence: fleet.convergence, rollout: RolloutSettings(batchSize: 2))
            .run(fleet.inventory.hosts.map { host in (host, { try await fleet.convergence.plan(host, in: $0) }) }, with: runner)
        #expect(result.report.interrupted && result.report.signal == "TERM")
        #expect(result.report.hosts.map(\.status) == [.notStarted, .notStarted, .notStarted, .notStarted], "\(result.report)")
        #expect(recorder.events.contains { if case .interruptRequested(.stopping, "TERM") = $0 { true } else { false } })
        #expect(!recorder.events.contains { if case .batchStarted = $0 { true } else { false } })
        #expect(ApplyLog.summary(result.report).contains("interrupted (SIGTERM): "))
    }
}

/// What a recorded host of a release answers to the host facts and maintenance facts
/// probes: FactsTests' fixtures, captured on lab hosts.
struct RecordedHost {
    var directory: String

    static let bookworm = RecordedHost(directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FactsTests/Fixtures/bookworm").path)

    func text(_ name: String) throws -> String {
        try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
    }

    /// Answers every fact of ``HostFacts`` and ``MaintenanceFacts`` from the recordings.
    func answerHostFacts(on host: FakeConnection) throws {
        // The recorded probe's sections, in HostFacts' order.
        let probe = try text("probe")
        let boundary = "--converge-0123456789abcdef--"
        let facts: [String] = [DebianReleaseFact().command, KernelFact().command, ArchitectureFact().command,
                               InitSystemFact().command, DebianPackagesFact().command]
        for (section, command) in facts.enumerated() {
            let begin = "\(boundary) \(section) begin\n", status = "\n\(boundary) \(section) status "
            guard let start = probe.range(of: begin)?.upperBound, let end = probe.range(of: status, range: start..<probe.endIndex)?.lowerBound else {
                throw RecordingError(description: "no section \(section) in the recorded probe")
            }
            host.answer(.exact(command), with: .output(String(probe[start..<end])))
        }
        host.answer(AptPolicyFact(), with: .output(try text("apt-policy")))
        host.answer(RebootSignalsFact(), with: .output(try text("reboot")))
        host.answer(ModifiedConffilesFact(), with: .output(try text("conffiles")))
        host.answer(AptListsFact(), with: .output("indexes 4\nstamp 1764000000\nnow 1764003600\n"))
        host.answer(SecretDigestsFact(), with: .output(""))
    }
}

struct RecordingError: Error, CustomStringConvertible {
    var description: String
}

/// A sink that acts on events as they happen, synchronously (as a signal could arrive).
struct OnEvent: FleetEventSink {
    var action: @Sendable (FleetEvent) -> Void
    init(_ action: @escaping @Sendable (FleetEvent) -> Void) { self.action = action }
    func receive(_ event: FleetEvent, at time: Date) { action(event) }
}
