import Crypto
import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// `converge drift` on the lab: a group mixing bullseye, bookworm and trixie hosts.
    /// Each test starts by converging, so drift is only what the test itself makes.
    @Suite("converge drift on lab hosts")
    struct DriftSweepTests {
        private static func converge(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
            try ConvergeTests.converge(arguments, environment: environment)
        }

        private static let inventory = ConvergeTests.inventory

        private static func report(_ arguments: [String] = []) throws -> (status: Int32, json: [String: Any]) {
            let scratch = try TemporaryDirectory()
            let file = scratch.path + "/report.json"
            let run = try converge(["drift", inventory, "--format", "json", "--out", file] + arguments)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as! [String: Any]
            return (run.status, json)
        }

        private static func findings(_ json: [String: Any]) -> [[String: Any]] {
            json["findings"] as? [[String: Any]] ?? []
        }

        private static func keys(_ json: [String: Any]) -> Set<String> {
            Set(findings(json).compactMap { $0["key"] as? String })
        }

        /// The top of the text report: everything before its host details.
        private static func top(_ text: String) -> String {
            String(text[..<(text.range(of: "\nHosts (")?.lowerBound ?? text.endIndex)])
        }

        /// Finds `key` in `json`'s findings.
        private static func finding(_ json: [String: Any], _ key: String) -> [String: Any]? {
            findings(json).first { $0["key"] as? String == key }
        }

        /// The report's entry for `host`.
        private static func host(_ json: [String: Any], _ name: String) -> [String: Any] {
            (json["hosts"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name } ?? [:]
        }

        /// Runs `body`, then `cleanup` whether or not `body` threw (an expectation that
        /// stops a test must not leave a host changed for the tests after it).
        private static func cleaningUp(_ body: () async throws -> Void, then cleanup: () async throws -> Void) async throws {
            var failure: (any Error)?
            do { try await body() } catch { failure = error }
            try await cleanup()
            if let failure { throw failure }
        }

        /// Runs `command` on `host` as root and expects it to succeed.
        private static func run(_ command: String, on host: LabHost) async throws -> String {
            let result = try await Lab.connect(host).run(command)
            #expect(result.succeeded, "\(host.name): \(command): \(String(decoding: result.stderr, as: UTF8.self))")
            return result.stdoutText
        }

        @Test("hosts of one release agree; across releases the releases explain every difference, said once")
        func fleetDiscrepancies() throws {
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
            let (_, json) = try Self.report()
            let keys = Self.keys(json)
            // Several releases are said, not counted as drift.
            let release = try #require(Self.finding(json, "release/lab"))
            #expect(release["drift"] as? Bool == false)
            // Every package differs between bullseye, bookworm and trixie; the lab's hosts of
            // one release agree, and their releases explain the rest.
            #expect(!keys.contains { $0.hasPrefix("package-version/") || $0.hasPrefix("package-missing/") || $0.hasPrefix("package-release/") })
            #expect(!keys.contains { $0.hasPrefix("drift/") || $0.hasPrefix("point-release/") })
            let text = try Self.converge(["drift", Self.inventory]).output
            let bullseye = Lab.hosts.filter { $0.release == "bullseye" }.map(\.name)
            #expect(text.contains("  lab: \(Lab.hosts.count) hosts on 3 releases: bullseye \(bullseye.joined(separator: ", ")) · "), "\(text)")
            #expect(text.contains("  all: the same hosts as group lab\n"))
            // A person reads it in a minute: it fits two screens.
            #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count <= 100, "\(text)")
        }

        @Test("an edited file, a downgraded package, a masked unit and a changed point release are found and named at the top")
        func plantedDifferences() async throws {
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
            let bookworm = Lab.hosts.filter { $0.release == "bookworm" }
            try #require(bookworm.count >= 2, "needs two bookworm hosts: scripts/lab up 5 bullseye bookworm trixie")
            let edited = Lab.hosts[0]
            let downgraded = bookworm[0]
            let masked = try #require(Lab.hosts.first { $0.release == "trixie" })
            let behind = bookworm[1]
            _ = try await Self.run("echo 'by hand' >> /etc/motd", on: edited)
            _ = try await Self.run(
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades converge-test-hello=1.0-1", on: downgraded)
            _ = try await Self.run("systemctl mask converge-test-daemon", on: masked)
            let pointRelease = try await Self.run("cat /etc/debian_version", on: behind).trimmingCharacters(in: .whitespacesAndNewlines)
            let parts = pointRelease.split(separator: ".").compactMap { Int($0) }
            try #require(parts.count == 2 && parts[1] > 0, "unexpected /etc/debian_version \(pointRelease)")
            let older = "\(parts[0]).\(parts[1] - 1)"
            _ = try await Self.run("echo \(older) > /etc/debian_version", on: behind)
            try await Self.cleaningUp {
                let (status, json) = try Self.report()
                #expect(status == 1)
                let drift = Self.keys(json).filter { $0.hasPrefix("drift/") }
                #expect(drift == [
                    "drift/\(edited.name)/file:/etc/motd",
                    "drift/\(downgraded.name)/package:converge-test-hello",
                    "drift/\(masked.name)/service:converge-test-daemon",
                ])
                let point = try #require(Self.finding(json, "point-release/bookworm/bookworm"))
                #expect((point["summary"] as? String)?.contains("\(older) (bookworm) on \(behind.name)") == true, "\(point)")
                #expect(Self.finding(json, "package-version/bookworm/bookworm/converge-test-hello") != nil)

                // The file's diff, the unit's real state and since when.
                let motd = (Self.host(json, edited.name)["drift"] as? [[String: Any]])?.first
                let diff = (motd?["content"] as? [String: Any])?["diff"] as? [String] ?? []
                #expect(diff.first == "--- /etc/motd (\(edited.name))" && diff.contains("-by hand"), "\(diff)")
                let unit = (Self.host(json, masked.name)["drift"] as? [[String: Any]])?.first
                // Masked while it ran: it still runs (mask does not stop a unit).
                #expect(unit?["state"] as? String == "masked, still active (running)", "\(String(describing: unit))")
                #expect(unit?["since"] is String)

                // The top of the text names every planted difference's host.
                let text = try Self.converge(["drift", Self.inventory]).output
                let top = Self.top(text)
                for name in [edited.name, downgraded.name, masked.name, behind.name] {
                    #expect(top.contains(name), "the summary does not name \(name):\n\(top)")
                }
                #expect(top.contains("bookworm point release (\(behind.name) behind"), "\(top)")
                #expect(top.contains("\(masked.name) (service:converge-test-daemon)"), "\(top)")
                #expect(text.contains("        -by hand\n"))
                #expect(text.contains("        state: masked, still active (running) since "))
                #expect(text.contains("    point release \(older) (bookworm), behind \(pointRelease) (bookworm) on "))
            } then: {
                _ = try await Self.run("echo \(pointRelease) > /etc/debian_version", on: behind)
                #expect(try Self.converge(["apply", Self.inventory]).status == 0)
                #expect(try await Self.run("systemctl is-active converge-test-daemon", on: masked) == "active\n")
            }
        }

        @Test("upgrades from the host's own lists, held and local packages, a managed package's conffile, a reboot")
        func maintenance() async throws {
            let scratch = try TemporaryDirectory()
            // adduser, which every host has, managed on one host: its conffile counts there.
            let withAdduser = try Self.inventory(scratch, hostVars: [Lab.first.name: ["extra_packages": ["adduser"]]])
            #expect(try Self.converge(["apply", withAdduser]).status == 0)
            let other = try #require(Lab.hosts.last { $0.release == Lab.first.release && $0.name != Lab.first.name })

            // A package built here and installed with dpkg -i, a held one, the flag file.
            let package = scratch.path + "/site-tools"
            try FileManager.default.createDirectory(atPath: package + "/DEBIAN", withIntermediateDirectories: true)
            try "Package: site-tools\nVersion: 1.2-1+local1\nArchitecture: all\nMaintainer: ops <ops@example.com>\nDescription: built in house\n"
                .write(toFile: package + "/DEBIAN/control", atomically: true, encoding: .utf8)
            try controller(["dpkg-deb", "--root-owner-group", "-b", package, scratch.path + "/site-tools.deb"])
            let deb = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/site-tools.deb"))
            #expect(try await Lab.connect(other).run("cat > /tmp/site-tools.deb && dpkg -i /tmp/site-tools.deb", input: deb).succeeded)
            _ = try await Self.run("apt-mark hold tzdata && touch /var/run/reboot-required", on: other)
            // deluser.conf is adduser's conffile on every release (adduser.conf only from bookworm on).
            _ = try await Self.run("cp /etc/deluser.conf /root/deluser.conf.converge-test && echo '# by hand' >> /etc/deluser.conf", on: Lab.first)
            let lists = try await Self.run("stat -c '%n %Y' /var/lib/apt/lists/*", on: other)

            try await Self.cleaningUp {
                let file = scratch.path + "/report.json"
                _ = try Self.converge(["drift", withAdduser, "--format", "json", "--out", file])
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as! [String: Any]
                let maintenance = Self.host(json, other.name)["maintenance"] as? [String: Any] ?? [:]
                #expect((maintenance["heldPackages"] as? [[String: Any]])?.map { $0["package"] as? String } == ["tzdata"])
                #expect((maintenance["packagesFromNoRepository"] as? [[String: Any]])?.map { $0["package"] as? String } == ["site-tools"])
                #expect((maintenance["reboot"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["flagged"])
                // The lab's Debian bases lack the security updates published since they were built.
                let pending = maintenance["pendingUpgrades"] as? [[String: Any]] ?? []
                #expect(pending.contains { $0["security"] as? Bool == true }, "\(maintenance)")
                #expect(maintenance["listsAgeSeconds"] is Int)
                let conffile = try #require(Self.finding(json, "conffile/\(Lab.first.name)//etc/deluser.conf"))
                #expect(conffile["drift"] as? Bool == true)
                // Only the managed package's: /etc/debian_version and the like are no one's business here.
                #expect(Self.keys(json).filter { $0.hasPrefix("conffile/") } == ["conffile/\(Lab.first.name)//etc/deluser.conf"])
                // tzdata held back on one host: a difference across releases its release does not explain.
                #expect(Self.finding(json, "package-release/lab/tzdata") != nil)
                // The sweep left apt's lists as they were.
                #expect(try await Self.run("stat -c '%n %Y' /var/lib/apt/lists/*", on: other) == lists)
            } then: {
                _ = try await Self.run("apt-mark unhold tzdata && rm -f /var/run/reboot-required /tmp/site-tools.deb && dpkg -P site-tools", on: other)
                _ = try await Self.run("mv /root/deluser.conf.converge-test /etc/deluser.conf", on: Lab.first)
                #expect(try Self.converge(["apply", Self.inventory]).status == 0)
            }
        }

        @Test("a sweep needs no secret: it compares the files with the digests the hosts recorded when converge wrote them")
        func secretsWithoutValues() async throws {
            let scratch = try TemporaryDirectory()
            let token = "s3cret-\(UUID().uuidString)"
            let tokenFile = scratch.path + "/token"
            try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let inventory = try ConvergeTests.makeInventory(withLabVars: ["app_token_file": tokenFile], in: scratch)
            // Each sweep is another controller's: no state of this one's is shared.
            func sweep() throws -> (status: Int32, json: [String: Any], text: String) {
                let environment = ["XDG_STATE_HOME": scratch.path + "/state-\(UUID().uuidString)"]
                let file = scratch.path + "/report.json"
                let run = try Self.converge(["drift", inventory, "--format", "json", "--out", file], environment: environment)
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as! [String: Any]
                return (run.status, json, try Self.converge(["drift", inventory], environment: environment).output)
            }
            let resource = "file:/etc/converge-test-daemon.token"
            let records = "/var/lib/converge/secret-digests"
            func sha256(_ text: String) -> String { SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined() }
            let tokenRecord = "\(records)/\(sha256("/etc/converge-test-daemon.token")).sha256"

            // The apply writes the token everywhere, and each host records what it was written.
            #expect(try Self.converge(["apply", inventory]).status == 0)
            let tokenSHA = sha256(token)
            for host in Lab.hosts {
                #expect(try await Self.run("stat -c %a \(records); cat \(tokenRecord)", on: host)
                    == "700\n\(tokenSHA)  /etc/converge-test-daemon.token\n")
            }

            try await Self.cleaningUp {
                // Without the secret, the sweep checks the files against the hosts' records.
                try FileManager.default.removeItem(atPath: tokenFile)
                let clean = try sweep()
                #expect(clean.status == 1)  // bullseye is past Debian LTS
                #expect(!Self.keys(clean.json).contains { $0.hasSuffix(resource) || $0.hasPrefix("failed/") })

                // A token changed on a host is drift, shown as nothing but that.
                _ = try await Self.run("echo tampered > /etc/converge-test-daemon.token", on: Lab.first)
                let changed = try sweep()
                let drift = (Self.host(changed.json, Lab.first.name)["drift"] as? [[String: Any]])?.first { $0["resource"] as? String == resource }
                #expect(drift?["reason"] as? String == "content differs from the last one written")
                #expect(drift?["content"] as? NSDictionary == ["diff": [], "isSecret": true] as NSDictionary)
                for output in [changed.text, String(decoding: try JSONSerialization.data(withJSONObject: changed.json), as: UTF8.self)] {
                    #expect(!output.contains("tampered") && !output.contains(token) && !output.contains(tokenSHA))
                }

                // Neither the secret nor a record: unknown, not an error.
                for host in Lab.hosts { _ = try await Self.run("rm -f \(tokenRecord)", on: host) }
                let unknown = try sweep()
                #expect(unknown.status == 1)
                #expect(Self.keys(unknown.json).filter { $0.hasPrefix("unverified/") }.count == Lab.hosts.count)
                #expect(unknown.text.contains("? \(resource): unknown: no recorded hash"))

                // An apply that finds the files right records them again, writing none.
                try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
                let apply = try Self.converge(["apply", inventory])
                #expect(apply.status == 0, "\(apply.output)")
                #expect(apply.output.contains("its digest is not recorded on the host"), "\(apply.output)")
                try FileManager.default.removeItem(atPath: tokenFile)
                #expect(!Self.keys(try sweep().json).contains { $0.hasSuffix(resource) })
            } then: {
                for host in Lab.hosts {
                    _ = try await Self.run("rm -f /etc/converge-test-daemon.token \(tokenRecord)", on: host)
                }
            }
        }

        /// The lab inventory with `hostVars` added to the named hosts, written to a scratch file.
        private static func inventory(_ scratch: TemporaryDirectory, hostVars: [String: [String: Any]]) throws -> String {
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: inventory))) as! [String: Any]
            document["hosts"] = (document["hosts"] as! [[String: Any]]).map { host in
                guard let name = host["name"] as? String, let vars = hostVars[name] else { return host }
                var changed = host
                changed["vars"] = (host["vars"] as? [String: Any] ?? [:]).merging(vars) { _, new in new }
                return changed
            }
            let path = scratch.path + "/inventory-host-vars.json"
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
            return path
        }

        /// Every managed path's mtime and ctime, and every package's state, on every host.
        private static func snapshot() async throws -> [String: String] {
            var result: [String: String] = [:]
            for host in Lab.hosts {
                let run = try await Lab.connect(host).run("""
                    stat -c '%n %Y %Z %a %U' /etc/motd /etc/converge/host /etc/converge-test-daemon.conf '/srv/lab app' /etc/sysctl.d/60-converge.conf
                    dpkg-query -W -f '${Package} ${Version} ${Status}\\n' | md5sum
                    stat -c '%n %Y %s' /var/lib/apt/lists/* /var/lib/dpkg/status
                    systemctl is-active converge-test-daemon
                    """)
                result[host.name] = run.stdoutText
            }
            return result
        }

        @Test("a drift sweep changes nothing on any host: files, packages, apt's lists, services")
        func readOnly() async throws {
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
            _ = try await Lab.connect(Lab.first).run("echo 'by hand' >> /etc/motd")
            let before = try await Self.snapshot()
            try await Task.sleep(for: .seconds(1.1))  // mtimes have one-second resolution
            #expect(try Self.converge(["drift", Self.inventory]).status == 1)
            let after = try await Self.snapshot()
            #expect(before == after)
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
        }

        @Test("history: a fix shows as resolved, a new drift as new")
        func history() async throws {
            let scratch = try TemporaryDirectory()
            let database = scratch.path + "/history.sqlite"
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
            let (fixed, broken) = (Lab.hosts[0], Lab.hosts[1])
            _ = try await Lab.connect(fixed).run("echo 'by hand' >> /etc/motd")
            _ = try Self.report(["--history", database])

            #expect(try Self.converge(["apply", Self.inventory, "--limit", fixed.name]).status == 0)
            _ = try await Lab.connect(broken).run("chmod 600 /etc/converge/host")
            let (_, second) = try Self.report(["--history", database])
            let resolved = (second["resolved"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
            #expect(resolved == ["drift/\(fixed.name)/file:/etc/motd"])
            let new = Self.findings(second).filter { $0["new"] as? Bool == true }.compactMap { $0["key"] as? String }
            #expect(new == ["drift/\(broken.name)/file:/etc/converge/host"])

            let listing = try Self.converge(["drift", "history", "--history", database])
            #expect(listing.status == 0)
            #expect(listing.output.split(separator: "\n").count == 3, "\(listing.output)")  // header and two sweeps
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
        }

        @Test("the JSON report validates against docs/drift-report.schema.json")
        func jsonSchema() throws {
            let scratch = try TemporaryDirectory()
            let file = scratch.path + "/report.json"
            _ = try Self.converge(["drift", Self.inventory, "--format", "json", "--out", file])
            let schema = Lab.repository + "/docs/drift-report.schema.json"
            let check = """
                import json, sys, jsonschema
                jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
                print("valid")
                """
            #expect(try controller(["/usr/bin/python3", "-c", check, file, schema]) == "valid\n")
        }

        @Test("exit status for cron: 0 without drift, 3 with an unreachable host; metrics written")
        func exitStatus() throws {
            let scratch = try TemporaryDirectory()
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
            let trixie = try #require(Lab.hosts.first { $0.release == "trixie" })
            let clean = try Self.converge(["drift", Self.inventory, "--limit", trixie.name])
            #expect(clean.status == 0, "\(clean.output)")

            let victim = Lab.hosts.last!
            try controller([Lab.repository + "/scripts/lab", "stop", victim.name])
            defer { _ = try? controller([Lab.repository + "/scripts/lab", "start", victim.name]) }
            let metrics = scratch.path + "/converge.prom"
            let partial = try Self.converge(["drift", Self.inventory, "--prometheus", metrics])
            #expect(partial.status == 3)
            #expect(partial.output.contains(victim.name))
            let text = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(text.contains("converge_host_unreachable{host=\"\(victim.name)\"} 1"), "\(text)")
            #expect(text.contains("converge_drift_sweep_duration_seconds"))
        }
    }
}
