import Fleet
import Foundation
import Inventory
import Planner
import Testing
import TestSupport

/// Text collected from a renderer.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    var output: TextOutput { TextOutput { [self] piece in lock.withLock { text += piece } } }
    var value: String { lock.withLock { text } }
    var lines: [String] { value.split(separator: "\n").map(String.init) }
}

/// The renderers of a run's events: JSON Lines against their published schema, plain
/// timestamped lines as a cron log shows them.
@Suite struct RenderingTests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/events.schema.json").path

    /// Every command's stream over fake hosts (apply with a failing and a missing host,
    /// plan, drift, facts, exec), as `--json` writes it.
    static func streams() async throws -> [String: [String]] {
        var streams: [String: [String]] = [:]
        func log() -> (Collected, JSONLinesLog) { let collected = Collected(); return (collected, JSONLinesLog(output: collected.output)) }

        let fleet = try FleetRunnerTests.Fleet()
        var (collected, sink) = log()
        _ = await FleetApply(convergence: fleet.convergence, rollout: RolloutSettings(batchSize: 2, maxFailures: 5))
            .run(fleet.inventory.hosts.map { host in (host, { try await fleet.convergence.plan(host, in: $0) }) },
                 with: FleetRunner(events: sink))
        streams["apply"] = collected.lines

        (collected, sink) = log()
        _ = await fleet.convergence.plan(fleet.inventory.hosts, with: FleetRunner(events: sink))
        streams["plan"] = collected.lines

        for host in fleet.hosts.values { try RecordedHost.bookworm.answerHostFacts(on: host) }
        (collected, sink) = log()
        _ = await fleet.convergence.sweep(fleet.inventory.hosts, with: FleetRunner(events: sink))
        streams["drift"] = collected.lines

        (collected, sink) = log()
        _ = await fleet.convergence.facts(of: fleet.inventory.hosts, with: FleetRunner(events: sink))
        streams["facts"] = collected.lines

        fleet.hosts["web1"]!.answer(.exact("uptime"), with: .output(" 12:00:00 up 3 days\n"))
        fleet.hosts["web3"]!.answer(.exact("uptime"), with: .failure(1, stderr: "uptime: not found"))
        (collected, sink) = log()
        // A Ctrl-C once the last host answered: told, though nothing is left to stop.
        let interruption = Interruption()
        let stopper = OnEvent { if case .hostFinished("web3", _) = $0 { interruption.request(signal: "INT") } }
        _ = await FleetCommand("uptime", connector: FakeConnector(fleet.hosts, unreachable: ["web2"]))
            .run(on: fleet.inventory.hosts, with: FleetRunner(interruption: interruption, events: FleetEventFanOut([stopper, sink])))
        streams["exec"] = collected.lines
        return streams
    }

    @Test func everyLineIsAnObjectOfTheSchemaAndTheRunIsFramed() async throws {
        for (command, lines) in try await Self.streams() {
            let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            #expect(objects.first?["event"] as? String == "runStarted", "\(command)")
            #expect(objects.first?["command"] as? String == command)
            #expect(objects.last?["event"] as? String == "runFinished", "\(command)")
            #expect(objects.allSatisfy { $0["schema"] as? String == "converge-events" && $0["version"] as? Int == 2 })
        }
    }

    @Test(.enabled(if: (try? run(["/usr/bin/env", "python3", "-c", "import jsonschema"]))?.status == 0,
                   "python3 with the jsonschema module is not installed: schema validation skipped"))
    func everyCommandsStreamMatchesTheSchema() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("events-schema-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [String] = []
        for (command, lines) in try await Self.streams() {
            let file = directory.appendingPathComponent("\(command).jsonl").path
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
            files.append(file)
        }
        let run = try run(["/usr/bin/env", "python3", "-c", Self.validator, Self.schema] + files)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    }

    /// Validates every line of every file; a line broken on purpose must fail.
    static let validator = """
        import json, sys
        from jsonschema import Draft202012Validator, FormatChecker
        schema = json.load(open(sys.argv[1]))
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        failed = False
        events = set()
        for path in sys.argv[2:]:
            for number, line in enumerate(open(path), 1):
                event = json.loads(line)
                events.add(event["event"])
                for error in validator.iter_errors(event):
                    failed = True
                    print(path, number, "/".join(map(str, error.absolute_path)), error.message)
        broken = json.loads(open(sys.argv[2]).readline())
        broken["event"] = "runFinished"
        if validator.is_valid(broken):
            print("a runFinished without its run passed"); failed = True
        expected = {"runStarted", "batchStarted", "hostStarted", "phaseEntered", "planned", "stepFinished", "applied",
                    "output", "hostFinished", "batchFinished", "interruptRequested", "runFinished"}
        if not expected <= events:
            print("never seen:", expected - events); failed = True
        sys.exit(1 if failed else 0)
        """

    /// A cron job's log: a line for each host's plan and each step as it finishes, every
    /// line stamped and named, a failure's cause on its host's lines.
    @Test func plainLinesTellEachStepAsItFinishes() async throws {
        let fleet = try FleetRunnerTests.Fleet()
        let collected = Collected()
        let log = LineLog(output: collected.output, timeZone: TimeZone(identifier: "UTC")!)
        let result = await FleetApply(convergence: fleet.convergence)
            .run(fleet.inventory.hosts.map { host in (host, { try await fleet.convergence.plan(host, in: $0) }) },
                 with: FleetRunner(events: log))
        let lines = collected.lines
        #expect(lines.first?.hasPrefix("converge apply: 3 hosts, started ") == true, "\(lines)")
        let stamped = lines.dropFirst()
        #expect(stamped.allSatisfy { $0.range(of: #"^\d\d:\d\d:\d\d (web1|web2|web3): "#, options: .regularExpression) != nil }, "\(lines)")
        func story(_ host: String) -> [String] {
            stamped.filter { $0.dropFirst(9).hasPrefix(host + ": ") }.map { String($0.dropFirst(9 + host.count + 2)) }
        }
        #expect(story("web1").first == "1 change")
        #expect(story("web1").contains("  + file:/etc/motd  ok"), "\(story("web1"))")
        #expect(story("web1").last?.hasPrefix("changed, 1 change in ") == true)
        #expect(story("web2") == ["unreachable: connect: no answer from 192.0.2.11 port 22 (a fake host that is down)"])
        #expect(story("web3").contains("  + file:/etc/motd  FAILED (exit status 1)"), "\(story("web3"))")
        #expect(story("web3").contains("      No space left on device"))
        #expect(story("web3").last?.hasPrefix("failed, 1 change in ") == true)
        // The step's line comes before its host's last line, as it happened.
        let step = try #require(lines.firstIndex { $0.hasSuffix("web1:   + file:/etc/motd  ok") })
        let finished = try #require(lines.firstIndex { $0.contains(" web1: changed") })
        #expect(step < finished)
        #expect(result.report.count(.changed) == 1)
    }
}
