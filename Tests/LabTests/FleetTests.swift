import Foundation
import Testing
import TestSupport

@testable import Fleet

extension LabSuite {
    /// The reference web stack (playbooks/, inventory/fleet.json) on the lab's fleet hosts,
    /// through the real `converge` binary: converged from scratch, serving end to end,
    /// surviving a web host's loss, and growing by one web host.
    @Suite("The reference fleet", .enabled(if: !Lab.fleetHosts.isEmpty, "needs scripts/lab up --fleet inventory/fleet.json"))
    struct FleetTests {
        static let inventory = Lab.repository + "/inventory/fleet.json"
        static let lab = Lab.repository + "/scripts/lab"

        static func converge(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let result = try run([Lab.convergeBinary.path] + arguments)
            return (result.status, result.stdout + result.stderr)
        }

        /// Every fleet host wiped to its base image, then converged once, by the first test
        /// that needs the fleet: the others start from a converged fleet.
        static let convergedFromScratch: Result<String, ControllerError> = {
            do {
                try controller([lab, "reset"] + Lab.fleetHosts.map(\.name))
                let first = try converge(["apply", inventory])
                guard first.status == 0 else {
                    return .failure(ControllerError(command: "converge apply \(inventory)", status: first.status, stderr: first.output))
                }
                return .success(first.output)
            } catch let error as ControllerError {
                return .failure(error)
            } catch {
                return .failure(ControllerError(command: "lab reset", status: -1, stderr: "\(error)"))
            }
        }()

        static func requireConverged() throws {
            if case .failure(let error) = convergedFromScratch { throw error }
        }

        @Test("the fleet converges from scratch, and a second converge changes nothing")
        func convergesFromScratch() throws {
            let output = try Self.convergedFromScratch.get()
            #expect(output.contains("\(Lab.fleetHosts.count) host(s): 0 ok, \(Lab.fleetHosts.count) changed, 0 failed"), "\(output.suffix(2000))")
            let plan = try Self.converge(["plan", Self.inventory])
            #expect(plan.status == 0, "\(plan.output)")
            #expect(plan.output.contains("\(Lab.fleetHosts.count) hosts: 0 to change"), "\(plan.output)")
            let second = try Self.converge([Self.inventory])
            #expect(second.status == 0)
            #expect(second.output.contains("\(Lab.fleetHosts.count) ok, 0 changed"), "\(second.output)")
        }

        /// The reference playbook's package baseline is `all`: converged from scratch, every
        /// host is at its candidates, which drift confirms from the hosts' own apt.
        @Test("under the `all` baseline, drift finds no pending upgrade and no package version differing within a release")
        func baselineLeavesNoPendingUpgrade() throws {
            let output = try Self.convergedFromScratch.get()
            #expect(output.contains("~ upgrades:all  ok"), "the first converge upgraded nothing: \(output.suffix(2000))")
            let drift = try Self.converge(["drift", Self.inventory, "--format", "json"])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(drift.output.utf8)) as? [String: Any], "\(drift.output)")
            let hosts = try #require(report["hosts"] as? [[String: Any]])
            #expect(hosts.count == Lab.fleetHosts.count)
            for host in hosts {
                let maintenance = try #require(host["maintenance"] as? [String: Any], "\(host)")
                let pending = maintenance["pendingUpgrades"] as? [Any] ?? []
                #expect(pending.isEmpty, "\(host["name"] ?? "?"): \(pending)")
            }
            let findings = try #require(report["findings"] as? [[String: Any]])
            let versions = findings.filter { ["package-version", "security-upgrades"].contains($0["category"] as? String) }
            #expect(versions.isEmpty, "\(versions.map { $0["summary"] ?? "" })")
            for group in try #require(report["groups"] as? [[String: Any]]) {
                #expect((group["packageVersions"] as? [Any])?.isEmpty == true, "\(group["name"] ?? "?"): \(group["packageVersions"] ?? "")")
            }
        }

        @Test("HTTPS through a load balancer, varnish and PHP; sessions in redis; rows replicated")
        func servesEndToEnd() throws {
            try Self.requireConverged()
            let check = try run([Lab.repository + "/scripts/check-stack", Self.inventory])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            for claim in ["through varnish", "spread over", "kept in redis", "6380 (sessions)", "read on 2 replica(s)"] {
                #expect(check.stdout.contains(claim), "\(check.stdout)")
            }
        }

        @Test("with one web host down, every request is still answered by the others")
        func survivesAWebHostDown() throws {
            try Self.requireConverged()
            let victim = try #require(Lab.fleetHosts.first { $0.name == "web2" })
            try controller([Self.lab, "stop", victim.name])
            defer { _ = try? controller([Self.lab, "start", victim.name]) }
            let balancer = try #require(Lab.fleetHosts.first { $0.name == "lb1" })
            var served: [String: Int] = [:]
            for request in 1...20 {
                let reply = try Self.page("https://\(balancer.address)/")
                let web = try #require(reply["web"] as? String, "request \(request): \(reply)")
                served[web, default: 0] += 1
            }
            #expect(served[victim.name] == nil)
            #expect(served.count >= 3, "\(served)")
        }

        @Test("a sixth web host added to the inventory is served by varnish on both cache hosts")
        func growsByOneWebHost() throws {
            try Self.requireConverged()
            let scratch = try TemporaryDirectory()
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.inventory))) as! [String: Any]
            let address = "\(Lab.network).1.36"
            document["hosts"] = (document["hosts"] as! [[String: Any]]) + [["name": "web6", "address": address, "groups": ["web", "bookworm"]]]
            let grown = scratch.path + "/fleet.json"
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: grown))

            try controller([Self.lab, "add", "web6", address, "bookworm"])
            defer {
                _ = try? controller([Self.lab, "remove", "web6"])
                _ = try? Self.converge(["apply", Self.inventory, "--host", "cache"])
            }
            let apply = try Self.converge(["apply", grown, "--host", "web6", "--host", "cache"])
            #expect(apply.status == 0, "\(apply.output)")
            for cache in Lab.fleetHosts.filter({ $0.name.hasPrefix("cache") }) {
                // Straight to each cache host's varnish, until the new host answers (health probes first).
                var answered = false
                for _ in 0..<40 where !answered {
                    let reply = try Self.page("http://\(cache.address):6081/")
                    answered = reply["web"] as? String == "web6"
                    if !answered { Thread.sleep(forTimeInterval: 0.25) }
                }
                #expect(answered, "varnish on \(cache.name) never sent a request to web6")
            }
        }

        /// The inventory with `vars` set on `group` (kept beside a scratch directory's
        /// other files): a change to roll through the fleet.
        static func inventory(in scratch: TemporaryDirectory, name: String, setting vars: [String: [String: Any]]) throws -> String {
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.inventory))) as! [String: Any]
            var groups = document["groups"] as! [String: [String: Any]]
            for (group, values) in vars {
                var groupVars = groups[group]?["vars"] as? [String: Any] ?? [:]
                groupVars.merge(values) { _, new in new }
                groups[group]!["vars"] = groupVars
            }
            document["groups"] = groups
            let path = scratch.path + "/" + name
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
            return path
        }

        /// Runs `command` as root on the fleet host `name`; its output.
        @discardableResult
        static func on(_ name: String, _ command: String) async throws -> String {
            let host = try #require(Lab.fleetHosts.first { $0.name == name })
            let connection = try await Lab.connect(host)
            let result = try await connection.run(command)
            await connection.close()
            guard result.succeeded else {
                throw ControllerError(command: "\(name): \(command)", status: result.exitStatus, stderr: result.stderrText)
            }
            return result.stdoutText
        }

        /// How varnish on `cache` is told to judge `backend`: `probe` (its health probe
        /// decides) or `sick`/`healthy` (set by hand: `backend.list`'s Admin column).
        static func varnishAdmin(of backend: String, on cache: String) async throws -> String? {
            let listing = try await on(cache, "varnishadm backend.list \(backend)")
            let line = listing.split(separator: "\n").first { $0.hasSuffix(backend) || $0.contains(".\(backend) ") }
            return line?.split(separator: " ").dropFirst().first.map(String.init)
        }

        /// What clients use: the lb group's floating address, or (without one) every load balancer's own.
        static func siteAddresses() throws -> [String] {
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.inventory))) as! [String: Any]
            let groups = document["groups"] as? [String: [String: Any]]
            if let floating = (groups?["lb"]?["vars"] as? [String: Any])?["floating_address"] as? String { return [floating] }
            return hosts(of: "lb").compactMap { name in Lab.fleetHosts.first { $0.name == name }?.address }
        }

        static func hosts(of group: String) -> [String] {
            Lab.fleetHosts.map(\.name).filter { $0.hasPrefix(group) && $0.dropFirst(group.count).allSatisfy(\.isNumber) }
        }

        /// PHP-FPM made slow to start on every web host (3 s before it listens), as a heavier
        /// application would be: while it restarts, the host cannot serve.
        static func slowPHPStart(_ enabled: Bool) async throws {
            let command = enabled
                ? #"for unit in /lib/systemd/system/php*-fpm.service; do d=/etc/systemd/system/$(basename "$unit").d; mkdir -p "$d"; printf '[Service]\nExecStartPre=/bin/sleep 3\n' > "$d/zz-lab-slow-start.conf"; done; systemctl daemon-reload"#
                : "rm -f /etc/systemd/system/php*-fpm.service.d/zz-lab-slow-start.conf; systemctl daemon-reload"
            for web in hosts(of: "web") { try await on(web, command) }
        }

        @Test("health checks through a host's own connection: HTTPS to HAProxy, TCP to redis, refused where nothing listens")
        func healthChecksOnTheFleet() async throws {
            try Self.requireConverged()
            let lb = try #require(Lab.fleetHosts.first { $0.name == "lb1" })
            let redis = try #require(Lab.fleetHosts.first { $0.name == "redis1" })
            let balancer = try await Lab.connect(lb)
            let cache = try await Lab.connect(redis)
            #expect(await HealthGate.probe(.https(path: "/haproxy-health", hostHeader: "shop.example.com", expecting: "ready"),
                                           on: balancer) == nil)
            // The shop's own health page, through HAProxy, varnish and a web host.
            #expect(await HealthGate.probe(.https(path: "/health.php", hostHeader: "shop.example.com", expecting: "ok"),
                                           on: balancer) == nil)
            let plain = try #require(await HealthGate.probe(.https(port: 80, path: "/"), on: balancer))
            #expect(plain.hasPrefix("no answer over TLS"), "\(plain)")
            #expect(await HealthGate.probe(.tcp(port: 6379), on: cache) == nil)
            let refused = try #require(await HealthGate.probe(.tcp(port: 6399), on: cache))
            #expect(refused.contains("nothing listening there"), "\(refused)")
            await balancer.close()
            await cache.close()
        }

        @Test("a change restarting PHP-FPM on every web host and varnish on both cache hosts rolls through them with no failed request; all at once, requests fail")
        func rollsWithoutFailedRequests() async throws {
            try Self.requireConverged()
            let scratch = try TemporaryDirectory()
            try await Self.slowPHPStart(true)
            do {
                try await rollsWithoutFailedRequests(scratch)
            } catch {
                try? await Self.slowPHPStart(false)
                throw error
            }
            // Back to the fleet as the other tests expect it, every host at once.
            try await Self.slowPHPStart(false)
            let restored = try Self.converge(["apply", Self.inventory, "--no-rollout"])
            #expect(restored.status == 0, "\(restored.output.suffix(3000))")
        }

        private func rollsWithoutFailedRequests(_ scratch: TemporaryDirectory) async throws {
            let balancers = try Self.siteAddresses()

            let rolling = try Self.inventory(in: scratch, name: "rolling.json",
                                             setting: ["web": ["php_workers": 7], "cache": ["cache_size": "136m"]])
            let plan = try Self.converge(["plan", rolling])
            #expect(plan.output.contains("rollout: 7 hosts in 7 batches"), "\(plan.output)")
            #expect(plan.output.contains("cache1: drained from lb1, lb2 (haproxy server caches/cache1)"), "\(plan.output)")
            #expect(plan.output.contains("web1: drained from cache1, cache2 (varnish backend web_web1); gated by http://127.0.0.1:80/health.php"),
                    "\(plan.output)")

            let load = try SiteLoad(balancers: balancers)
            let rolled = try Self.converge(["apply", rolling])
            let rolledLoad = try load.finish()
            print("rolling change (cache, then web, a batch of one at a time): \(rolledLoad)")
            #expect(rolled.status == 0, "\(rolled.output.suffix(3000))")
            #expect(rolled.output.contains("rollout batch 7 of 7 (web): web5"), "\(rolled.output.suffix(3000))")
            #expect(rolledLoad.requests >= 50, "\(rolledLoad)")
            #expect(rolledLoad.failed == 0, "\(rolledLoad)")

            // The same kind of change with the policy off: every host at once.
            let atOnce = try Self.inventory(in: scratch, name: "at-once.json",
                                            setting: ["web": ["php_workers": 9], "cache": ["cache_size": "144m"]])
            let unrolledLoad = try SiteLoad(balancers: balancers)
            let unrolled = try Self.converge(["apply", atOnce, "--no-rollout"])
            let failedLoad = try unrolledLoad.finish()
            print("the same change with --no-rollout (every host at once): \(failedLoad)")
            #expect(unrolled.status == 0, "\(unrolled.output.suffix(3000))")
            #expect(failedLoad.failed > 0, "\(failedLoad)")
        }

        @Test("a change that breaks the first web host's health page stops the rollout there: drained, the rest untouched, the site serving")
        func anUnhealthyWebHostStopsTheRollout() async throws {
            try Self.requireConverged()
            let scratch = try TemporaryDirectory()
            // web1's PHP-FPM, at its next start, answers every page with a 500.
            let broken = #"printf '<?php http_response_code(500); echo "broken\n"; exit;\n' > /srv/lab-broken.php; for d in /etc/php/*/fpm/pool.d; do printf '[www]\nphp_admin_value[auto_prepend_file] = /srv/lab-broken.php\n' > "$d/zz-lab-broken.conf"; done"#
            try await Self.on("web1", broken)
            do {
                try await anUnhealthyWebHostStopsTheRollout(scratch)
            } catch {
                try? await Self.on("web1", "rm -f /srv/lab-broken.php /etc/php/*/fpm/pool.d/zz-lab-broken.conf")
                _ = try? Self.converge(["apply", Self.inventory])
                throw error
            }
        }

        private func anUnhealthyWebHostStopsTheRollout(_ scratch: TemporaryDirectory) async throws {
            let balancers = try Self.siteAddresses()
            let change = try Self.inventory(in: scratch, name: "change.json", setting: ["web": ["php_workers": 6]])
            let load = try SiteLoad(balancers: balancers)
            let applied = try Self.converge(["apply", change])
            let served = try load.finish()
            print("rollout stopped by web1's health check: \(served)")
            #expect(applied.status == 1)
            #expect(applied.output.contains("health check http://127.0.0.1:80/health.php failed 30 times; last answer: status 500, want 200"),
                    "\(applied.output.suffix(3000))")
            #expect(applied.output.contains("stopped: 1 host(s) of web failed, more than its max 0; not started: web2, web3, web4, web5"),
                    "\(applied.output.suffix(3000))")
            #expect(served.failed == 0, "\(served)")
            // web1 is out of rotation on both cache hosts, and knows it.
            for cache in Self.hosts(of: "cache") {
                #expect(try await Self.varnishAdmin(of: "web_web1", on: cache) == "sick")
            }
            #expect(try await Self.on("web1", "cat /var/lib/converge/drained").contains("varnish backend web_web1 on cache"))
            // The others were not changed: their plans still hold the change; web1's says it is left drained.
            let plan = try Self.converge(["plan", change])
            for web in ["web2", "web3", "web4", "web5"] { #expect(plan.output.contains("\(web): "), "\(plan.output)") }
            #expect(plan.output.contains("web1: left drained by an earlier rollout"), "\(plan.output)")
            for _ in 1...10 {
                let page = try Self.page("https://\(balancers[0])/")
                #expect(page["web"] as? String != nil && page["web"] as? String != "web1", "\(page)")
            }

            // Fixed, and converged again: web1 is checked and put back.
            try await Self.on("web1", "rm -f /srv/lab-broken.php /etc/php/*/fpm/pool.d/zz-lab-broken.conf")
            let again = try Self.converge(["apply", Self.inventory])
            #expect(again.status == 0, "\(again.output.suffix(3000))")
            for cache in Self.hosts(of: "cache") {
                // Its probe decides again (it counts the host healthy after a few good answers).
                #expect(try await Self.varnishAdmin(of: "web_web1", on: cache) == "probe")
            }
            #expect(try await Self.on("web1", "test -e /var/lib/converge/drained && echo drained || echo back") == "back\n")
        }

        /// The shop page's JSON, fetched with curl (certificate not checked: self-signed).
        static func page(_ url: String) throws -> [String: Any] {
            let body = try controller(["curl", "-sk", "--max-time", "10", url])
            return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? ["raw": body]
        }
    }
}

extension LabSuite {
    /// HTTPS requests to the load balancers, one after another in turn, from the
    /// controller (curl), until ``finish()``: bounded to 20000 requests and `seconds`
    /// (5 minutes unless told).
    final class SiteLoad {
        struct Counts: CustomStringConvertible {
            var requests: Int
            var failed: Int
            /// How many requests ended with each HTTP status (000: no answer).
            var statuses: [String: Int]
            var description: String {
                "\(requests) requests, \(failed) failed (" + statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
            }
        }

        private let process = Process()
        private let directory: TemporaryDirectory

        init(balancers: [String], seconds: Int = 300) throws {
            directory = try TemporaryDirectory()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", #"""
                i=0; end=$((SECONDS + LIMIT))
                while [ ! -e "$STOP" ] && [ $i -lt 20000 ] && [ $SECONDS -lt $end ]; do
                    for lb in $BALANCERS; do
                        code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "https://$lb/?load=$i") || true
                        echo "${code:-000}"
                        i=$((i + 1))
                    done
                done > "$LOG"
                """#]
            process.environment = ["STOP": directory.path + "/stop", "LOG": directory.path + "/statuses",
                                   "BALANCERS": balancers.joined(separator: " "), "PATH": "/usr/bin:/bin",
                                   "LIMIT": String(seconds)]
            try process.run()
            // A first answer before the change starts, so the count covers all of it.
            Thread.sleep(forTimeInterval: 1)
        }

        func finish() throws -> Counts {
            FileManager.default.createFile(atPath: directory.path + "/stop", contents: Data())
            process.waitUntilExit()
            let statuses = try String(contentsOfFile: directory.path + "/statuses", encoding: .utf8).split(separator: "\n").map(String.init)
            var counts: [String: Int] = [:]
            for status in statuses { counts[status, default: 0] += 1 }
            return Counts(requests: statuses.count, failed: statuses.filter { $0 != "200" }.count, statuses: counts)
        }
    }
}

extension LabSuite {
    /// A team's own playbooks package, as `converge init` writes it in a directory of its
    /// own: it builds against the Converge library, its tests pass, and its converge plans
    /// the lab's hosts with its roles.
    @Suite("A playbooks package of a team's own")
    struct PlaybooksPackageTests {
        @Test("converge init writes a package that builds, tests and plans the lab")
        func initBuildsAndPlans() async throws {
            let scratch = try TemporaryDirectory()
            let package = scratch.path + "/acme-playbooks"
            let initialized = try run([Lab.labBinary.path, "init", package, "--converge-path", Lab.repository])
            #expect(initialized.status == 0, "\(initialized.stderr)")
            // A resource type of the team's own, in a role of its own.
            try Self.clockRole.write(toFile: package + "/Sources/Roles/Clock.swift", atomically: true, encoding: .utf8)
            let rolesFile = package + "/Sources/Roles/Roles.swift"
            let roles = try String(contentsOfFile: rolesFile, encoding: .utf8)
            try #require(roles.contains("Playbook([base, web]"))
            try roles.replacingOccurrences(of: "Playbook([base, web]", with: "Playbook([base, web, clock]")
                .write(toFile: rolesFile, atomically: true, encoding: .utf8)

            let build = try run(["/usr/bin/env", "swift", "build", "--package-path", package, "--product", "converge"])
            try #require(build.status == 0, "\(build.stdout.suffix(3000))\(build.stderr.suffix(3000))")
            let tests = try run(["/usr/bin/env", "swift", "test", "--package-path", package])
            #expect(tests.status == 0, "\(tests.stdout.suffix(3000))\(tests.stderr.suffix(2000))")

            // The lab's hosts as the team's web group.
            var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Lab.inventory))) as! [String: Any]
            document["groups"] = ["web": ["roles": ["base", "web"]]]
            document["hosts"] = Lab.onePerRelease.map { ["name": $0.name, "address": $0.address, "groups": ["web"]] }
            let inventory = package + "/inventory/lab.json"
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: inventory))

            let plan = try run([package + "/.build/debug/converge", "plan", inventory])
            #expect(plan.status == 2, "\(plan.stdout)\(plan.stderr)")   // changes pending
            for host in Lab.onePerRelease {
                #expect(plan.stdout.contains("\(host.name): "), "\(plan.stdout)")
            }
            #expect(plan.stdout.contains("package:nginx"))
            #expect(plan.stdout.contains("file:/etc/fleet/host"))
            let listed = try run([package + "/.build/debug/converge", "roles"])
            #expect(listed.stdout == "base\nweb\nclock\n")

            // The team's type planned, applied, then settled, on a lab host.
            let host = Lab.first
            document["groups"] = ["clock": ["roles": ["clock"]]]
            document["hosts"] = [["name": host.name, "address": host.address, "groups": ["clock"]]]
            let clock = package + "/inventory/clock.json"
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: clock))
            @discardableResult func onHost(_ command: String) async throws -> String {
                let connection = try await Lab.connect(host)
                let result = try await connection.run(command)
                await connection.close()
                return result.stdoutText
            }
            try await onHost("ln -sf /usr/share/zoneinfo/Etc/UTC /etc/localtime")
            let planned = try run([package + "/.build/debug/converge", "plan", clock])
            #expect(planned.status == 2, "\(planned.stdout)\(planned.stderr)")
            #expect(planned.stdout.contains("timezone:host"), "\(planned.stdout)")
            #expect(planned.stdout.contains("Europe/Paris"), "\(planned.stdout)")
            let applied = try run([package + "/.build/debug/converge", "apply", clock])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            let link = try await onHost("readlink /etc/localtime; cat /etc/timezone")
            #expect(link == "/usr/share/zoneinfo/Europe/Paris\nEurope/Paris\n")
            let settled = try run([package + "/.build/debug/converge", "plan", clock])
            #expect(settled.status == 0, "\(settled.stdout)\(settled.stderr)")
            // Back to what the lab's other tests expect.
            try await onHost("ln -sf /usr/share/zoneinfo/Etc/UTC /etc/localtime; echo Etc/UTC > /etc/timezone")

            try Self.labTest(package: package)
        }

        /// The team's staging: `converge lab test` on a two-host inventory of the package's
        /// own (a replica booted beside this lab, converged, planned again, verified by the
        /// roles' checks and the package's tests, removed), then the same with a role that
        /// changes something on every run, which must fail naming the resource.
        static func labTest(package: String) throws {
            let two = package + "/inventory/two.json"
            try """
                {
                  "secrets": "../secrets",
                  "ssh": { "user": "root", "hostKeyPolicy": "strict" },
                  "groups": {
                    "web": { "roles": ["base", "web"], "vars": { "release": "bookworm" } },
                    "app": { "roles": ["base"], "vars": { "release": "trixie" } }
                  },
                  "hosts": [
                    { "name": "web1", "address": "192.0.2.10", "groups": ["web"] },
                    { "name": "app1", "address": "192.0.2.21", "groups": ["app"] }
                  ]
                }

                """.write(toFile: two, atomically: true, encoding: .utf8)
            let converge = package + "/.build/debug/converge"
            let passed = try run([converge, "lab", "test", two, "--name", "acme", "--package-path", package])
            #expect(passed.status == 0, "\(passed.stdout.suffix(4000))\(passed.stderr.suffix(3000))")
            let summary = passed.stdout.components(separatedBy: "\n").suffix(8).joined(separator: "\n")
            for step in ["up", "converge", "idempotence", "verify", "checks", "down"] {
                #expect(passed.stdout.contains("\n" + step.padding(toLength: 13, withPad: " ", startingAt: 0) + "passed"),
                        "\(step): \(summary)")
            }
            #expect(passed.stdout.contains("lab test of \(two): passed"))
            // The package's own lab check ran, on the lab's web host.
            #expect(passed.stdout.contains("webHostsServe") || passed.stderr.contains("webHostsServe"),
                    "\(passed.stdout.suffix(3000))")
            #expect(!FileManager.default.fileExists(atPath: "/var/lib/converge-lab-names/acme"))

            // A message of the day that changes on every run: not idempotent.
            let rolesFile = package + "/Sources/Roles/Roles.swift"
            let roles = try String(contentsOfFile: rolesFile, encoding: .utf8)
            try #require(roles.contains("managed by converge. Local changes are overwritten."))
            try roles.replacingOccurrences(of: "import Converge\n", with: "import Converge\nimport Foundation\n")
                .replacingOccurrences(of: "managed by converge. Local changes are overwritten.",
                                      with: "managed by converge. Local changes are overwritten. Run \\(UUID().uuidString).")
                .write(toFile: rolesFile, atomically: true, encoding: .utf8)
            let build = try run(["/usr/bin/env", "swift", "build", "--package-path", package, "--product", "converge"])
            try #require(build.status == 0, "\(build.stdout.suffix(3000))\(build.stderr.suffix(3000))")
            let failed = try run([converge, "lab", "test", two, "--name", "acme", "--no-package-tests"])
            #expect(failed.status == 1, "\(failed.stdout.suffix(4000))\(failed.stderr.suffix(3000))")
            #expect(failed.stdout.contains("lab test of \(two): FAILED at idempotence"), "\(failed.stdout.suffix(3000))")
            #expect(failed.stdout.contains("web1: file:/etc/motd (update"), "\(failed.stdout.suffix(3000))")
            #expect(failed.stdout.contains("app1: file:/etc/motd (update"), "\(failed.stdout.suffix(3000))")
            #expect(failed.stdout.contains("\ndown         passed"), "\(failed.stdout.suffix(3000))")
            try roles.write(toFile: rolesFile, atomically: true, encoding: .utf8)
        }

        /// A role with a resource type the team wrote: the host's time zone, read with a
        /// fact of its own and set with its own shell, as dpkg-reconfigure tzdata sets it.
        static let clockRole = #"""
            import Converge

            /// The host's time zone: /etc/localtime pointing into /usr/share/zoneinfo, and
            /// /etc/timezone naming it.
            public struct TimeZoneSetting: Resource {
                public var zone: String
                public var requires: [ResourceID]

                public init(_ zone: String, requires: [ResourceID] = []) {
                    self.zone = zone
                    self.requires = requires
                }

                public var id: ResourceID { ResourceID(kind: "timezone", name: "host") }
                public static var stage: ConvergenceStage { .settings }

                static let current = ShellFact(
                    name: "timezone", command: "readlink /etc/localtime || :; cat /etc/timezone 2>/dev/null || :")

                public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
                    guard !zone.isEmpty, !zone.hasPrefix("/"), !zone.split(separator: "/").contains("..") else {
                        throw .invalid(id, "not a time zone: \(zone)")
                    }
                    try query.add(Self.current, for: id)
                }

                public func plan(in context: inout PlanContext) throws(PlanError) {
                    let lines = try context.value(of: Self.current, for: id).split(separator: "\n").map(String.init)
                    let link = lines.first ?? ""
                    let named = lines.dropFirst().first ?? ""
                    let wanted = "/usr/share/zoneinfo/" + zone
                    guard link != wanted || named != zone else { return }
                    context.append(Change(
                        resource: id, action: .update, reason: link.isEmpty ? "not set" : "\(link), want \(wanted)",
                        fields: [FieldChange("zone", old: named.isEmpty ? nil : named, new: zone)],
                        operation: .shell("""
                            test -e \(shellQuote(wanted))
                            ln -sf \(shellQuote(wanted)) /etc/localtime
                            printf '%s\\n' \(shellQuote(zone)) > /etc/timezone
                            """)))
                }
            }

            public let clock = Role("clock") { host in
                Package("tzdata")
                TimeZoneSetting(host.vars["timezone"].stringValue ?? "Europe/Paris", requires: [.package("tzdata")])
            }

            """#
    }
}
