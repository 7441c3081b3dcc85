import Foundation
import Inventory
import Planner
import Resources
import Testing

@testable import Fleet

/// A restart whose host must serve again before the rollout goes on: health checks judged,
/// tried, and gating batches, on fake hosts.
@Suite struct HealthGateTests {
    /// A change that restarts the app every run, as a notified service would.
    struct AppRestart: Resource {
        var id: ResourceID { ResourceID(kind: "restart", name: "app") }
        func addFacts(to query: inout HostStateQuery) throws(PlanError) {}
        func plan(in context: inout PlanContext) throws(PlanError) {
            context.append(Change(resource: id, action: .restart, reason: "notified", operation: .shell("systemctl restart app")))
        }
    }

    static let ok = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nok\n"
    static let unavailable = "HTTP/1.0 503 Service Unavailable\r\n\r\nstarting\n"

    /// `names` with the `app` role: a restart, and an HTTP check of port 8080's `/health`
    /// tried `tries` times; `writesOnly`: a file instead of the restart.
    static func fleet(_ names: [String], tries: Int = 3, writesOnly: Bool = false) throws -> (Convergence, Inventory, [String: FakeConnection]) {
        let entries = names.map { #"{"name": "\#($0)", "address": "192.0.2.\#(names.firstIndex(of: $0)! + 10)", "groups": ["app"]}"# }
        let inventory = try Inventory.parse(
            Data(#"{"groups": {"app": {"roles": ["app"]}}, "hosts": [\#(entries.joined(separator: ", "))]}"#.utf8),
            file: "inventory/test.json", baseDirectory: "/nonexistent")
        let role = Role("app") { _ in
            if writesOnly { File("/etc/app.conf", content: "x\n") } else { AppRestart() }
        }.healthChecks { _ in [.http(port: 8080, path: "/health", expecting: "ok", tries: tries, interval: .milliseconds(1))] }
        var hosts: [String: FakeConnection] = [:]
        for name in names {
            let host = FakeConnection(host: name, release: .bookworm)
            host.answer(.contains("converge_paths()"), with: .output(""))
            hosts[name] = host
        }
        let convergence = Convergence(playbook: Playbook([role]), inventory: inventory, connector: FakeConnector(hosts),
                                      environment: [:], cache: nil, key: FleetRunnerTests.key)
        return (convergence, inventory, hosts)
    }

    static func apply(_ convergence: Convergence, _ inventory: Inventory, serial: HostCount? = nil) async -> FleetResult<AppliedHost> {
        await FleetApply(convergence: convergence, rollout: RolloutSettings(batchSize: serial)).run(
            inventory.hosts.map { host in (host, { try await convergence.plan(host, in: $0) }) },
            with: FleetRunner())
    }

    @Test func anHTTPAnswerIsJudgedByStatusAndBody() {
        let check = HealthCheck.http(port: 80, path: "/health.php", expecting: "ok")
        #expect(check.description == "http://127.0.0.1:80/health.php")
        #expect(check.request == "GET /health.php HTTP/1.0\r\nHost: 127.0.0.1:80\r\nUser-Agent: converge-health-check\r\nConnection: close\r\n\r\n")
        #expect(check.verdict(onResponse: Self.ok) == nil)
        #expect(check.verdict(onResponse: Self.unavailable) == "status 503, want 200")
        #expect(check.verdict(onResponse: "HTTP/1.1 200 OK\r\n\r\ndatabase down") == #"status 200, but the body does not hold "ok": "database down""#)
        #expect(check.verdict(onResponse: "") == "no answer (the connection closed)")
        #expect(check.verdict(onResponse: "SSH-2.0-OpenSSH_9.2p1\r\n") == "not an HTTP answer: SSH-2.0-OpenSSH_9.2p1")
        #expect(throws: HealthCheckError.self) { try HealthCheck.http(port: 0).validate() }
        #expect(throws: HealthCheckError.self) { try HealthCheck.http(port: 80, path: "health").validate() }
        #expect(throws: HealthCheckError.self) { try HealthCheck.command(" ").validate() }
    }

    @Test func aHostThatComesUpOnALaterTryIsChanged() async throws {
        let (convergence, inventory, hosts) = try Self.fleet(["web1"])
        hosts["web1"]!.answerService(port: 8080, with: [Self.unavailable, Self.unavailable, Self.ok])
        let result = await Self.apply(convergence, inventory)
        #expect(result.report.hosts.map(\.status) == [.changed], "\(result.report)")
        #expect(hosts["web1"]!.commands.filter { $0 == "forward 127.0.0.1:8080" }.count == 3)
    }

    @Test func anUnhealthyHostFailsAndStopsTheRollout() async throws {
        let (convergence, inventory, hosts) = try Self.fleet(["web1", "web2", "web3"])
        hosts["web1"]!.answerService(port: 8080, with: [Self.unavailable])
        for name in ["web2", "web3"] { hosts[name]!.answerService(port: 8080, with: [Self.ok]) }
        let result = await Self.apply(convergence, inventory, serial: 1)
        #expect(result.report.hosts.map(\.status) == [.failed, .skipped, .skipped], "\(result.report)")
        let failure = try #require(result.report.hosts[0].failure)
        #expect(failure.phase == "health")
        #expect(failure.message == "health check http://127.0.0.1:8080/health failed 3 times; last answer: status 503, want 200")
        #expect(result.report.stoppedEarly == "1 host(s) of app failed, more than its max 0; not started: web2, web3")
        // The hosts of later batches were planned, never changed.
        for name in ["web2", "web3"] { #expect(hosts[name]!.appliedSteps.isEmpty, "\(name)") }
    }

    @Test func nothingListeningIsAnAnswerToo() async throws {
        let (convergence, inventory, _) = try Self.fleet(["web1"], tries: 2)
        let result = await Self.apply(convergence, inventory)
        #expect(result.report.hosts[0].failure?.message.hasPrefix(
            "health check http://127.0.0.1:8080/health failed 2 times; last answer: ") == true)
        #expect(result.report.hosts[0].failure?.message.contains("nothing listening there") == true)
    }

    @Test func aTCPPortPassesOnceItAcceptsAConnection() async throws {
        let check = HealthCheck.tcp(port: 6379)
        #expect(check.description == "tcp://127.0.0.1:6379")
        #expect(throws: HealthCheckError.self) { try HealthCheck.tcp(port: 70000).validate() }
        let host = FakeConnection(host: "redis1", release: .bookworm)
        let refused = try #require(await HealthGate.probe(check, on: host))
        #expect(refused.contains("nothing listening there"), "\(refused)")
        host.answerService(port: 6379, with: [""])
        #expect(await HealthGate.probe(check, on: host) == nil)
        #expect(host.commands == ["connect 127.0.0.1:6379", "connect 127.0.0.1:6379"])
    }

    @Test func anHTTPSCheckIsSentByOpenSSLOnTheHost() async throws {
        let check = HealthCheck.https(path: "/haproxy-health", hostHeader: "shop.example.com")
        #expect(check.description == "https://127.0.0.1:443/haproxy-health")
        #expect(check.request?.contains("Host: shop.example.com\r\n") == true)
        let command = "openssl s_client -quiet -connect '127.0.0.1:443' -servername 'shop.example.com'"
        #expect(HealthGate.tlsCommand(address: "127.0.0.1", port: 443, serverName: "shop.example.com") == command)
        #expect(HealthGate.tlsCommand(address: "::1", port: 8443, serverName: nil) == "openssl s_client -quiet -connect '[::1]:8443'")
        let host = FakeConnection(host: "lb1", release: .bookworm)
        host.answer(.exact(command), with: .output("HTTP/1.0 200 OK\r\n\r\n<html><body><h1>200 OK</h1>\nService ready.\n"))
        #expect(await HealthGate.probe(check, on: host) == nil)
        let down = FakeConnection(host: "lb2", release: .bookworm)
        down.answer(.exact(command), with: .failure(1, stderr: "connect:errno=111"))
        #expect(await HealthGate.probe(check, on: down) == "no answer over TLS (openssl exit status 1): connect:errno=111")
    }

    @Test func aHostWhoseChangesRestartNothingIsNotWaitedFor() async throws {
        let (convergence, inventory, hosts) = try Self.fleet(["web1"], writesOnly: true)
        let result = await Self.apply(convergence, inventory)
        #expect(result.report.hosts.map(\.status) == [.changed], "\(result.report)")
        #expect(!hosts["web1"]!.commands.contains { $0.hasPrefix("forward ") })
    }
}
