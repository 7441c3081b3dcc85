import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// Resource types beyond files, packages and services, applied to one host of each release.
    @Suite("resource types on lab hosts")
    struct ResourceTypeTests {
        /// An inventory of one host per release with `role` and `vars`.
        static func inventory(role: String = "kernel", vars: [String: Any], in scratch: TemporaryDirectory) throws -> String {
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Lab.inventory))) as! [String: Any]
            document["groups"] = [role: ["roles": [role], "vars": vars]]
            document["hosts"] = Lab.onePerRelease.map { ["name": $0.name, "address": $0.address, "groups": [role]] }
            let path = scratch.path + "/\(role).json"
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
            return path
        }

        static func converge(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let result = try run([Lab.labBinary.path] + arguments)
            return (result.status, result.stdout + result.stderr)
        }

        @discardableResult
        static func shell(_ command: String, on host: LabHost) async throws -> String {
            let connection = try await Lab.connect(host)
            let result = try await connection.run(command)
            await connection.close()
            return result.stdoutText
        }

        @Test("Sysctl keeps a setting in /etc/sysctl.d and sets the running kernel; a second run changes nothing")
        func sysctlPersistsAndApplies() async throws {
            let scratch = try TemporaryDirectory()
            let path = try Self.inventory(
                vars: ["sysctl": ["net.core.somaxconn": 2048, "net.ipv4.ip_local_port_range": "20000 61000"]], in: scratch)
            let plan = try Self.converge(["plan", path])
            #expect(plan.status == 2, "\(plan.output)")
            #expect(plan.output.contains("sysctl:net.core.somaxconn"), "\(plan.output)")
            let applied = try Self.converge(["apply", path])
            #expect(applied.status == 0, "\(applied.output)")
            for host in Lab.onePerRelease {
                let seen = try await Self.shell(
                    "cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/ip_local_port_range /etc/sysctl.d/60-net.core.somaxconn.conf",
                    on: host)
                #expect(seen == "2048\n20000\t61000\n# Managed by converge.\nnet.core.somaxconn = 2048\n", "\(host.name)")
            }
            let settled = try Self.converge(["plan", path])
            #expect(settled.status == 0, "\(settled.output)")
            for host in Lab.onePerRelease {
                try await Self.shell("rm -f /etc/sysctl.d/60-net.core.somaxconn.conf /etc/sysctl.d/60-net.ipv4.ip_local_port_range.conf", on: host)
            }
        }

        @Test("a setting a container's kernel refuses fails its step, naming it")
        func sysctlRefusedInAContainer() async throws {
            let scratch = try TemporaryDirectory()
            let path = try Self.inventory(vars: ["sysctl": ["vm.swappiness": 10]], in: scratch)
            let applied = try Self.converge(["apply", path])
            #expect(applied.status == 1, "\(applied.output)")
            for host in Lab.onePerRelease {
                let lines = RunLog.lines(of: host.name, in: applied.output).joined(separator: "\n")
                #expect(lines.contains("the kernel refused vm.swappiness = 10: Read-only file system"), "\(applied.output)")
                try await Self.shell("rm -f /etc/sysctl.d/60-vm.swappiness.conf", on: host)
            }
        }

        @Test("AuthorizedKeys lets a user log in with its key; added keys keep a hand-added one, exclusive keys remove it")
        func authorizedKeysLogIn() async throws {
            let scratch = try TemporaryDirectory()
            var publicKeys: [String] = []
            for name in ["first", "second"] {
                let keygen = try run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "\(name)@lab", "-f", scratch.path + "/" + name])
                try #require(keygen.status == 0, "\(keygen.stderr)")
                publicKeys.append(try String(contentsOfFile: scratch.path + "/\(name).pub", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let first = try Self.inventory(
                role: "logins", vars: ["logins": [["name": "keyed", "keys": [publicKeys[0]]]]], in: scratch)
            let applied = try Self.converge(["apply", first])
            #expect(applied.status == 0, "\(applied.output)")
            let hand = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHandAddedKeyHandAddedKeyHandAddedKey00 hand@added"
            for host in Lab.onePerRelease {
                let connection = try await Lab.connect(host, Lab.options(user: "keyed", identityFiles: [scratch.path + "/first"]))
                let whoami = try await connection.run("id -un; stat -c '%a %U' ~/.ssh ~/.ssh/authorized_keys")
                await connection.close()
                #expect(whoami.stdoutText == "keyed\n700 keyed\n600 keyed\n", "\(host.name)")
                try await Self.shell("echo '\(hand)' >> /home/keyed/.ssh/authorized_keys", on: host)
            }

            let added = try Self.inventory(
                role: "logins", vars: ["logins": [["name": "keyed", "keys": publicKeys, "exclusive": false]]], in: scratch)
            #expect(try Self.converge(["apply", added]).status == 0)
            for host in Lab.onePerRelease {
                let keys = try await Self.shell("cat /home/keyed/.ssh/authorized_keys", on: host)
                #expect(keys == publicKeys[0] + "\n" + hand + "\n" + publicKeys[1] + "\n", "\(host.name)")
            }
            #expect(try Self.converge(["plan", added]).status == 0)

            let exclusive = try Self.inventory(
                role: "logins", vars: ["logins": [["name": "keyed", "keys": [publicKeys[1]]]]], in: scratch)
            let plan = try Self.converge(["plan", exclusive])
            #expect(plan.output.contains("-" + hand), "\(plan.output)")
            #expect(try Self.converge(["apply", exclusive]).status == 0)
            for host in Lab.onePerRelease {
                #expect(try await Self.shell("cat /home/keyed/.ssh/authorized_keys", on: host) == publicKeys[1] + "\n", "\(host.name)")
                try await Self.shell("userdel -r keyed 2>/dev/null || true", on: host)
            }
        }

        /// A signed flat repository made on the controller: one package, `converge-lab-hello`,
        /// its `InRelease` signed by a key made for it. Returns the directory and the armored key.
        static func makeRepository(in scratch: TemporaryDirectory) throws -> (directory: String, key: String) {
            let gnupg = scratch.path + "/gnupg"
            try FileManager.default.createDirectory(atPath: gnupg, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let environment = ["GNUPGHOME": gnupg]
            func step(_ arguments: [String], in directory: String? = nil) throws -> String {
                let command = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0] + arguments } ?? arguments
                let result = try run(command, environment: environment)
                try #require(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
                return result.stdout
            }
            _ = try step(["/usr/bin/gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key", "converge lab <lab@converge.test>", "ed25519", "sign", "never"])
            let package = scratch.path + "/package"
            try FileManager.default.createDirectory(atPath: package + "/DEBIAN", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: package + "/usr/share/converge-lab-hello", withIntermediateDirectories: true)
            try "hello from the lab's own repository\n".write(toFile: package + "/usr/share/converge-lab-hello/hello", atomically: true, encoding: .utf8)
            try """
                Package: converge-lab-hello
                Version: 1.0-1
                Architecture: all
                Maintainer: converge <lab@converge.test>
                Description: a package of the lab's own apt repository

                """.write(toFile: package + "/DEBIAN/control", atomically: true, encoding: .utf8)
            let repository = scratch.path + "/repository"
            try FileManager.default.createDirectory(atPath: repository, withIntermediateDirectories: true)
            _ = try step(["/usr/bin/dpkg-deb", "--root-owner-group", "--build", package, repository + "/converge-lab-hello_1.0-1_all.deb"])
            try step(["/usr/bin/dpkg-scanpackages", ".", "/dev/null"], in: repository)
                .write(toFile: repository + "/Packages", atomically: true, encoding: .utf8)
            try step(["/usr/bin/apt-ftparchive", "release", "."], in: repository)
                .write(toFile: repository + "/Release", atomically: true, encoding: .utf8)
            _ = try step(["/usr/bin/gpg", "--batch", "--yes", "--clearsign", "-o", "InRelease", "Release"], in: repository)
            return (repository, try step(["/usr/bin/gpg", "--armor", "--export", "lab@converge.test"]))
        }

        @Test("AptSource: a signed repository's source and keyring, an older entry retired, its package installed")
        func aptSourceInstallsFromASignedRepository() async throws {
            let scratch = try TemporaryDirectory()
            let (repository, key) = try Self.makeRepository(in: scratch)
            let remote = "/srv/converge-test-repo"
            for host in Lab.onePerRelease {
                let connection = try await Lab.connect(host)
                _ = try await connection.run("rm -rf \(remote) && mkdir -p \(remote)")
                for name in try FileManager.default.contentsOfDirectory(atPath: repository) {
                    let data = try Data(contentsOf: URL(fileURLWithPath: repository + "/" + name))
                    _ = try await connection.run("printf '%s' '\(data.base64EncodedString())' | base64 -d > \(remote)/\(name)")
                }
                // What a vendor's install script left: a one-line entry for the same archive.
                _ = try await connection.run("echo 'deb [trusted=yes] file:\(remote)/ ./' > /etc/apt/sources.list.d/old-lab.list")
                await connection.close()
            }
            let path = try Self.inventory(role: "apt-repository", vars: ["repository": ["uri": "file:" + remote, "key": key]], in: scratch)
            let applied = try Self.converge(["apply", path])
            #expect(applied.status == 0, "\(applied.output)")
            for host in Lab.onePerRelease {
                let seen = try await Self.shell("""
                    dpkg-query -W -f '${Status}\\n' converge-lab-hello; cat /usr/share/converge-lab-hello/hello
                    grep '^Signed-By' /etc/apt/sources.list.d/converge-test.sources; test -e /etc/apt/sources.list.d/old-lab.list || echo retired
                    apt-cache policy converge-lab-hello | grep -c '^ *\\*\\*\\* 1.0-1 600$'
                    """, on: host)
                #expect(seen == "install ok installed\nhello from the lab's own repository\nSigned-By: /etc/apt/keyrings/converge-test.asc\nretired\n1\n", "\(host.name)")
            }
            let settled = try Self.converge(["plan", path])
            #expect(settled.status == 0, "\(settled.output)")
            for host in Lab.onePerRelease {
                try await Self.shell("""
                    apt-get remove -y -q converge-lab-hello >/dev/null 2>&1
                    rm -rf \(remote) /etc/apt/preferences.d/converge-test.pref /etc/apt/sources.list.d/converge-test.sources /etc/apt/keyrings/converge-test.asc /var/lib/apt/lists/_srv_converge-test-repo_*
                    """, on: host)
            }
        }

        @Test("Debconf sets an answer and reconfigures the installed package; a second run changes nothing")
        func debconfAnswers() async throws {
            let scratch = try TemporaryDirectory()
            func answers(_ frontend: String) throws -> String {
                try Self.inventory(role: "debconf", vars: ["debconf": [
                    ["package": "debconf", "question": "debconf/frontend", "type": "select", "value": frontend],
                ]], in: scratch)
            }
            let applied = try Self.converge(["apply", try answers("Readline")])
            #expect(applied.status == 0, "\(applied.output)")
            for host in Lab.onePerRelease {
                let shown = try await Self.shell("debconf-show debconf | grep 'debconf/frontend:'", on: host)
                #expect(shown.hasSuffix("debconf/frontend: Readline\n"), "\(host.name): \(shown)")
            }
            let settled = try Self.converge(["plan", try answers("Readline")])
            #expect(settled.status == 0, "\(settled.output)")
            // Debian's answer again.
            #expect(try Self.converge(["apply", try answers("Dialog")]).status == 0)
        }

        @Test("SystemdTimer: units written, timer enabled and active, its service runs; a new schedule restarts it; CronJob's file")
        func scheduledJobs() async throws {
            let scratch = try TemporaryDirectory()
            let applied = try Self.converge(["apply", try Self.inventory(role: "scheduled", vars: [:], in: scratch)])
            #expect(applied.status == 0, "\(applied.output)")
            for host in Lab.onePerRelease {
                let seen = try await Self.shell("""
                    systemctl is-enabled converge-tick.timer; systemctl is-active converge-tick.timer
                    systemctl start converge-tick.service && test -s /var/tmp/converge-tick && echo ran
                    stat -c '%a %U' /etc/cron.d/converge-tick
                    """, on: host)
                #expect(seen == "enabled\nactive\nran\n644 root\n", "\(host.name)")
            }
            let settled = try Self.converge(["plan", try Self.inventory(role: "scheduled", vars: [:], in: scratch)])
            #expect(settled.status == 0, "\(settled.output)")
            let hourly = try Self.converge(["apply", try Self.inventory(role: "scheduled", vars: ["calendar": "hourly"], in: scratch)])
            #expect(hourly.status == 0, "\(hourly.output)")
            #expect(hourly.output.contains("restart: its unit files changed") || hourly.output.contains("timer:converge-tick"), "\(hourly.output)")
            for host in Lab.onePerRelease {
                let timers = try await Self.shell("systemctl show -p TimersCalendar converge-tick.timer", on: host)
                #expect(timers.contains("OnCalendar=hourly") || timers.contains("*-*-* *:00:00"), "\(host.name): \(timers)")
                try await Self.shell("""
                    systemctl disable --now converge-tick.timer 2>/dev/null
                    rm -f /etc/systemd/system/converge-tick.service /etc/systemd/system/converge-tick.timer /etc/cron.d/converge-tick /var/tmp/converge-tick
                    systemctl daemon-reload
                    """, on: host)
            }
        }

        @Test("Lines edit a file a package installs in the same run, Block a marked block of /etc/hosts; plan shows diffs; a second run changes nothing")
        func linesAndBlocks() async throws {
            let scratch = try TemporaryDirectory()
            // Each host as before the test: whether the daemon was installed, and /etc/hosts.
            var before: [String: (installed: Bool, config: String, hosts: String)] = [:]
            for host in Lab.onePerRelease {
                let installed = try await Self.shell("dpkg-query -W -f '${Status}' converge-test-daemon 2>/dev/null || true", on: host)
                before[host.name] = (installed.hasSuffix(" installed"),
                                     try await Self.shell("cat /etc/converge-test-daemon.conf 2>/dev/null || true", on: host),
                                     try await Self.shell("cat /etc/hosts", on: host))
                try await Self.shell("systemctl stop converge-test-daemon 2>/dev/null; DEBIAN_FRONTEND=noninteractive apt-get purge -y -q converge-test-daemon >/dev/null 2>&1 || true", on: host)
            }
            func inventory(_ greeting: String, _ peers: [String]) throws -> String {
                try Self.inventory(role: "edits", vars: ["greeting": greeting, "peers": peers], in: scratch)
            }
            // The file does not exist yet: the plan says it is edited once the package is in.
            let first = try Self.converge(["plan", try inventory("bonjour", ["10.231.9.1 peer1", "10.231.9.2 peer2"])])
            #expect(first.status == 2, "\(first.output)")
            #expect(first.output.contains("lines:/etc/converge-test-daemon.conf  /etc/converge-test-daemon.conf does not exist yet; edited once package:converge-test-daemon creates it"), "\(first.output)")
            for line in ["+# BEGIN converge: lab peers", "+10.231.9.2 peer2", "+# END converge: lab peers"] {
                #expect(first.output.contains(line), "\(first.output)")
            }
            let applied = try Self.converge(["apply", try inventory("bonjour", ["10.231.9.1 peer1", "10.231.9.2 peer2"])])
            #expect(applied.status == 0, "\(applied.output)")
            for host in Lab.onePerRelease {
                let seen = try await Self.shell("""
                    cat /etc/converge-test-daemon.conf; systemctl is-active converge-test-daemon
                    sed -n '/^# BEGIN converge: lab peers$/,/^# END converge: lab peers$/p' /etc/hosts; getent hosts peer2
                    """, on: host)
                #expect(seen == """
                    # converge-test-daemon configuration: read at start and on SIGHUP (systemctl reload).
                    greeting=bonjour
                    active
                    # BEGIN converge: lab peers
                    10.231.9.1 peer1
                    10.231.9.2 peer2
                    # END converge: lab peers
                    10.231.9.2      peer2

                    """, "\(host.name)")
            }
            let settled = try Self.converge(["plan", try inventory("bonjour", ["10.231.9.1 peer1", "10.231.9.2 peer2"])])
            #expect(settled.status == 0, "\(settled.output)")
            // Drift names a line edited by hand, with its diff; the package's configuration file,
            // edited by the playbooks, is not reported as a modified conffile.
            let edited = Lab.onePerRelease[0]
            try await Self.shell("sed -i 's/^greeting=bonjour$/greeting=by-hand/' /etc/converge-test-daemon.conf", on: edited)
            let drift = try Self.converge(["drift", try inventory("bonjour", ["10.231.9.1 peer1", "10.231.9.2 peer2"])])
            #expect(drift.status == 1, "\(drift.output)")
            #expect(drift.output.contains("~ lines:/etc/converge-test-daemon.conf: 1 line added, 1 removed"), "\(drift.output)")
            #expect(drift.output.contains("-greeting=by-hand") && drift.output.contains("+greeting=bonjour"), "\(drift.output)")
            #expect(!drift.output.contains("conffile /etc/converge-test-daemon.conf"), "\(drift.output)")
            #expect(drift.output.contains("drift          \(edited.name) (lines:/etc/converge-test-daemon.conf)\n"), "\(drift.output)")
            // A new greeting: a one-line diff, and the daemon reloaded; a peer less in the block.
            let changed = try Self.converge(["apply", try inventory("hej", ["10.231.9.1 peer1"])])
            #expect(changed.status == 0, "\(changed.output)")
            #expect(changed.output.contains("-greeting=bonjour") && changed.output.contains("+greeting=hej"), "\(changed.output)")
            #expect(changed.output.contains("reload: notified by lines:/etc/converge-test-daemon.conf"), "\(changed.output)")
            for host in Lab.onePerRelease {
                let seen = try await Self.shell("grep -c '^greeting=hej$' /etc/converge-test-daemon.conf; grep -c peer2 /etc/hosts || true", on: host)
                #expect(seen == "1\n0\n", "\(host.name)")
            }
            #expect(try Self.converge(["plan", try inventory("hej", ["10.231.9.1 peer1"])]).status == 0)

            func shellWord(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            for host in Lab.onePerRelease {
                let was = before[host.name]!
                let restore = was.installed
                    ? "printf '%s' \(shellWord(was.config)) > /etc/converge-test-daemon.conf"
                    : "systemctl stop converge-test-daemon; DEBIAN_FRONTEND=noninteractive apt-get purge -y -q converge-test-daemon >/dev/null"
                try await Self.shell(restore + "\nprintf '%s' \(shellWord(was.hosts)) > /etc/hosts", on: host)
            }
        }

        @Test("Mount: fstab lines and mounted state of a tmpfs (a file written on it) and a read-only bind mount; new options remount; absent unmounts")
        func mountsFollowFstab() async throws {
            let scratch = try TemporaryDirectory()
            func inventory(_ vars: [String: Any]) throws -> String { try Self.inventory(role: "mounts", vars: vars, in: scratch) }
            let applied = try Self.converge(["apply", try inventory([:])])
            #expect(applied.status == 0, "\(applied.output)")
            #expect(applied.output.contains("+tmpfs /mnt/converge-tmp tmpfs size=16m,mode=0755 0 0"), "\(applied.output)")
            let check = """
                grep -E ' /mnt/converge-(tmp|bind) ' /etc/fstab
                awk '$2 ~ /^\\/mnt\\/converge-/ { print $2, $3 }' /proc/mounts
                cat /mnt/converge-tmp/hello /mnt/converge-bind/marker
                touch /mnt/converge-bind/x 2>/dev/null || echo read-only
                """
            for host in Lab.onePerRelease {
                let seen = try await Self.shell(check, on: host)
                #expect(seen == """
                    tmpfs /mnt/converge-tmp tmpfs size=16m,mode=0755 0 0
                    /srv/converge-bind-source /mnt/converge-bind none bind,ro 0 0
                    /mnt/converge-tmp tmpfs
                    /mnt/converge-bind overlay
                    on tmpfs
                    bound
                    read-only

                    """, "\(host.name)")
            }
            let settled = try Self.converge(["plan", try inventory([:])])
            #expect(settled.status == 0, "\(settled.output)")

            let bigger = try Self.converge(["apply", try inventory(["tmpfs_size": "32m"])])
            #expect(bigger.status == 0, "\(bigger.output)")
            #expect(bigger.output.contains("options size=16m,mode=0755, want size=32m,mode=0755: remounted"), "\(bigger.output)")
            for host in Lab.onePerRelease {
                let options = try await Self.shell("awk '$2 == \"/mnt/converge-tmp\" { print $4 }' /proc/mounts; cat /mnt/converge-tmp/hello", on: host)
                #expect(options.contains("size=32768k"), "\(host.name): \(options)")
                #expect(options.hasSuffix("on tmpfs\n"), "\(host.name): the remount keeps what is on it: \(options)")
            }

            let gone = try Self.converge(["apply", try inventory(["mounts": "absent"])])
            #expect(gone.status == 0, "\(gone.output)")
            for host in Lab.onePerRelease {
                let left = try await Self.shell("grep -c ' /mnt/converge-' /etc/fstab /proc/mounts || true", on: host)
                #expect(left == "/etc/fstab:0\n/proc/mounts:0\n", "\(host.name)")
                try await Self.shell("rm -rf /srv/converge-bind-source; rmdir /mnt/converge-tmp /mnt/converge-bind", on: host)
            }
            #expect(try Self.converge(["plan", try inventory(["mounts": "absent"])]).status == 0)
        }

        @Test("Reboot: a changed file notifies it, the host reboots and comes back, the step after it runs; a second run changes nothing")
        func rebootWhenNotified() async throws {
            let scratch = try TemporaryDirectory()
            var before: [String: String] = [:]
            for host in Lab.onePerRelease {
                try await Self.shell("rm -f /etc/converge-reboot-marker /var/tmp/converge-after-reboot", on: host)
                before[host.name] = try await Self.shell("cat /proc/sys/kernel/random/boot_id", on: host)
            }
            let path = try Self.inventory(role: "reboot", vars: ["marker": "first", "rebootTimeout": 120], in: scratch)
            let plan = try Self.converge(["plan", path])
            #expect(plan.status == 2, "\(plan.output)")
            #expect(plan.output.contains("* reboot:marker  reboot: notified by file:/etc/converge-reboot-marker"), "\(plan.output)")
            let clock = ContinuousClock()
            let started = clock.now
            let applied = try Self.converge(["apply", path])
            let took = clock.now - started
            #expect(applied.status == 0, "\(applied.output)")
            for host in Lab.onePerRelease {
                let lines = RunLog.lines(of: host.name, in: applied.output).joined(separator: "\n")
                #expect(lines.contains("reboot:marker: rebooting"), "\(applied.output)")
                #expect(lines.contains("reboot:marker: back after"), "\(applied.output)")
                let now = try await Self.shell("cat /proc/sys/kernel/random/boot_id /var/tmp/converge-after-reboot", on: host)
                let ids = now.split(separator: "\n").map(String.init)
                #expect(ids.count == 2 && ids[0] + "\n" != before[host.name], "\(host.name) did not reboot: \(now)")
                // The command after the reboot ran on the rebooted host.
                #expect(ids.count == 2 && ids[1] == ids[0], "\(host.name): \(now)")
            }
            print("lab: applying a reboot to \(Lab.onePerRelease.count) hosts took \(took)")
            let settled = try Self.converge(["plan", path])
            #expect(settled.status == 0, "\(settled.output)")
            for host in Lab.onePerRelease {
                try await Self.shell("rm -f /etc/converge-reboot-marker /var/tmp/converge-after-reboot", on: host)
            }
        }

        @Test("Reboot: a host that does not come back in time fails, naming the host, the reboot and the cause")
        func rebootTimesOut() async throws {
            let scratch = try TemporaryDirectory()
            let host = Lab.onePerRelease[0]
            try await Self.shell("rm -f /etc/converge-reboot-marker /var/tmp/converge-after-reboot", on: host)
            // Its sshd answers 20 s after the boot, from the next boot on.
            try await Self.shell("""
                mkdir -p /etc/systemd/system/ssh.service.d
                printf '[Service]\\nExecStartPre=/bin/sleep 20\\n' > /etc/systemd/system/ssh.service.d/converge-slow.conf
                """, on: host)
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Lab.inventory))) as! [String: Any]
            document["groups"] = ["reboot": ["roles": ["reboot"], "vars": ["marker": "slow", "rebootTimeout": 5]]]
            document["hosts"] = [["name": host.name, "address": host.address, "groups": ["reboot"]]]
            let path = scratch.path + "/reboot.json"
            try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
            let applied = try Self.converge(["apply", path])
            #expect(applied.status == 1, "\(applied.output)")
            #expect(applied.output.contains("reboot: reboot:marker: the host did not come back within 5 s after the reboot; last try: unreachable: connect: "), "\(applied.output)")
            // It does come back: a next run finds nothing pending and runs the step after the reboot.
            let deadline = ContinuousClock.now + .seconds(120)
            while (try? await Self.shell("true", on: host)) == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .seconds(1))
            }
            try await Self.shell("rm -r /etc/systemd/system/ssh.service.d && systemctl daemon-reload", on: host)
            let again = try Self.converge(["apply", path])
            #expect(again.status == 0, "\(again.output)")
            #expect(!again.output.contains("reboot:marker"), "\(again.output)")
            #expect(try await Self.shell("test -s /var/tmp/converge-after-reboot && echo ran", on: host) == "ran\n")
            try await Self.shell("rm -f /etc/converge-reboot-marker /var/tmp/converge-after-reboot", on: host)
        }
    

        @Test("Package holds: held, upgraded through its hold and held again, released; plan shows the selection, a second run changes nothing")
        func packageHolds() async throws {
            let scratch = try TemporaryDirectory()
            func converge(_ command: String, version: String, hold: Bool?) throws -> (status: Int32, output: String) {
                var vars: [String: Any] = ["helloVersion": version]
                if let hold { vars["hold"] = hold }
                return try Self.converge([command, try Self.inventory(role: "holds", vars: vars, in: scratch)])
            }
            func selections() async throws -> [String] {
                var seen: [String] = []
                for host in Lab.onePerRelease {
                    seen.append(try await Self.shell("dpkg-query -W -f '${Status} ${Version}' converge-test-hello", on: host))
                }
                return seen
            }
            let start = try converge("apply", version: "1.0-1", hold: false)
            #expect(start.status == 0, "\(start.output)")
            #expect(try await selections() == Array(repeating: "install ok installed 1.0-1", count: Lab.onePerRelease.count))

            let plan = try converge("plan", version: "1.0-1", hold: true)
            #expect(plan.status == 2, "\(plan.output)")
            #expect(plan.output.contains("~ package:converge-test-hello  not held, want held"), "\(plan.output)")
            #expect(plan.output.contains("selection: install → hold"), "\(plan.output)")
            #expect(try converge("apply", version: "1.0-1", hold: true).status == 0)
            #expect(try await selections() == Array(repeating: "hold ok installed 1.0-1", count: Lab.onePerRelease.count))
            #expect(try converge("plan", version: "1.0-1", hold: true).status == 0)

            // A new version through the hold: allow-change-held-packages on apt >= 1.1.
            let upgraded = try converge("apply", version: "2.0-1", hold: true)
            #expect(upgraded.status == 0, "\(upgraded.output)")
            #expect(try await selections() == Array(repeating: "hold ok installed 2.0-1", count: Lab.onePerRelease.count))
            #expect(try converge("plan", version: "2.0-1", hold: true).status == 0)
            // Held, and left as it is: apt refuses to change it, and says why.
            let refused = try converge("apply", version: "1.0-1", hold: nil)
            #expect(refused.status == 1, "\(refused.output)")
            #expect(refused.output.contains("held"), "\(refused.output)")

            let released = try converge("apply", version: "2.0-1", hold: false)
            #expect(released.status == 0, "\(released.output)")
            #expect(released.output.contains("selection: hold → install"), "\(released.output)")
            #expect(try await selections() == Array(repeating: "install ok installed 2.0-1", count: Lab.onePerRelease.count))
            #expect(try converge("plan", version: "2.0-1", hold: false).status == 0)
        }

        @Test("health checks gate a rolling restart: checked from each host through SSH; a host that fails them stops the rollout, naming the check")
        func healthChecksGateARollout() async throws {
            let scratch = try TemporaryDirectory()
            func inventory(_ vars: [String: Any]) throws -> String { try Self.inventory(role: "health", vars: vars, in: scratch) }
            #expect(try Self.converge(["apply", try inventory(["greeting": "one"])]).status == 0)
            // A new greeting restarts the daemon on each host, one at a time, each checked healthy.
            let rolled = try Self.converge(["apply", try inventory(["greeting": "two"]), "--serial", "1", "--json"])
            #expect(rolled.status == 0, "\(rolled.output)")
            let healthPhases = rolled.output.split(separator: "\n").filter { $0.contains(#""phase":"health""#) }
            #expect(healthPhases.count == Lab.onePerRelease.count, "\(rolled.output)")

            // The first host's HTTP check now asks a port nothing listens on: it fails, the
            // rollout stops there, and the other hosts keep their old greeting.
            let broken = try Self.converge(["apply", try inventory(["greeting": "three", "health_port": 9]), "--serial", "1"])
            #expect(broken.status == 1, "\(broken.output)")
            let first = Lab.onePerRelease[0].name
            #expect(broken.output.contains("health check http://"), "\(broken.output)")
            #expect(broken.output.contains(":9/ failed 3 times; last answer: "), "\(broken.output)")
            #expect(broken.output.contains("stopped: 1 host(s) of health failed, more than its max 0"), "\(broken.output)")
            let untouched = Lab.onePerRelease.dropFirst().map(\.name)
            #expect(untouched.isEmpty || broken.output.contains("; not started: \(untouched.joined(separator: ", "))"), "\(broken.output)")
            for host in Lab.onePerRelease {
                let greeting = try await Self.shell("cat /etc/converge-test-daemon.conf", on: host)
                #expect(greeting == (host.name == first ? "greeting=three\n" : "greeting=two\n"), "\(host.name)")
            }
            let restored = try Self.converge(["apply", try inventory(["greeting": "hello"])])
            #expect(restored.status == 0, "\(restored.output)")
        }
    }
}
