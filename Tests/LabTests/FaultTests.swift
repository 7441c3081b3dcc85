import Foundation
import SSH
import Testing
import TestSupport

extension LabSuite {
    /// Faults injected into a real `converge apply` while it runs on lab hosts (issue #10):
    /// what converge reports, and that a re-run afterwards converges with nothing left
    /// half-written on the host.
    ///
    /// The apply has to be mid-way when the fault comes: the lab role's `slow_step` var adds
    /// a step that marks its start on the host, sleeps, then marks its end, and a step after
    /// it (Tests/LabPlaybooks/LabApp.swift). Each test starts converge in the background,
    /// polls the host until the slow step has started, injects its fault, and waits for
    /// converge to end. Clean-up (start, heal, unmount, restore, kill) is in `defer`, so a
    /// failing test leaves the lab as it found it.
    @Suite("Faults injected mid-apply")
    struct FaultTests {
        typealias Converge = ConvergeTests

        // MARK: The host goes away

        /// A host powered off mid-apply (`scripts/lab stop`) is reported with the cause and the
        /// steps it had made; the others converge; once it is back, a re-run converges it.
        @Test("host powered off mid-apply: reported with its cause, the others converge, a re-run converges it")
        func hostPoweredOff() async throws {
            let scratch = try TemporaryDirectory()
            let victim = Lab.hosts.last!
            let inventory = try Converge.makeInventory(withLabVars: ["slow_step": 8, "greeting": "power off \(UUID())"], in: scratch)
            try await Fault.clearSlowStep(on: Lab.hosts)

            let run = try BackgroundConverge(["apply", inventory])
            try await Fault.waitForSlowStep(on: [victim], of: run)
            try Fault.lab("stop", victim.name)
            defer { _ = try? Fault.lab("start", victim.name) }
            let (status, output) = try await run.finish(within: .seconds(90))

            #expect(status == 1, "\(output)")
            #expect(Fault.summaryLine(of: victim, in: output).map { $0.hasSuffix("unreachable") || $0.contains("failed") } == true,
                    "\(output)")
            // The cause, and what the host had reported made before it went.
            #expect(output.contains("\(victim.name): unreachable: exec: lost the connection") || output.contains("\(victim.name): the apply script "),
                    "\(output)")
            #expect(Fault.log(of: victim, in: output).contains("  ~ file:/etc/converge-test-daemon.conf  ok\n"), "\(output)")
            for host in Lab.hosts.dropLast() {
                #expect(Fault.summaryLine(of: host, in: output)?.contains("changed") == true, "\(host.name): \(output)")
            }

            try Fault.lab("start", victim.name)
            try Fault.expectRerunConverges(inventory)
            try await Fault.expectNothingHalfWritten(on: victim)
            try Fault.restoreLabInventory()
        }

        /// The host's link cut mid-apply (`scripts/lab cut`): converge does not wait for TCP to
        /// give up, but reports the host within about a minute (the silence limit, or the
        /// network's own "no route" first); healed, a re-run converges.
        @Test("link cut mid-apply: reported within about a minute naming the host and cause; healed, a re-run converges")
        func linkCut() async throws {
            let scratch = try TemporaryDirectory()
            let victim = Lab.hosts.last!
            let inventory = try Converge.makeInventory(withLabVars: ["slow_step": 5, "greeting": "cut link \(UUID())"], in: scratch)
            try await Fault.clearSlowStep(on: Lab.hosts)

            let run = try BackgroundConverge(["apply", inventory])
            try await Fault.waitForSlowStep(on: [victim], of: run)
            try Fault.lab("cut", victim.name)
            defer { _ = try? Fault.lab("heal", victim.name) }
            let cut = ContinuousClock.now
            let (status, output) = try await run.finish(within: .seconds(120))
            let noticed = ContinuousClock.now - cut

            #expect(status == 1, "\(output)")
            #expect(noticed < .seconds(75), "the cut link was noticed after \(noticed)")
            #expect(Fault.summaryLine(of: victim, in: output)?.hasSuffix("unreachable") == true, "\(output)")
            #expect(output.contains("\(victim.name): unreachable: exec: the host sent nothing for 60 s while the command ran: its sshd or the network stopped answering")
                    || output.contains("\(victim.name): unreachable: exec: lost the connection"), "\(output)")
            for host in Lab.hosts.dropLast() {
                #expect(Fault.summaryLine(of: host, in: output)?.contains("changed") == true, "\(host.name): \(output)")
            }

            try Fault.lab("heal", victim.name)
            try await Fault.waitUntilReachable(victim)
            try Fault.expectRerunConverges(inventory)
            try await Fault.expectNothingHalfWritten(on: victim)
            try Fault.restoreLabInventory()
        }

        /// The host's sshd stops answering once converge is logged in and applying (its
        /// per-connection sshd processes stopped with SIGSTOP: TCP still answers, SSH does
        /// not): reported after the 60 s silence limit with that cause, not a hang.
        @Test("sshd stops answering after login: reported after the 60 s silence limit with that cause; a re-run converges")
        func sshdStopsAnswering() async throws {
            let scratch = try TemporaryDirectory()
            let victim = Lab.hosts.last!
            let inventory = try Converge.makeInventory(withLabVars: ["slow_step": 5], in: scratch)
            try await Fault.clearSlowStep(on: [victim])

            let run = try BackgroundConverge(["apply", inventory, "--limit", victim.name])
            try await Fault.waitForSlowStep(on: [victim], of: run)
            let sessions = try Fault.sshdSessions(on: victim)
            try #require(!sessions.isEmpty, "no per-connection sshd found on \(victim.name)")
            for pid in sessions { kill(pid, SIGSTOP) }
            var ended = false
            defer { if !ended { for pid in sessions { kill(pid, SIGKILL) } } }
            let stopped = ContinuousClock.now
            let (status, output) = try await run.finish(within: .seconds(120))
            let noticed = ContinuousClock.now - stopped

            #expect(status == 1, "\(output)")
            #expect(noticed < .seconds(75), "the silent sshd was noticed after \(noticed)")
            #expect(noticed > .seconds(45), "noticed after only \(noticed): before the silence limit?")
            #expect(output.contains("\(victim.name): unreachable: exec: the host sent nothing for 60 s while the command ran: its sshd or the network stopped answering"),
                    "\(output)")
            #expect(Fault.summaryLine(of: victim, in: output)?.hasSuffix("unreachable") == true, "\(output)")

            for pid in sessions { kill(pid, SIGKILL) }
            ended = true
            try Fault.expectRerunConverges(inventory, limit: victim)
            try await Fault.expectNothingHalfWritten(on: victim)
        }

        // MARK: The host is busy or short of something

        /// dpkg's locks held by another process (as unattended-upgrades would) while converge
        /// must downgrade a package: converge waits for them, then succeeds, and says it waited.
        @Test("dpkg lock held by another process: converge waits, succeeds and says it waited")
        func dpkgLockHeld() async throws {
            let scratch = try TemporaryDirectory()
            let host = Lab.hosts[Lab.hosts.count > 1 ? 1 : 0]
            try Fault.restoreLabInventory(limit: host)   // converge-test-hello 2.0-1
            let inventory = try Converge.makeInventory(withLabVars: ["hello_version": "1.0-1"], in: scratch)

            try await Fault.holdDpkgLocks(on: host, seconds: 10)
            defer { Fault.killDpkgLockHolder(on: host) }
            let apply = try Converge.converge(["apply", inventory, "--limit", host.name])
            #expect(apply.status == 0, "\(apply.output)")
            let line = RunLog.lines(of: host.name, in: apply.output).first { $0.hasPrefix("  ~ package:converge-test-hello  ok") }
            #expect(line?.contains("(waited ") == true, "\(apply.output)")
            #expect(line?.contains(" s for dpkg's lock, held by process ") == true, "\(apply.output)")
            // At least most of the 10 s the locks were held.
            let waited = line.flatMap { $0.split(separator: "(waited ").last?.split(separator: " ").first }.flatMap { Int($0) } ?? 0
            #expect(waited >= 5, "\(apply.output)")

            let installed = try await Fault.shell("dpkg-query -W -f '${Version}' converge-test-hello; dpkg --audit", on: host)
            #expect(installed.stdoutText == "1.0-1")
            try Fault.restoreLabInventory(limit: host)
        }

        /// The disk fills up while a file is written (a 64 KiB tmpfs mounted over the file's
        /// directory, a 128 KiB file): converge fails naming the file and the cause; the old
        /// file is intact and no temporary file is left beside it; with room again, a
        /// re-run converges.
        @Test("disk full during a file write: fails naming the file and ENOSPC, the old file intact, no temp file left")
        func diskFull() async throws {
            let small = try TemporaryDirectory(), large = try TemporaryDirectory()
            let host = Lab.first
            let directory = "/srv/converge-payload"
            let vars: [String: Any] = ["payload_directory": directory, "payload_path": directory + "/blob"]
            let old = try Converge.makeInventory(withLabVars: vars.merging(["payload_size": 1024]) { $1 }, in: small)
            let new = try Converge.makeInventory(withLabVars: vars.merging(["payload_size": 131_072]) { $1 }, in: large)
            let first = try Converge.converge(["apply", old, "--limit", host.name])
            try #require(first.status == 0, "\(first.output)")
            let before = try await Fault.shell("sha256sum \(directory)/blob", on: host).stdoutText

            // The old file, in a 64 KiB tmpfs mounted over its directory.
            try Fault.inContainer(host, """
                cp -p \(directory)/blob /run/converge-test-blob
                mount -t tmpfs -o size=64k,mode=0755 converge-test-full \(directory)
                cp -p /run/converge-test-blob \(directory)/blob
                rm -f /run/converge-test-blob
                """)
            defer { _ = try? Fault.inContainer(host, "umount \(directory)") }
            let apply = try Converge.converge(["apply", new, "--limit", host.name])
            #expect(apply.status == 1, "\(apply.output)")
            #expect(apply.output.contains("  ~ file:\(directory)/blob  FAILED (exit status 1)"), "\(apply.output)")
            #expect(apply.output.contains("No space left on device"), "\(apply.output)")
            #expect(Fault.summaryLine(of: host, in: apply.output)?.contains("failed") == true, "\(apply.output)")
            let after = try await Fault.shell("sha256sum \(directory)/blob; ls -A \(directory)", on: host).stdoutText
            #expect(after == before + "blob\n", "the old file changed, or a temporary file was left")

            try Fault.inContainer(host, "umount \(directory)")
            try Fault.expectRerunConverges(new, limit: host)
            #expect(try await Fault.shell("stat -c %s \(directory)/blob", on: host).stdoutText == "131072\n")
            try await Fault.expectNothingHalfWritten(on: host)
            _ = try await Fault.shell("rm -rf \(directory)", on: host)
        }

        /// Debian's archive unreachable (the host's apt proxy pointed at a closed port) while
        /// converge must download a package: it fails with apt's own error, nothing is left
        /// half-installed, and once the proxy is back a re-run installs it.
        @Test("apt repository unreachable: fails with apt's error, nothing half-installed; restored, a re-run converges")
        func aptRepositoryUnreachable() async throws {
            let scratch = try TemporaryDirectory()
            let host = Lab.first
            let package = "tree"   // small, in every release, not in the lab's base
            try Fault.restoreLabInventory(limit: host)   // the package lists are fetched
            // Not installed, and not in apt's cache of downloaded packages either: it must be fetched.
            _ = try await Fault.shell("dpkg --purge \(package) >/dev/null 2>&1; apt-get clean", on: host)
            let inventory = try Converge.makeInventory(withLabVars: ["extra_packages": [package]], in: scratch)

            let proxy = Fault.rootDirectory(of: host) + "/etc/apt/apt.conf.d/99converge-test-dead-proxy"
            try "Acquire::http::Proxy \"http://127.0.0.1:9\";\n".write(toFile: proxy, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: proxy) }
            let apply = try Converge.converge(["apply", inventory, "--limit", host.name])
            #expect(apply.status == 1, "\(apply.output)")
            #expect(apply.output.contains("+ package:\(package)  FAILED"), "\(apply.output)")
            #expect(apply.output.contains("Could not connect to 127.0.0.1:9"), "\(apply.output)")
            #expect(Fault.summaryLine(of: host, in: apply.output)?.contains("failed") == true, "\(apply.output)")
            let audit = try await Fault.shell("dpkg --audit", on: host)
            #expect(audit.stdoutText.isEmpty, "dpkg --audit: \(audit.stdoutText)")
            let status = try await Fault.shell("dpkg-query -W -f '${Status}' \(package) 2>/dev/null || true", on: host)
            #expect(status.stdoutText != "install ok installed", "\(package) was installed after all")

            try FileManager.default.removeItem(atPath: proxy)
            try Fault.expectRerunConverges(inventory, limit: host)
            try await Fault.expectNothingHalfWritten(on: host)
            _ = try await Fault.shell("dpkg --purge \(package) >/dev/null; apt-get clean", on: host)
        }

        /// A second converge started against the same hosts while the first applies: it waits
        /// for the first (the host lock), says so, and both end well.
        @Test("a second converge against the same hosts: both succeed, the second says it waited")
        func secondConvergeAtOnce() async throws {
            let scratch = try TemporaryDirectory()
            let hosts = Array(Lab.hosts.prefix(2))
            let inventory = try Converge.makeInventory(withLabVars: ["slow_step": 5], in: scratch)
            try await Fault.clearSlowStep(on: hosts)
            let limits = hosts.flatMap { ["--limit", $0.name] }

            let first = try BackgroundConverge(["apply", inventory] + limits)
            try await Fault.waitForSlowStep(on: hosts, of: first)
            let second = try BackgroundConverge(["apply", inventory] + limits)
            let (firstStatus, firstOutput) = try await first.finish(within: .seconds(60))
            let (secondStatus, secondOutput) = try await second.finish(within: .seconds(60))

            #expect(firstStatus == 0, "\(firstOutput)")
            #expect(secondStatus == 0, "\(secondOutput)")
            #expect(!firstOutput.contains("for another converge"), "\(firstOutput)")
            for host in hosts {
                #expect(secondOutput.contains("\(host.name): waited "), "\(secondOutput)")
                #expect(secondOutput.contains(" s for another converge of this host to finish"), "\(secondOutput)")
            }
            let plan = try Converge.converge(["plan", inventory] + limits)
            #expect(plan.status == 0, "\(plan.output)")
        }

        // MARK: Ctrl-C

        /// One Ctrl-C (or SIGTERM, as systemd sends when it stops a timer's unit) while a slow
        /// step runs: no new host or step starts, the running step finishes on its host, the
        /// summary says which hosts were interrupted and which never started, and converge
        /// exits 130 (143 for SIGTERM); a re-run converges.
        @Test("Ctrl-C or SIGTERM once mid-apply: running steps finish, no new step or host starts, exit 130 or 143; a re-run converges",
              arguments: [SIGINT, SIGTERM])
        func interruptedOnce(by signal: Int32) async throws {
            try #require(Lab.hosts.count >= 3, "needs a second batch of hosts")
            let scratch = try TemporaryDirectory()
            let (batch, rest) = (Array(Lab.hosts.prefix(2)), Array(Lab.hosts.dropFirst(2)))
            let inventory = try Converge.makeInventory(withLabVars: ["slow_step": 6], in: scratch)
            try await Fault.clearSlowStep(on: Lab.hosts)

            let run = try BackgroundConverge(["apply", inventory, "--serial", "2"])
            try await Fault.waitForSlowStep(on: batch, of: run)
            run.interrupt(with: signal)
            let (status, output) = try await run.finish(within: .seconds(60))

            #expect(status == 128 + signal, "\(output)")
            let by = signal == SIGTERM ? " (SIGTERM)" : ""
            #expect(output.contains("interrupted\(by): starting no further host or step; running steps finish (Ctrl-C again to cut every connection)"),
                    "\(output)")
            for host in batch {
                #expect(Fault.summaryLine(of: host, in: output)?.contains("interrupted") == true, "\(output)")
                let log = Fault.log(of: host, in: output)
                #expect(log.contains("  ! command:slow step  ok\n"), "\(output)")
                #expect(log.contains("  ! command:after the slow step  not started (interrupted)\n"), "\(output)")
            }
            for host in rest {
                #expect(Fault.summaryLine(of: host, in: output)?.hasSuffix("not started") == true, "\(output)")
            }
            #expect(output.contains("interrupted\(by): hosts \"interrupted\" stopped between steps; \"not started\" ones were not touched"),
                    "\(output)")
            // On the hosts: the running step finished, the next one never ran; the rest untouched.
            for host in batch {
                #expect(try await Fault.slowStepMarks(on: host) == ["finished", "started"], "\(host.name)")
            }
            for host in rest {
                #expect(try await Fault.slowStepMarks(on: host) == [], "\(host.name) was touched")
            }

            try Fault.expectRerunConverges(inventory)
            for host in Lab.hosts {
                #expect(try await Fault.slowStepMarks(on: host) == ["after", "finished", "started"], "\(host.name)")
            }
        }

        /// Ctrl-C twice in quick succession: converge cuts its connections and exits at once,
        /// without waiting for the running step (which may end on the host on its own); a
        /// re-run converges.
        @Test("Ctrl-C twice: connections cut, exit 130 at once; a re-run converges")
        func interruptedTwice() async throws {
            try #require(Lab.hosts.count >= 3, "needs a second batch of hosts")
            let scratch = try TemporaryDirectory()
            let (batch, rest) = (Array(Lab.hosts.prefix(2)), Array(Lab.hosts.dropFirst(2)))
            let inventory = try Converge.makeInventory(withLabVars: ["slow_step": 12], in: scratch)
            try await Fault.clearSlowStep(on: Lab.hosts)

            let run = try BackgroundConverge(["apply", inventory, "--serial", "2"])
            try await Fault.waitForSlowStep(on: batch, of: run)
            let interrupted = ContinuousClock.now
            run.interrupt()
            try await Task.sleep(for: .milliseconds(300))
            run.interrupt()
            let (status, output) = try await run.finish(within: .seconds(30))
            let took = ContinuousClock.now - interrupted

            #expect(status == 130, "\(output)")
            #expect(took < .seconds(5), "took \(took) to stop: it waited for the step")
            #expect(output.contains("interrupted again: cutting every connection"), "\(output)")
            for host in batch {
                #expect(output.contains("\(host.name): interrupted: the connection was cut mid-apply; steps already running on the host may finish there"),
                        "\(output)")
                #expect(Fault.summaryLine(of: host, in: output)?.contains("interrupted") == true, "\(output)")
                // converge did not wait for the 12 s step.
                #expect(!(try await Fault.slowStepMarks(on: host)).contains("finished"), "\(host.name)")
            }
            for host in rest {
                #expect(Fault.summaryLine(of: host, in: output)?.hasSuffix("not started") == true, "\(output)")
            }

            // The cut-off scripts may still hold their hosts' locks until their step ends: the
            // re-run waits for them, and converges.
            try Fault.expectRerunConverges(inventory)
        }

        // MARK: Output while the run goes on

        /// Not on a terminal (a cron job, CI), each step is told as it finishes: the first
        /// host's steps are in the output while the run still works on the last host.
        @Test("A non-terminal apply prints each step as it finishes, before the last host is done")
        func plainOutputStreamsAsTheRunGoesOn() async throws {
            try #require(Lab.hosts.count >= 3, "needs three hosts")
            let scratch = try TemporaryDirectory()
            let hosts = Array(Lab.hosts.prefix(3))
            let inventory = try Converge.makeInventory(withLabVars: ["slow_step": 3], in: scratch)
            try await Fault.clearSlowStep(on: hosts)
            let limits = hosts.flatMap { ["--limit", $0.name] }

            let run = try BackgroundConverge(["apply", inventory, "--serial", "1"] + limits)
            let (first, last) = (hosts[0], hosts[2])
            let deadline = ContinuousClock.now + .seconds(60)
            while !RunLog.lines(of: first.name, in: run.output).contains("  ! command:slow step  ok") {
                guard run.isRunning, ContinuousClock.now < deadline else {
                    Issue.record("the first host's step was not told while the run went on:\n\(run.output)")
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let seenWhileRunning = run.output
            #expect(run.isRunning, "the run ended before its output was read: \(seenWhileRunning)")
            // The plan of every host is told first; the last host's steps are not yet.
            #expect(!RunLog.lines(of: last.name, in: seenWhileRunning).contains { $0.hasSuffix("slow step  ok") || $0.hasPrefix("changed, ") },
                    "\(seenWhileRunning)")
            let (status, output) = try await run.finish(within: .seconds(60))
            #expect(status == 0, "\(output)")
            #expect(RunLog.lines(of: last.name, in: output).last?.hasPrefix("changed, ") == true, "\(output)")
            #expect(output.hasPrefix("converge apply: 3 hosts, started "), "\(output)")
            #expect(output.contains("rollout batch 3 of 3 (lab): \(last.name)"), "\(output)")
        }
    }
}

/// converge-lab started in the background, its standard output and error interleaved in a
/// file: for faults injected while it runs.
final class BackgroundConverge: @unchecked Sendable {
    private let process = Process()
    private let scratch: TemporaryDirectory
    private var outputPath: String { scratch.path + "/output" }

    init(_ arguments: [String]) throws {
        scratch = try TemporaryDirectory()
        FileManager.default.createFile(atPath: scratch.path + "/output", contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + "/output"))
        process.executableURL = Lab.labBinary
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var isRunning: Bool { process.isRunning }

    /// What it printed so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Ctrl-C, as the terminal sends it; or another signal (SIGTERM, as systemd sends it).
    func interrupt(with signal: Int32 = SIGINT) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for it to end, at most `limit` (then kills it and throws); its exit status and output.
    func finish(within limit: Duration) async throws -> (status: Int32, output: String) {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw FaultError("converge did not end within \(limit):\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (process.terminationStatus, output)
    }
}

struct FaultError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What the fault tests do to hosts, and check on them.
enum Fault {
    /// Where the lab role's slow step marks its start and end (LabApp.swift's slowStepDirectory).
    static let slowStepDirectory = "/var/lib/converge-lab-slow"

    /// Runs `scripts/lab` of this lab instance (LAB_INSTANCE is passed on).
    @discardableResult
    static func lab(_ arguments: String...) throws -> String {
        try controller([Lab.repository + "/scripts/lab"] + arguments)
    }

    /// Runs `command` as root on `host` over a connection of its own, closed afterwards.
    @discardableResult
    static func shell(_ command: String, on host: LabHost) async throws -> CommandResult {
        let connection = try await Lab.connect(host)
        let result = try await connection.run(command)
        await connection.close()
        return result
    }

    /// Removes the slow step's marks, so the next apply runs it again.
    static func clearSlowStep(on hosts: [LabHost]) async throws {
        for host in hosts { try await shell("rm -rf \(slowStepDirectory)", on: host) }
    }

    /// Polls until `host` takes an SSH login again (a healed link can answer "no route to
    /// host" for a moment, until the controller's neighbour entry for it is renewed).
    static func waitUntilReachable(_ host: LabHost, within limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        while true {
            do {
                try await shell("true", on: host)
                return
            } catch {
                guard ContinuousClock.now < deadline else { throw FaultError("\(host.name) is not reachable again: \(error)") }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// The slow step's marks on `host`: `started`, `finished`, `after` (the step after it).
    static func slowStepMarks(on host: LabHost) async throws -> [String] {
        let listing = try await shell("ls \(slowStepDirectory) 2>/dev/null || true", on: host)
        return listing.stdoutText.split(separator: "\n").map(String.init).sorted()
    }

    /// Polls until the slow step has started on every one of `hosts`; fails at once when
    /// converge ends first (a plan that went wrong), and after 60 s.
    static func waitForSlowStep(on hosts: [LabHost], of run: BackgroundConverge) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var waiting = hosts
        while !waiting.isEmpty {
            guard run.isRunning else { throw FaultError("converge ended before its slow step started:\n\(run.output)") }
            guard ContinuousClock.now < deadline else {
                throw FaultError("the slow step did not start on \(waiting.map(\.name)):\n\(run.output)")
            }
            var still: [LabHost] = []
            for host in waiting {
                let started = try await shell("test -e \(slowStepDirectory)/started", on: host)
                if !started.succeeded { still.append(host) }
            }
            waiting = still
            if !waiting.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
    }

    /// The host's summary line (`lab04  unreachable`), if the output has one.
    static func summaryLine(of host: LabHost, in output: String) -> String? {
        guard let summary = output.components(separatedBy: "\nSUMMARY\n").last else { return nil }
        return summary.split(separator: "\n").first { $0.hasPrefix(host.name + "  ") }.map(String.init)
    }

    /// The host's part of the report: its plan, each change's outcome, and its last word,
    /// from the plain lines a run not on a terminal prints (`12:01:02 web1: ...`).
    static func log(of host: LabHost, in output: String) -> String {
        RunLog.lines(of: host.name, in: output).map { $0 + "\n" }.joined()
    }

    /// A re-run of the same inventory exits 0, and a plan after it has nothing to do.
    static func expectRerunConverges(_ inventory: String, limit host: LabHost? = nil,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let limit = host.map { ["--limit", $0.name] } ?? []
        let rerun = try LabSuite.ConvergeTests.converge(["apply", inventory] + limit)
        #expect(rerun.status == 0, "re-run: \(rerun.output)", sourceLocation: sourceLocation)
        let plan = try LabSuite.ConvergeTests.converge(["plan", inventory] + limit)
        #expect(plan.status == 0, "plan after the re-run: \(plan.output)", sourceLocation: sourceLocation)
    }

    /// Back to inventory/lab.json's state (its greeting, package versions), for the tests after.
    static func restoreLabInventory(limit host: LabHost? = nil) throws {
        let apply = try LabSuite.ConvergeTests.converge(["apply", Lab.inventory] + (host.map { ["--limit", $0.name] } ?? []))
        if apply.status != 0 { throw FaultError("converging inventory/lab.json again failed:\n\(apply.output)") }
    }

    /// Nothing a cut-off apply may leave: no temporary file beside a managed path (converge
    /// writes `.NAME.converge.XXXXXX`, then renames it), no package half-installed.
    static func expectNothingHalfWritten(on host: LabHost, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let check = try await shell("""
            find /etc /srv /var/lib/ops /usr/local/lib /var/log/converge \(slowStepDirectory) -xdev \\
                \\( -name '.*.converge.*' -o -name '.*.converge-link*' \\) -print 2>/dev/null
            dpkg --audit
            """, on: host)
        #expect(check.stdoutText.isEmpty, "\(host.name) has something half-written: \(check.stdoutText)", sourceLocation: sourceLocation)
    }

    // MARK: Reaching into the containers from the controller

    /// The host's network namespace, as scripts/lab names it.
    static func namespace(of host: LabHost) -> String {
        (Lab.instance == 0 ? "cvlab-" : "cvlab\(Lab.instance)-") + host.name
    }

    /// The host's root filesystem as the controller sees it (its overlay mount).
    static func rootDirectory(of host: LabHost) -> String {
        Lab.stateDirectory + "/hosts/\(host.name)/root"
    }

    /// This machine's process ids of the processes of `host`'s container, with their command lines.
    static func processes(of host: LabHost) throws -> [(pid: pid_t, command: String)] {
        try controller(["ip", "netns", "pids", namespace(of: host)]).split(separator: "\n").compactMap { line in
            guard let pid = pid_t(line.trimmingCharacters(in: .whitespaces)),
                  let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            return (pid, String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self))
        }
    }

    /// The host's per-connection sshd processes (`sshd: root@notty`, `sshd-session: root [priv]`),
    /// not the listener.
    static func sshdSessions(on host: LabHost) throws -> [pid_t] {
        try processes(of: host).filter { process in
            (process.command.hasPrefix("sshd:") || process.command.hasPrefix("sshd-session:"))
                && !process.command.contains("[listener]")
        }.map(\.pid)
    }

    /// Runs `script` with this machine's privileges in the mount namespace of `host`'s
    /// container (whose own root may not mount): its PID 1's.
    @discardableResult
    static func inContainer(_ host: LabHost, _ script: String) throws -> String {
        let initPID = try processes(of: host).first { process in
            let status = (try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)) ?? ""
            let nspid = status.split(separator: "\n").first { $0.hasPrefix("NSpid:") }
            return nspid?.split(whereSeparator: \.isWhitespace).last == "1"
        }
        guard let initPID else { throw FaultError("no PID 1 found in \(host.name)'s container") }
        return try controller(["nsenter", "-t", "\(initPID.pid)", "-m", "--", "sh", "-ec", script])
    }

    /// Holds dpkg's two locks on `host` (fcntl locks, as apt and dpkg take them) for
    /// `seconds`, from a process of its own; returns once they are held.
    static func holdDpkgLocks(on host: LabHost, seconds: Int) async throws {
        let started = try await shell("""
            cat >/run/converge-test-hold-dpkg <<'EOF'
            use Fcntl;
            $| = 1;
            my @held;
            for my $path ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock") {
                sysopen(my $fh, $path, O_RDWR | O_CREAT, 0640) or die "open $path: $!";
                my $lock = pack("s s x4 q q i x4", F_WRLCK, 0, 0, 0, 0);   # struct flock, 64-bit Linux
                fcntl($fh, F_SETLK, $lock) or die "lock $path: $!";
                push @held, $fh;
            }
            print "held\\n";
            sleep $ARGV[0];
            EOF
            perl /run/converge-test-hold-dpkg \(seconds) >/run/converge-test-hold-dpkg.out 2>&1 </dev/null &
            """, on: host)
        try #require(started.succeeded, "\(started.stderrText)")
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let said = try await shell("cat /run/converge-test-hold-dpkg.out", on: host).stdoutText
            if said == "held\n" { return }
            guard said.isEmpty, ContinuousClock.now < deadline else { throw FaultError("holding dpkg's locks: \(said)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Ends the process holding dpkg's locks, if it still runs.
    static func killDpkgLockHolder(on host: LabHost) {
        for process in (try? processes(of: host)) ?? [] where process.command.contains("converge-test-hold-dpkg") {
            kill(process.pid, SIGKILL)
        }
    }
}
