import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// `converge drift` on the lab: a group mixing bullseye, bookworm and trixie hosts.
    /// Each test starts by converging, so drift is only what the test itself makes.
    @Suite("converge drift on lab hosts")
    struct DriftSweepTests {
        private static func converge(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try ConvergeTests.converge(arguments)
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

        @Test("releases and package versions that really differ between releases are reported, with their hosts")
        func fleetDiscrepancies() throws {
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
            let (status, json) = try Self.report()
            #expect(status == 1)
            let keys = Self.keys(json)
            #expect(keys.contains("release/lab"))
            #expect(keys.contains("package-version/lab/openssh-server"))
            // Hosts of one release agree with each other.
            #expect(!keys.contains { $0.hasPrefix("package-version/bookworm/") || $0.hasPrefix("release/bookworm") })
            let text = try Self.converge(["drift", Self.inventory]).output
            let line = text.split(separator: "\n").first { $0.contains("openssh-server") }.map(String.init) ?? ""
            for host in Lab.hosts {
                #expect(line.contains(host.name), "openssh-server line lacks \(host.name): \(line)")
            }
        }

        @Test("a file edited by hand, a downgraded package and a stopped service are drift on exactly that host")
        func desiredStateDrift() async throws {
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
            let (edited, downgraded, stopped) = (Lab.hosts[0], Lab.hosts[1], Lab.hosts[2])
            _ = try await Lab.connect(edited).run("echo 'by hand' >> /etc/motd")
            let downgrade = try await Lab.connect(downgraded).run(
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades converge-test-hello=1.0-1")
            #expect(downgrade.succeeded, "\(downgrade.stderrText)")
            _ = try await Lab.connect(stopped).run("systemctl stop converge-test-daemon")

            let (status, json) = try Self.report()
            #expect(status == 1)
            let drift = Self.keys(json).filter { $0.hasPrefix("drift/") }
            #expect(drift == [
                "drift/\(edited.name)/file:/etc/motd",
                "drift/\(downgraded.name)/package:converge-test-hello",
                "drift/\(stopped.name)/service:converge-test-daemon",
            ])
            #expect(try Self.converge(["apply", Self.inventory]).status == 0)
        }

        /// Every managed path's mtime and ctime, and every package's state, on every host.
        private static func snapshot() async throws -> [String: String] {
            var result: [String: String] = [:]
            for host in Lab.hosts {
                let run = try await Lab.connect(host).run("""
                    stat -c '%n %Y %Z %a %U' /etc/motd /etc/converge/host /etc/converge-test-daemon.conf '/srv/lab app' /etc/sysctl.d/60-converge.conf
                    dpkg-query -W -f '${Package} ${Version} ${Status}\\n' | md5sum
                    systemctl is-active converge-test-daemon
                    """)
                result[host.name] = run.stdoutText
            }
            return result
        }

        @Test("a drift sweep changes nothing on any host")
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
