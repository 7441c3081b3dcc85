import Shell
import Facts
import Foundation
import Resources
import Testing
import TestSupport

@testable import Planner

/// Resources → exact commands, and the apply script run under dash.
@Suite struct ShellCommandsTests {
    @Test func oneAptTransaction() throws {
        let plan = HostPlan(host: "web1", factsFingerprint: "", query: try HostStateQuery(resources: []), changes: [
            Change(resource: .package("a"), action: .create, reason: "", operation: .installPackage(name: "a", version: nil, allowDowngrade: false)),
            Change(resource: .package("b"), action: .update, reason: "", operation: .installPackage(name: "b", version: "1:2.0-1~deb8u1", allowDowngrade: true)),
            Change(resource: .package("c"), action: .remove, reason: "", operation: .removePackage(name: "c")),
            Change(resource: .file("/x"), action: .remove, reason: "", operation: .removePath(path: "/x", recursive: false)),
            Change(resource: .package("d"), action: .create, reason: "", operation: .installPackage(name: "d", version: nil, allowDowngrade: false)),
        ])
        let script = try ApplyScript(plan: plan, boundary: "--converge-test-boundary--")
        #expect(script.steps == [[0, 1, 2], [3], [4]])
        // force-yes for a downgrade only on apt 1.0 (jessie's), which knows no other way.
        #expect(script.text.contains("""
            converge_force=
            if converge_old_apt; then converge_force=APT::Get::force-yes=true; fi
            converge_apt -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 -o APT::Get::allow-downgrades=true ${converge_force:+-o "$converge_force"} \
            install 'a' 'b=1:2.0-1~deb8u1' 'c-'
            """))
        #expect(script.text.contains("""
            converge_apt -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 install 'd'
            """))
        try expectValidSyntax(script.text)
    }

    @Test func exactCommands() throws {
        let secrets = SecretValues()
        func commands(_ operation: HostOperation) throws -> String {
            try ShellCommands.commands(for: operation, secrets: secrets)
        }
        #expect(try commands(.refreshPackageLists) == """
            converge_try=1
            # shellcheck disable=SC2016 # expanded by the inner sh
            until timeout -k 10 300 sh -c '. "$converge_dir/lib"; converge_apt "$@"' sh -q -o DPkg::Lock::Timeout=300 update; do
            \tif [ "$converge_try" -ge 3 ]; then echo "converge: apt-get update failed $converge_try times"; exit 1; fi
            \tconverge_try=$((converge_try + 1))
            \techo "converge: apt-get update failed or stalled; try $converge_try of 3"
            done
            mkdir -p /var/lib/apt/periodic
            touch /var/lib/apt/periodic/update-success-stamp
            """)
        #expect(try commands(.setAttributes(path: "/etc/it's", owner: "root", group: "adm", mode: 0o640)) == """
            chown -h 'root:adm' -- '/etc/it'\\''s'
            chmod 0640 -- '/etc/it'\\''s'
            """)
        #expect(try commands(.setAttributes(path: "/x", owner: nil, group: "adm", mode: nil)) == "chown -h ':adm' -- '/x'")
        #expect(try commands(.makeDirectory(path: "/srv/a b", owner: nil, group: nil, mode: 0o2775)) == """
            mkdir -p -- '/srv/a b'
            chmod 2775 -- '/srv/a b'
            """)
        #expect(try commands(.removePath(path: "/srv/$(x)", recursive: true)) == "rm -fr -- '/srv/$(x)'")
        #expect(try commands(.createUser(
            name: "deploy", uid: 1001, group: "deploy", groups: ["sudo", "adm"], home: "/home/deploy", shell: "/bin/bash",
            system: false)) == "useradd -u 1001 -g 'deploy' -G 'sudo,adm' -d '/home/deploy' -m -s '/bin/bash' -- 'deploy'")
        #expect(try commands(.createUser(name: "app", uid: nil, group: nil, groups: [], home: nil, shell: nil, system: true))
            == "useradd -r -- 'app'")
        #expect(try commands(.modifyUser(name: "deploy", uid: nil, group: nil, addGroups: ["web"], home: nil, shell: "/bin/sh"))
            == "usermod -a -G 'web' -s '/bin/sh' -- 'deploy'")
        #expect(try commands(.removeUser(name: "old")) == "userdel -- 'old'")
        #expect(try commands(.createGroup(name: "web", gid: 2000, system: true)) == "groupadd -g 2000 -r -- 'web'")
        #expect(try commands(.modifyGroup(name: "web", gid: 2001)) == "groupmod -g 2001 -- 'web'")
        #expect(try commands(.removeGroup(name: "web")) == "groupdel -- 'web'")
        #expect(try commands(.systemctl(unit: "nginx.service", verbs: ["restart"])) == """
            systemctl 'restart' 'nginx.service'
            converge_restarted 'nginx.service'
            """)
        #expect(try commands(.ensureService(unit: "nginx.service", running: true, enabled: nil, refresh: "reload")) == """
            converge_service 'nginx.service' yes - 'reload'
            """)
        #expect(try commands(.runCommand(command: "echo 'hi'", creates: "/x y", unless: "test -f /z", retries: 0, delay: 5)) == """
            if [ -e '/x y' ] || [ -L '/x y' ]; then echo 'converge: creates path exists; not run'; exit 0; fi
            if sh -c 'test -f /z' </dev/null >/dev/null 2>&1; then echo 'converge: unless holds; not run'; exit 0; fi
            sh -c 'echo '\\''hi'\\'''
            """)
        #expect(try commands(.makeSymlink(path: "/etc/a b", target: "../t")) == """
            converge_tmp='/etc/.a b.converge-link'$$
            rm -f "$converge_tmp"
            ln -s -- '../t' "$converge_tmp"
            mv -f -T "$converge_tmp" '/etc/a b'
            """)
    }

    @Test func fileWritesCarryBase64AndCheckTheHash() throws {
        let data = Data("line one\nline two\n".utf8)
        let text = try ShellCommands.commands(
            for: .writeFile(path: "/etc/motd", bytes: .inline(data), owner: "root", group: nil, mode: 0o644), secrets: SecretValues())
        #expect(text == """
            converge_dest='/etc/motd'
            converge_tmp=$(mktemp '/etc/.motd.converge.XXXXXX')
            trap 'rm -f "$converge_tmp"' EXIT
            base64 -d > "$converge_tmp" <<'CONVERGE_END_OF_BASE64'
            \(data.base64EncodedString())
            CONVERGE_END_OF_BASE64
            if ! sha256sum < "$converge_tmp" | grep -q '^\(sha256Hex(data)) '; then
            \techo "converge: content arrived damaged: sha256 $(sha256sum < "$converge_tmp" | cut -c1-64), want \(sha256Hex(data))" >&2; exit 1
            fi
            chown 'root' "$converge_tmp"
            chmod 0644 "$converge_tmp"
            mv -f "$converge_tmp" "$converge_dest"
            trap - EXIT
            """)
    }

    @Test func secretsMustMatchThePlan() {
        let operation = HostOperation.writeFile(
            path: "/etc/s", bytes: .secret(text: .environment("S"), digest: SecretValues.testKey.digest(Data("a".utf8)), size: 1),
            owner: nil, group: nil, mode: 0o600)
        #expect(throws: PlanError.secret(.file("/etc/s"), .environment("S"), "not resolved")) {
            try ShellCommands.commands(for: operation, secrets: SecretValues())
        }
        #expect(throws: PlanError.secret(.file("/etc/s"), .environment("S"), "changed since the plan was made")) {
            try ShellCommands.commands(for: operation, secrets: SecretValues([.environment("S"): Data("b".utf8)]))
        }
    }
}

@Suite struct ApplyScriptRunTests {
    /// Runs the script as `sh -s` does over SSH: on standard input.
    func apply(_ script: ApplyScript, prefix: String = "", environment: [String: String] = [:]) throws -> (ProcessRun, ApplyResult) {
        try expectValidSyntax(script.text)
        let output = prefix.isEmpty
            ? try run([dash, "-s"], input: script.text, environment: environment)
            : try run([dash, "-c", prefix + "exec \(dash) -s"], input: script.text, environment: environment)
        return (output, script.results(from: output.stdout))
    }

    func options(_ directory: String) -> ApplyOptions {
        ApplyOptions(lockPath: directory + "/lock", lockTimeout: 1, aptLockTimeout: 20, aptRetryInterval: 1)
    }

    @Test func writesFilesWithAwkwardNamesAtomically() throws {
        try withTemporaryDirectory { directory in
            let secret = Data("p@ss'word\n$(x)\n".utf8)
            let secrets = SecretValues([.environment("CONVERGE_TEST_SECRET"): secret])
            var resources: [any Resource] = awkwardNames.map { name in
                File(directory + "/" + name, content: .text("content of \(name)\nsecond line ✓"), mode: 0o640)
            }
            resources.append(File(directory + "/secret", content: .secret(.environment("CONVERGE_TEST_SECRET"))))
            resources.append(File(directory + "/binary", content: .data(Data([0, 255, 10, 13]))))
            resources.append(File(directory + "/empty", content: ""))
            resources.append(Directory(directory + "/new dir/sub", mode: 0o750))
            resources.append(Symlink(directory + "/link name", target: "target with 'quote'"))
            let plan = try plan(resources, HostState(), secrets: secrets)
            let script = try ApplyScript(plan: plan, secrets: secrets, options: options(directory))
            let (output, result) = try apply(script)
            #expect(output.status == 0, "\(output.stderr)")
            #expect(result.succeeded, "\(result)")
            for name in awkwardNames {
                let path = directory + "/" + name
                #expect(try String(contentsOfFile: path, encoding: .utf8) == "content of \(name)\nsecond line ✓")
                let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(mode == 0o640)
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/secret")) == secret)
            #expect(try FileManager.default.attributesOfItem(atPath: directory + "/secret")[.posixPermissions] as? Int == 0o600)
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/binary")) == Data([0, 255, 10, 13]))
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/empty")) == Data())
            #expect(try FileManager.default.attributesOfItem(atPath: directory + "/new dir/sub")[.posixPermissions] as? Int == 0o750)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/link name") == "target with 'quote'")
            // No temporary files left, nothing run from a name.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".converge") }
            #expect(leftovers == [])
            #expect(!FileManager.default.fileExists(atPath: "pwned"))

            // Converged: the same resources now plan nothing.
            var probe = FactProbe()
            let keys = try HostStateQuery(resources: resources).add(to: &probe)
            let state = try keys.state(from: probe.results(from: run([dash, "-s"], input: probe.script).stdout))
            #expect(try Planner.plan(host: "web1", resources: resources, state: state, secrets: secrets).changes == [])
        }
    }

    /// A hung step is stopped at the step timeout, with everything it started, and the run
    /// goes no further; a command that fails a few times before it works is retried.
    @Test func hungStepsTimeOutAndRetriesWait() throws {
        try withTemporaryDirectory { directory in
            let resources: [any Resource] = [
                Command("flaky", "n=$(cat \(directory)/tries 2>/dev/null || echo 0); echo $((n + 1)) > \(directory)/tries; [ $n -ge 2 ]",
                        retries: 3, delay: 0),
                Command("hangs", "sleep 300 & echo $! > \(directory)/child; wait", requires: [.command("flaky")]),
                Command("after", "touch \(directory)/after", requires: [.command("hangs")]),
            ]
            var options = options(directory)
            options.stepTimeout = 1
            let script = try ApplyScript(plan: try plan(resources, HostState()), options: options)
            let started = Date()
            let (_, result) = try apply(script)
            #expect(Date().timeIntervalSince(started) < 15)
            #expect(result.outcomes[0] == .succeeded)
            #expect(try String(contentsOfFile: directory + "/tries", encoding: .utf8) == "3\n")
            guard case .failed(let status, let output) = result.outcomes[1] else {
                Issue.record("the hung step did not fail: \(result.outcomes)")
                return
            }
            #expect(status == 124)
            #expect(output.contains("timed out after 1 s"))
            #expect(result.outcomes[2] == .skipped)
            #expect(!FileManager.default.fileExists(atPath: directory + "/after"))
            // The step's own child was stopped with it (gone, or a zombie nobody reaped yet).
            let child = try String(contentsOfFile: directory + "/child", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
            #expect(stat.isEmpty || stat.split(separator: " ")[2] == "Z", "\(stat)")
        }
    }

    @Test func stopsAtTheFirstFailureAndSkipsTheRest() throws {
        try withTemporaryDirectory { directory in
            let resources: [any Resource] = [
                Command("first", "echo one"),
                Command("breaks", "echo 'partial output'; echo 'boom: it broke' >&2; exit 3", requires: [.command("first")]),
                Command("after", "touch \(shellQuote(directory + "/after"))", requires: [.command("breaks")]),
                File(directory + "/late", content: "x", requires: [.command("after")]),
            ]
            let plan = try plan(resources, HostState())
            let (output, result) = try apply(try ApplyScript(plan: plan, options: options(directory)))
            #expect(output.status == 0)
            #expect(result.outcomes == [
                .succeeded, .failed(exitStatus: 3, output: "partial output\nboom: it broke\n"), .skipped, .skipped,
            ])
            #expect(result.isComplete)
            #expect(!result.succeeded)
            #expect(result.firstFailure == 1)
            #expect(!FileManager.default.fileExists(atPath: directory + "/after"))
            #expect(!FileManager.default.fileExists(atPath: directory + "/late"))
            let report = PlanRenderer.render(result, of: plan)
            #expect(report.contains("! command:after  skipped (after command:breaks failed)"))
            #expect(report.contains("! command:breaks  FAILED (exit status 3)\n      partial output\n      boom: it broke"))
        }
    }

    /// File steps run in a subshell of the script (no `timeout`, no `sh`): a command that
    /// fails in one still ends the step there (`set -e` holds), fails it with the cause,
    /// leaves no temporary file, and skips the rest.
    @Test func aFailingFileStepStopsAtItsFailingCommand() throws {
        try withTemporaryDirectory { directory in
            let resources: [any Resource] = [
                File(directory + "/first", content: "one"),
                // chown to an owner that does not exist: mktemp and base64 worked, chown fails.
                File(directory + "/owned", content: "two", owner: "converge-no-such-user"),
                Command("after", "touch \(shellQuote(directory + "/after"))", requires: [.file(directory + "/owned")]),
            ]
            var state = HostState()
            state.users["converge-no-such-user"] = UserState(uid: 4242, gid: 4242, primaryGroup: "root", groups: ["root"], home: "/", shell: "/bin/sh")
            let plan = try plan(resources, state)
            let script = try ApplyScript(plan: plan, options: options(directory))
            #expect(script.text.contains("converge_run 0 inline"))
            let (_, result) = try apply(script)
            #expect(result.outcomes[0] == .succeeded)
            guard case .failed(let status, let output) = result.outcomes[1] else {
                Issue.record("the chown did not fail its step: \(result.outcomes)")
                return
            }
            #expect(status == 1)
            #expect(output.contains("converge-no-such-user"), "\(output)")
            #expect(result.outcomes[2] == .skipped)
            #expect(try String(contentsOfFile: directory + "/first", encoding: .utf8) == "one")
            #expect(!FileManager.default.fileExists(atPath: directory + "/owned"))
            #expect(!FileManager.default.fileExists(atPath: directory + "/after"))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".converge") }
            #expect(leftovers == [])
        }
    }

    @Test func guardsAreCheckedAgainAtApplyTime() throws {
        try withTemporaryDirectory { directory in
            let marker = directory + "/ran"
            let resources: [any Resource] = [
                Command("guarded", "touch \(shellQuote(marker))", creates: directory + "/exists"),
                Command("unless", "touch \(shellQuote(marker))2", unless: "test -d \(shellQuote(directory))"),
                Command("runs", "touch \(shellQuote(marker))3", creates: directory + "/nope", unless: "false", retries: 0, delay: 5),
            ]
            let state = HostState(guards: [
                "guarded": GuardState(createsExists: false, unlessStatus: nil),
                "unless": GuardState(createsExists: nil, unlessStatus: 1),
                "runs": GuardState(createsExists: false, unlessStatus: 1),
            ])
            let plan = try plan(resources, state)
            #expect(plan.changes.count == 3)
            // The guard came to hold after planning.
            try #require(FileManager.default.createFile(atPath: directory + "/exists", contents: Data()))
            let (_, result) = try apply(try ApplyScript(plan: plan, options: options(directory)))
            #expect(result.succeeded)
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(!FileManager.default.fileExists(atPath: marker + "2"))
            #expect(FileManager.default.fileExists(atPath: marker + "3"))
        }
    }

    @Test func stepsNeverReadTheScript() throws {
        try withTemporaryDirectory { directory in
            let resources: [any Resource] = [
                Command("reads", "cat; read line || true"),
                File(directory + "/after", content: "still here\n", requires: [.command("reads")]),
            ]
            let (_, result) = try apply(try ApplyScript(plan: plan(resources, HostState()), options: options(directory)))
            #expect(result.succeeded)
            #expect(FileManager.default.fileExists(atPath: directory + "/after"))
        }
    }

    @Test func waitsForDpkgsLockWithOldApt() throws {
        try withTemporaryDirectory { directory in
            // An apt-get that finds dpkg locked the first time, as apt 1.0 reports it.
            let bin = directory + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try """
                #!/bin/sh
                printf '%s\\n' "$*" >> \(shellQuote(directory + "/apt-calls"))
                if [ ! -e \(shellQuote(directory + "/tried")) ]; then
                \t: > \(shellQuote(directory + "/tried"))
                \techo 'E: Could not get lock /var/lib/dpkg/lock - open (11: Resource temporarily unavailable)' >&2
                \texit 100
                fi
                echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND"
                """.write(toFile: bin + "/apt-get", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/apt-get")
            // ... and is apt 1.0 (jessie's): a downgrade takes force-yes there.
            try "#!/bin/sh\necho 1.0.9.8.4\n".write(toFile: bin + "/dpkg-query", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/dpkg-query")
            let state = HostState(
                packages: ["nginx": notInstalled(candidate: "1"), "telnet": installed("1"), "hello": installed("1.0-1", available: ["2.0-1", "1.0-1"])],
                aptLists: freshLists)
            let plan = try plan([Package("nginx"), Package("telnet", .absent), Package("hello", .version("2.0-1"))], state)
            let script = try ApplyScript(plan: plan, options: options(directory))
            let (_, result) = try apply(script, environment: ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")])
            #expect(result.succeeded, "\(result)")
            // One retry of 1 s (the test's interval), said on the step's line.
            #expect(result.notes == [0: "waited 1 s for dpkg's lock"])
            let calls = try String(contentsOfFile: directory + "/apt-calls", encoding: .utf8)
                .split(separator: "\n")
            #expect(calls.count == 2)
            #expect(calls.first == """
                -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=20 \
                -o Dpkg::Use-Pty=0 -o APT::Get::allow-downgrades=true -o APT::Get::force-yes=true install nginx hello=2.0-1 telnet-
                """)
        }
    }

    /// apt ≥ 1.9.11 waits for dpkg's lock itself (DPkg::Lock::Timeout), saying so once a
    /// second: the step succeeds, and its line says how long it waited and for whom.
    @Test func saysItWaitedForDpkgsLock() throws {
        try withTemporaryDirectory { directory in
            let bin = directory + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try """
                #!/bin/sh
                for i in 1 2 3; do
                	echo 'Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)...' >&2
                done
                echo 'Setting up hello (2.0-1) ...'
                """.write(toFile: bin + "/apt-get", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/apt-get")
            let state = HostState(
                packages: ["hello": installed("1.0-1", available: ["2.0-1", "1.0-1"]), "nginx": notInstalled(candidate: "1")],
                aptLists: freshLists)
            let plan = try plan([Package("hello", .version("2.0-1")), Package("nginx"), File(directory + "/x", content: "x")], state)
            let script = try ApplyScript(plan: plan, options: options(directory))
            let (_, result) = try apply(script, environment: ["PATH": bin + ":/usr/bin:/bin"])
            #expect(result.succeeded, "\(result)")
            // Both packages are one step: the note goes with its first change only; the file has none.
            #expect(result.notes == [0: "waited 3 s for dpkg's lock, held by process 4242 (unattended-upgr)"])
            let rendered = PlanRenderer.render(result, of: plan)
            #expect(rendered.contains("""
                  ~ package:hello  ok (waited 3 s for dpkg's lock, held by process 4242 (unattended-upgr))
                  + package:nginx  ok
                """), "\(rendered)")
        }
    }

    @Test func aptFailuresOtherThanTheLockFailAtOnce() throws {
        try withTemporaryDirectory { directory in
            let bin = directory + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try "#!/bin/sh\necho 'E: Unable to locate package nginx' >&2\nexit 100\n"
                .write(toFile: bin + "/apt-get", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/apt-get")
            let state = HostState(packages: ["nginx": notInstalled(candidate: "1")], aptLists: freshLists)
            let script = try ApplyScript(plan: plan([Package("nginx")], state), options: options(directory))
            let start = Date()
            let (_, result) = try apply(script, environment: ["PATH": bin + ":/usr/bin:/bin"])
            #expect(result.outcomes == [.failed(exitStatus: 100, output: "E: Unable to locate package nginx\n")])
            #expect(Date().timeIntervalSince(start) < 5)
        }
    }

    @Test func anotherConvergeHoldsTheLock() throws {
        try withTemporaryDirectory { directory in
            let plan = try plan([File(directory + "/x", content: "x")], HostState())
            let script = try ApplyScript(plan: plan, options: options(directory))
            let lock = shellQuote(directory + "/lock")
            let (_, result) = try apply(script, prefix: "flock \(lock) sleep 3 & sleep 0.5; ")
            #expect(result.abortMessage?.hasPrefix("another converge holds \(directory)/lock (waited 1 s)") == true)
            #expect(result.outcomes == [.skipped])
            #expect(!FileManager.default.fileExists(atPath: directory + "/x"))
        }
    }

    /// A daemon a step starts itself (as `mount` starts glusterfs) outlives the script without
    /// holding its lock: the next converge of the host does not wait for it.
    @Test func aDaemonAStepStartsDoesNotHoldTheLock() throws {
        try withTemporaryDirectory { directory in
            let daemon = Command("daemon", "sleep 30 >/dev/null 2>&1 </dev/null & echo $! > \(directory)/pid")
            let script = try ApplyScript(plan: try plan([daemon], HostState()), options: options(directory))
            try expectValidSyntax(script.text)
            try script.text.write(toFile: directory + "/apply", atomically: true, encoding: .utf8)
            // Checked while the daemon runs, then the daemon is stopped.
            let quoted = shellQuote(directory)
            let run = try run([dash, "-c", """
                \(dash) -s < \(quoted)/apply > \(quoted)/out
                kill -0 "$(cat \(quoted)/pid)" && echo 'daemon running'
                /usr/bin/flock -n \(quoted)/lock true && echo 'lock free'
                kill "$(cat \(quoted)/pid)"
                """])
            let result = script.results(from: try String(contentsOfFile: directory + "/out", encoding: .utf8))
            #expect(result.succeeded, "\(result)")
            #expect(run.stdout == "daemon running\nlock free\n", "\(run.stderr)")
        }
    }

    /// A converge of the host already running: this one waits for it, then goes on, and says
    /// how long it waited.
    @Test func waitsForAnotherConvergeAndSaysSo() throws {
        try withTemporaryDirectory { directory in
            let plan = try plan([File(directory + "/x", content: "x")], HostState())
            var options = options(directory)
            options.lockTimeout = 30
            let script = try ApplyScript(plan: plan, options: options)
            let lock = shellQuote(directory + "/lock")
            let (_, result) = try apply(script, prefix: "flock \(lock) sleep 2 & sleep 0.5; ")
            #expect(result.succeeded, "\(result)")
            #expect((result.lockWait ?? 0) >= 1)
            #expect(PlanRenderer.render(result, of: plan).contains("web1: waited "))
        }
    }

    @Test func resultsIgnoreForgedAndForeignLines() throws {
        let plan = HostPlan(host: "h", factsFingerprint: "", query: try HostStateQuery(resources: []), changes: [
            Change(resource: .command("a"), action: .run, reason: "", operation: .runCommand(command: "true", creates: nil, unless: nil, retries: 0, delay: 5)),
            Change(resource: .command("b"), action: .run, reason: "", operation: .runCommand(command: "true", creates: nil, unless: nil, retries: 0, delay: 5)),
        ])
        let script = try ApplyScript(plan: plan, boundary: "--converge-test-boundary--")
        let output = """
            Welcome to the host!
            --converge-other-boundary-- step 0 ok
            --converge-test-boundary-- step 1 ok
            --converge-test-boundary-- step 0 failed 2 6f6f7073
            --converge-test-boundary-- step 1 o
            """
        // Step 1 before step 0 does not count; the cut-off last line gives no report.
        let result = script.results(from: output)
        #expect(result.outcomes == [.failed(exitStatus: 2, output: "oops"), .unknown])
        #expect(!result.isComplete)
    }

    @Test func wholeScriptIsValidForEveryOperation() throws {
        let secret = Data("s".utf8)
        let changes: [HostOperation] = [
            .refreshPackageLists, .installPackage(name: "a", version: "1", allowDowngrade: false), .removePackage(name: "b"),
            .writeFile(path: "/a b", bytes: .inline(Data("x".utf8)), owner: "root", group: "root", mode: 0o644),
            .writeFile(path: "/s", bytes: .secret(text: .environment("S"), digest: SecretValues.testKey.digest(secret), size: 1), owner: nil, group: nil, mode: 0o600),
            .setAttributes(path: "/a", owner: "x", group: nil, mode: 0o600),
            .makeDirectory(path: "/d", owner: nil, group: "g", mode: nil), .makeSymlink(path: "/l", target: "t"),
            .removePath(path: "/r", recursive: false),
            .createUser(name: "u", uid: 1, group: "g", groups: ["a"], home: "/h", shell: "/bin/sh", system: false),
            .modifyUser(name: "u", uid: 2, group: "g", addGroups: ["b"], home: "/h2", shell: "/bin/bash"),
            .removeUser(name: "u"), .createGroup(name: "g", gid: 3, system: true), .modifyGroup(name: "g", gid: 4),
            .removeGroup(name: "g"), .systemctl(unit: "x.service", verbs: ["restart"]),
            .runCommand(command: "echo \"$(date)\" 'q'", creates: "/c", unless: "false", retries: 0, delay: 5),
        ]
        let plan = HostPlan(
            host: "web1", factsFingerprint: "", query: try HostStateQuery(resources: []),
            changes: changes.map { Change(resource: .command("x"), action: .run, reason: "", operation: $0) })
        let script = try ApplyScript(plan: plan, secrets: SecretValues([.environment("S"): secret]))
        try expectValidSyntax(script.text)
        #expect(script.steps.count == changes.count - 1)
        #expect(script.text.contains("flock -w 600 9"))
        #expect(script.text.contains("converge_lock='/run/converge.lock'"))
        // The boundary is split in the text, so a process listing cannot show a marker.
        #expect(!script.text.contains(script.boundary))
    }
}
