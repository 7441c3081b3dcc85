import Foundation
import Testing
import TestSupport

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

        /// The shop page's JSON, fetched with curl (certificate not checked: self-signed).
        static func page(_ url: String) throws -> [String: Any] {
            let body = try controller(["curl", "-sk", "--max-time", "10", url])
            return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? ["raw": body]
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
