import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// `converge plan` and `converge apply` on the lab fleet, through the real command line.
    /// Each test starts from the state the one before left.
    @Suite("converge plan and apply on lab hosts")
    struct ConvergeTests {
        /// Runs converge-lab (the command line with the lab's test roles) built beside the tests.
        static func converge(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
            let result = try run([executable.path] + arguments, environment: environment)
            return (result.status, result.stdout + result.stderr)
        }

        static var executable: URL { Lab.labBinary }

        static var inventory: String { Lab.inventory }

        /// The lab inventory with `vars` added to the `lab` group and `ssh` settings merged
        /// into the top level's, written to a scratch file.
        static func makeInventory(withLabVars vars: [String: Any], ssh: [String: Any] = [:],
                                  in scratch: TemporaryDirectory) throws -> String {
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: inventory))) as! [String: Any]
            var settings = document["ssh"] as? [String: Any] ?? [:]
            settings.merge(ssh) { _, new in new }
            document["ssh"] = settings
            var groups = document["groups"] as! [String: Any]
            var lab = groups["lab"] as! [String: Any]
            var labVars = lab["vars"] as? [String: Any] ?? [:]
            labVars.merge(vars) { _, new in new }
            lab["vars"] = labVars
            groups["lab"] = lab
            document["groups"] = groups
            let path = scratch.path + "/inventory.json"
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
            return path
        }

        /// How many times the test daemon has started on `host`: each start logs "load 1:".
        static func daemonStarts(on host: LabHost) async throws -> Int {
            let connection = try await Lab.connect(host)
            let result = try await connection.run("journalctl --no-pager -o cat -u converge-test-daemon.service | grep -c '^load 1:' || true")
            return Int(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        @Test("apply converges every host; a second run plans and changes nothing")
        func applyThenIdempotent() throws {
            let first = try Self.converge(["apply", Self.inventory])
            #expect(first.status == 0, "\(first.output)")
            #expect(first.output.contains("\(Lab.hosts.count) host(s):"))

            let plan = try Self.converge(["plan", Self.inventory])
            #expect(plan.status == 0, "\(plan.output)")
            for host in Lab.hosts {
                #expect(plan.output.contains("\(host.name): no changes"), "\(host.name)")
            }
            let second = try Self.converge([Self.inventory])  // apply is the default command
            #expect(second.status == 0)
            #expect(second.output.contains("\(Lab.hosts.count) ok, 0 changed"), "\(second.output)")
        }

        @Test("drift is found by plan and repaired by apply, on exactly the drifted host")
        func driftRepaired() async throws {
            _ = try Self.converge(["apply", Self.inventory])
            let host = Lab.hosts[1]
            let connection = try await Lab.connect(host)
            let vandalism = try await connection.run("""
                echo 'edited by hand' >> /etc/motd
                chmod 600 /etc/converge/host
                systemctl stop converge-test-daemon && systemctl disable converge-test-daemon 2>/dev/null
                rm -f '/srv/lab app/.initialized'
                """)
            #expect(vandalism.succeeded, "\(vandalism.stderrText)")

            let plan = try Self.converge(["plan", Self.inventory])
            #expect(plan.status == 2, "\(plan.output)")
            for change in ["~ file:/etc/motd", "~ file:/etc/converge/host", "service:converge-test-daemon", "! command:initialize lab app"] {
                #expect(plan.output.contains(change), "plan does not name \(change)")
            }
            for other in Lab.hosts where other.name != host.name {
                #expect(plan.output.contains("\(other.name): no changes"))
            }

            let apply = try Self.converge(["apply", Self.inventory])
            #expect(apply.status == 0, "\(apply.output)")
            let state = try await connection.run("systemctl is-active converge-test-daemon; systemctl is-enabled converge-test-daemon; stat -c %a /etc/converge/host; grep -c 'edited by hand' /etc/motd || true")
            #expect(state.stdoutText == "active\nenabled\n644\n0\n")
            #expect(try Self.converge(["plan", Self.inventory]).status == 0)
        }

        @Test("a config change restarts its service exactly once; an unchanged one never does")
        func restartOnce() async throws {
            let scratch = try TemporaryDirectory()
            _ = try Self.converge(["apply", Self.inventory])
            let before = try await Self.daemonStarts(on: Lab.first)

            let unchanged = try Self.converge(["apply", Self.inventory])
            #expect(unchanged.status == 0)
            #expect(try await Self.daemonStarts(on: Lab.first) == before, "restarted without a change")

            let changed = try Self.makeInventory(withLabVars: ["greeting": "changed greeting \(UUID().uuidString)"], in: scratch)
            let apply = try Self.converge(["apply", changed, "--limit", Lab.first.name])
            #expect(apply.status == 0, "\(apply.output)")
            #expect(try await Self.daemonStarts(on: Lab.first) == before + 1)
            let loaded = try await Lab.connect(Lab.first).run("cat /run/converge-test-daemon/loaded.conf")
            #expect(loaded.stdoutText.contains("changed greeting"))
            // Back to the lab inventory's greeting for the tests after this one.
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
        }

        @Test("an unreachable host is named in the summary while the others converge; exit status 1")
        func unreachableHost() throws {
            let victim = Lab.hosts.last!
            try controller([Lab.repository + "/scripts/lab", "stop", victim.name])
            defer { _ = try? controller([Lab.repository + "/scripts/lab", "start", victim.name]) }
            let result = try Self.converge(["apply", Self.inventory])
            #expect(result.status == 1)
            #expect(result.output.contains("\(victim.name)  unreachable"), "\(result.output)")
            #expect(result.output.contains("\(Lab.hosts.count - 1) ok") || result.output.contains("changed"))
        }

        @Test("bad input: unknown role and unknown host give clear errors and change nothing")
        func badInput() throws {
            let scratch = try TemporaryDirectory()
            var document = try String(contentsOfFile: Self.inventory, encoding: .utf8)
            document = document.replacingOccurrences(of: "\"lab-app\"", with: "\"no-such-role\"")
            let path = scratch.path + "/bad.json"
            try document.write(toFile: path, atomically: true, encoding: .utf8)
            let unknownRole = try Self.converge(["apply", path])
            #expect(unknownRole.status != 0)
            #expect(unknownRole.output.contains("unknown role \"no-such-role\""))

            let unknownHost = try Self.converge(["plan", Self.inventory, "--limit", "nosuchhost"])
            #expect(unknownHost.status != 0)
            #expect(unknownHost.output.contains("no host or group named \"nosuchhost\""))
        }

        @Test("a saved plan applies exactly, and is refused once its host changed")
        func savedPlan() async throws {
            let scratch = try TemporaryDirectory()
            _ = try Self.converge(["apply", Self.inventory])
            let (changed, touched) = (Lab.hosts[0], Lab.hosts[1])
            for host in [changed, touched] {
                _ = try await Lab.connect(host).run("echo 'hand edit' >> /etc/motd")
            }
            let planFile = scratch.path + "/plan.json"
            let plan = try Self.converge(["plan", Self.inventory, "--out", planFile])
            #expect(plan.status == 2)
            // After the plan was made, someone edits one of the two hosts again.
            _ = try await Lab.connect(touched).run("echo 'second edit' >> /etc/motd")

            let apply = try Self.converge(["apply", planFile])
            #expect(apply.status == 1)
            #expect(apply.output.contains("\(touched.name): plan: the host changed since the plan was made"), "\(apply.output)")
            let motd = try await Lab.connect(changed).run("grep -c 'hand edit' /etc/motd || true")
            #expect(motd.stdoutText == "0\n", "the saved plan was not applied to \(changed.name)")
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
        }

        @Test("a secret named by the inventory lands with mode 0600 and never shows in plans or output")
        func secrets() async throws {
            let scratch = try TemporaryDirectory()
            let token = "s3cret-\(UUID().uuidString)"
            let tokenFile = scratch.path + "/token"
            try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let inventory = try Self.makeInventory(withLabVars: ["app_token_file": tokenFile], in: scratch)

            let planFile = scratch.path + "/plan.json"
            let plan = try Self.converge(["plan", inventory, "--limit", Lab.first.name, "--out", planFile])
            #expect(plan.status == 2)
            #expect(plan.output.contains("/etc/converge-test-daemon.token"))
            #expect(!plan.output.contains(token))
            #expect(!(try String(contentsOfFile: planFile, encoding: .utf8)).contains(token))

            let apply = try Self.converge(["apply", inventory, "--limit", Lab.first.name])
            #expect(apply.status == 0, "\(apply.output)")
            #expect(!apply.output.contains(token))
            let landed = try await Lab.connect(Lab.first).run("stat -c '%a %U' /etc/converge-test-daemon.token; cat /etc/converge-test-daemon.token")
            #expect(landed.stdoutText == "600 root\n\(token)")
            _ = try await Lab.connect(Lab.first).run("rm -f /etc/converge-test-daemon.token")
        }

        @Test("through sudo as an unprivileged user, converging works the same")
        func sudo() async throws {
            let scratch = try TemporaryDirectory()
            _ = try Self.converge(["apply", Self.inventory])
            _ = try await Lab.connect(Lab.first).run("echo 'hand edit' >> /etc/motd")
            let inventory = try Self.makeInventory(withLabVars: [:], ssh: ["user": "deploy", "sudo": true], in: scratch)
            let apply = try Self.converge(["apply", inventory, "--limit", Lab.first.name])
            #expect(apply.status == 0, "\(apply.output)")
            #expect(apply.output.contains("~ file:/etc/motd"))
            let motd = try await Lab.connect(Lab.first).run("grep -c 'hand edit' /etc/motd || true; stat -c %U /etc/motd")
            #expect(motd.stdoutText == "0\nroot\n")
            #expect(try Self.converge(["plan", inventory, "--limit", Lab.first.name]).status == 0)
        }

        @Test("an unknown package fails its host with apt's message; the other hosts converge")
        func unknownPackage() throws {
            let scratch = try TemporaryDirectory()
            let inventory = try Self.makeInventory(withLabVars: ["extra_packages": ["converge-no-such-package"]], in: scratch)
            let apply = try Self.converge(["apply", inventory, "--limit", Lab.first.name])
            #expect(apply.status == 1)
            #expect(apply.output.contains("package:converge-no-such-package"), "\(apply.output)")
            #expect(apply.output.contains("Unable to locate package converge-no-such-package"), "\(apply.output)")
            #expect(apply.output.contains("\(Lab.first.name)  failed"))
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
        }

        @Test("--serial 1 restarts one host at a time, in inventory order")
        func rolling() async throws {
            let scratch = try TemporaryDirectory()
            _ = try Self.converge(["apply", Self.inventory])
            let inventory = try Self.makeInventory(withLabVars: ["greeting": "rolling \(UUID().uuidString)"], in: scratch)
            let apply = try Self.converge(["apply", inventory, "--serial", "1"])
            #expect(apply.status == 0, "\(apply.output)")
            // Containers share the kernel's monotonic clock: each host's daemon must have
            // started again after the previous host's converge had finished it.
            var previous = 0
            for host in Lab.hosts {
                let show = try await Lab.connect(host).run("systemctl show -p ExecMainStartTimestampMonotonic converge-test-daemon")
                let started = Int(show.stdoutText.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
                #expect(started > previous, "\(host.name) restarted before the host before it")
                previous = started
            }
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
        }

        @Test("a host stopped in the middle of a run is named in the summary; the others finish")
        func hostStoppedMidRun() async throws {
            let scratch = try TemporaryDirectory()
            let victim = Lab.hosts.last!
            // A changed config on every host, and a slow step: the victim is stopped while that
            // step runs, never after a run that was simply faster than a fixed delay. 15 s
            // outlasts the stop's clean shutdown (up to 10 s), so the step cannot end first.
            let inventory = try Self.makeInventory(
                withLabVars: ["slow_step": 15, "greeting": "mid-run \(UUID().uuidString)"], in: scratch)
            try await Fault.clearSlowStep(on: Lab.hosts)
            let run = try BackgroundConverge(["apply", inventory])
            try await Fault.waitForSlowStep(on: [victim], of: run)
            try controller([Lab.repository + "/scripts/lab", "stop", victim.name])
            defer { _ = try? controller([Lab.repository + "/scripts/lab", "start", victim.name]) }
            let (status, output) = try await run.finish(within: .seconds(90))

            #expect(status == 1, "\(output)")
            let victimLine = output.split(separator: "\n").first { $0.hasPrefix("\(victim.name)  ") }
            #expect(victimLine.map { $0.hasSuffix("unreachable") || $0.contains("failed") } == true, "\(output)")
            for host in Lab.hosts.dropLast() {
                #expect(output.contains("\(host.name)  changed"), "\(host.name) did not finish: \(output)")
            }
        }

        @Test("role facts cached from the last run are checked: a stale cache still plans right and is mended")
        func staleRoleFactsCache() throws {
            let scratch = try TemporaryDirectory()
            let environment = ["XDG_CACHE_HOME": scratch.path]
            #expect(try Self.converge(["apply", Self.inventory], environment: environment).status == 0)
            let cached = scratch.path + "/converge/role-facts/\(Lab.first.name)@\(Lab.first.address).json"
            #expect(try String(contentsOfFile: cached, encoding: .utf8).contains("\"codename\":\"\(Lab.first.release)\""))

            // As if the host had been reinstalled with Debian 8 since the last run.
            try #"{"codename":"jessie","majorVersion":8,"architecture":"i386"}"#.write(toFile: cached, atomically: true, encoding: .utf8)
            let plan = try Self.converge(["plan", Self.inventory], environment: environment)
            #expect(plan.status == 0, "\(plan.output)")
            #expect(try String(contentsOfFile: cached, encoding: .utf8).contains("\"codename\":\"\(Lab.first.release)\""))
        }
    }
}