import Fleet
import Foundation
import Inventory
import Planner
import Resources
import Testing

/// Runs over many hosts, on this machine through ``LocalConnection``: summaries, a script
/// that could not start, Ctrl-C once and twice, and sudo passwords.
@Suite(.serialized) struct FleetRunTests {
    static let key = PlanKey(bytes: Data(repeating: 3, count: 32))

    func makeRun(
        _ role: Role, hosts: [String], in scratch: Scratch, parallel: Int = 8, apply: ApplyOptions? = nil,
        connector: any HostConnecting = LocalConnector(), interruption: Interruption = Interruption(),
        recorder: FleetEventRecorder = FleetEventRecorder(), ssh: String = "{}"
    ) throws -> (ApplyRun, [(host: Inventory.Host, prepare: FleetApply.Prepare)]) {
        let path = scratch.path + "/inventory.json"
        let entries = hosts.map { #"{"name": "\#($0)", "address": "127.0.0.1", "groups": ["test"]}"# }
        try Data(#"{"ssh": \#(ssh), "groups": {"test": {"roles": ["\#(role.name)"]}}, "hosts": [\#(entries.joined(separator: ", "))]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let inventory = try Inventory.load(contentsOf: path)
        let convergence = Convergence(playbook: Playbook([role]), inventory: inventory, connector: connector,
                                      environment: ProcessInfo.processInfo.environment.merging(["TEST_SUDO_PASSWORD": "touch \(scratch.path)/pwned"]) { $1 },
                                      cache: nil, key: Self.key)
        let options = apply ?? ApplyOptions(lockPath: scratch.path + "/lock", lockTimeout: 1)
        let run = ApplyRun(apply: FleetApply(convergence: convergence, options: options),
                           runner: FleetRunner(options: .init(parallel: parallel), interruption: interruption, events: recorder))
        let work = inventory.hosts.map { host in (host: host, prepare: { run in try await convergence.plan(host, in: run) } as FleetApply.Prepare) }
        return (run, work)
    }

    /// An apply and the runner it goes through, run like `converge apply`, its text as the
    /// command prints it on a terminal.
    struct ApplyRun {
        var apply: FleetApply
        var runner: FleetRunner

        func run(_ work: [(host: Inventory.Host, prepare: FleetApply.Prepare)]) async -> Outcome {
            Outcome(result: await apply.run(work, with: runner))
        }
    }

    struct Outcome {
        var result: FleetResult<AppliedHost>
        var hosts: [HostReport] { result.report.hosts }
        var log: String { ApplyLog.render(result) }
        var summary: String { ApplyLog.summary(result.report) }
        var interrupted: Bool { result.report.interrupted }
    }

    @Test func convergesThenHasNothingToDo() async throws {
        let scratch = try Scratch()
        let role = Role("files") { _ in File(scratch.path + "/motd", content: "hello\n") }
        let (run, work) = try makeRun(role, hosts: ["one"], in: scratch)
        let first = await run.run(work)
        #expect(first.hosts.map(\.status) == [.changed], "\(first.log)")
        #expect(try String(contentsOfFile: scratch.path + "/motd", encoding: .utf8) == "hello\n")
        let second = await run.run(work)
        #expect(second.hosts.map(\.status) == [.ok])
        #expect(second.summary.contains("1 host(s): 1 ok, 0 changed, 0 failed, 0 unreachable, 0 skipped in "))
    }

    /// The script stops before its first step when another converge holds the host's lock:
    /// the report says so, where it used to say only that `sh -s` exited with status 1.
    @Test func aHeldLockIsNamed() async throws {
        let scratch = try Scratch()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [scratch.path + "/lock", "sleep", "20"]
        try holder.run()
        defer { holder.terminate() }
        try await Task.sleep(for: .milliseconds(200))
        let role = Role("files") { _ in File(scratch.path + "/motd", content: "hello\n") }
        let (run, work) = try makeRun(role, hosts: ["one"], in: scratch)
        let outcome = await run.run(work)
        #expect(outcome.hosts.map(\.status) == [.failed])
        #expect(outcome.log.contains("one: not applied: another converge holds \(scratch.path)/lock (waited 1 s)"), "\(outcome.log)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/motd"))
    }

    /// A script that dies (a signal) after its first step: the report names how it ended.
    @Test func aScriptKilledMidwayIsNamed() async throws {
        let scratch = try Scratch()
        let role = Role("dies") { _ in
            Command("first", "touch \(scratch.path)/first")
            // The step's sh, under timeout, under the apply script: kill the script itself.
            Command("kill the script", "kill -9 $(ps -o ppid= -p $(ps -o ppid= -p $PPID))", requires: [.command("first")])
        }
        let (run, work) = try makeRun(role, hosts: ["one"], in: scratch)
        let outcome = await run.run(work)
        #expect(outcome.hosts.map(\.status) == [.failed])
        #expect(outcome.log.contains("one: the apply script "), "\(outcome.log)")
        #expect(outcome.log.contains("no report"), "\(outcome.log)")
    }

    /// The first Ctrl-C lets the running step end and starts no other step and no other host.
    /// (Which host runs first is the runner's choice: one's plan may take longer than two's.)
    @Test func firstInterruptFinishesTheRunningStep() async throws {
        let scratch = try Scratch()
        let role = Role("slow") { host in
            Command("slow", "touch \(scratch.path)/slow-started-\(host.name); sleep 1; touch \(scratch.path)/slow-done-\(host.name)")
            Command("next", "touch \(scratch.path)/next-done-\(host.name)", requires: [.command("slow")])
        }
        let interruption = Interruption()
        let recorder = FleetEventRecorder()
        let (run, work) = try makeRun(role, hosts: ["one", "two"], in: scratch, parallel: 1, interruption: interruption,
                                      recorder: recorder)
        async let outcome = run.run(work)
        // Once the first host's slow step runs, not before.
        var first: String?
        while first == nil {
            first = ["one", "two"].first { FileManager.default.fileExists(atPath: scratch.path + "/slow-started-\($0)") }
            if first == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(interruption.request() == .stopping)
        let result = await outcome
        let other = first == "one" ? "two" : "one"
        let statuses = Dictionary(uniqueKeysWithValues: result.hosts.map { ($0.host, $0.status) })
        #expect(statuses == [first!: .interrupted, other: .notStarted], "\(result.log)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/slow-done-\(first!)"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/next-done-\(first!)"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/slow-started-\(other)"))
        #expect(result.log.contains("! command:next  not started (interrupted)"), "\(result.log)")
        #expect(result.summary.contains("1 interrupted, 1 not started"), "\(result.summary)")
        #expect(result.interrupted)
    }

    /// The second Ctrl-C cuts the connection at once: a hung step does not hold the run.
    @Test func secondInterruptCutsTheConnection() async throws {
        let scratch = try Scratch()
        let role = Role("hangs") { _ in Command("hang", "sleep 60") }
        let interruption = Interruption()
        let recorder = FleetEventRecorder()
        let (run, work) = try makeRun(role, hosts: ["one"], in: scratch, interruption: interruption, recorder: recorder)
        let started = ContinuousClock.now
        async let outcome = run.run(work)
        await recorder.wait { if case .phaseEntered("one", .apply) = $0 { true } else { false } }
        interruption.request()
        await recorder.wait { if case .phaseEntered("one", .stopping) = $0 { true } else { false } }
        interruption.request()
        let result = await outcome
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(result.hosts.map(\.status) == [.interrupted], "\(result.log)")
        #expect(result.log.contains("the connection was cut mid-apply"))
    }

    /// A connection lost mid-apply (a host powered off, a cut link, a silent sshd) still
    /// shows which steps the host had reported made, and which it never reported.
    @Test func aConnectionLostMidApplyStillShowsTheStepsMade() async throws {
        let scratch = try Scratch()
        let role = Role("hangs") { _ in
            Command("first", "touch \(scratch.path)/first")
            Command("hang", "sleep 60", requires: [.command("first")])
        }
        let connection = LocalConnection()
        let recorder = FleetEventRecorder()
        let (run, work) = try makeRun(role, hosts: ["one"], in: scratch, connector: FixedConnector(connection: connection),
                                      recorder: recorder)
        async let outcome = run.run(work)
        // Once the host reports the first step made, the "host" goes away.
        await recorder.wait { if case .stepFinished("one", let step) = $0 { step.resource == "command:first" } else { false } }
        connection.abort()
        let result = await outcome
        #expect(result.hosts.map(\.status) == [.unreachable], "\(result.log)")
        #expect(result.log.contains("  ! command:first  ok\n"), "\(result.log)")
        #expect(result.log.contains("  ! command:hang  no report (the connection or the script ended early)\n"), "\(result.log)")
        #expect(result.log.hasSuffix(": unreachable: exec: lost the connection while reading output\n"), "\(result.log)")
    }

    /// With a sudo password, the password line on stdin is read by the login shell, never
    /// run as a command, even when sudo does not ask for it (NOPASSWD, a cached timestamp).
    @Test(arguments: [false, true])
    func sudoPasswordIsNeverACommand(sudoAsks: Bool) async throws {
        let scratch = try Scratch()
        let bin = scratch.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // A stand-in for sudo: `-v` reads a password line only when it "asks"; the rest runs as is.
        let asks = sudoAsks
            ? #"IFS= read -r given; [ "$given" = "touch \#(scratch.path)/pwned" ] || { echo "Sorry" >&2; exit 1; }; exit 0"#
            : "exit 0"
        try Data("""
            #!/bin/sh
            case " $* " in *" -v "*) \(asks) ;; esac
            while [ "$1" != sh ]; do shift; done
            exec "$@"
            """.utf8).write(to: URL(fileURLWithPath: bin + "/sudo"))
        chmod(bin + "/sudo", 0o755)
        let role = Role("files") { _ in File(scratch.path + "/motd", content: "hello\n") }
        let connector = PathConnector(path: bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"))
        let (run, work) = try makeRun(role, hosts: ["one"], in: scratch, connector: connector,
                                      ssh: #"{"sudo": true, "sudoPasswordEnv": "TEST_SUDO_PASSWORD"}"#)
        let outcome = await run.run(work)
        #expect(outcome.hosts.map(\.status) == [.changed], "\(outcome.log)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/pwned"))
    }
}

/// Every host on one given connection, so a test can cut it.
struct FixedConnector: HostConnecting {
    var connection: LocalConnection
    func connection(to host: Inventory.Host) async throws -> any HostConnection { connection }
}

/// Local connections whose commands find `path` first on PATH.
struct PathConnector: HostConnecting {
    var path: String
    func connection(to host: Inventory.Host) async throws -> any HostConnection { LocalConnection(path: path) }
}
