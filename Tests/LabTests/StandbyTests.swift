import Foundation
import Testing
import TestSupport

extension LabSuite.FleetTests {
    /// A response header of `url` (fetched with curl, certificate not checked); nil when
    /// nothing answered within a second.
    static func header(_ name: String, of url: String) -> String? {
        get(url, timeout: 1)?.headers[name.lowercased()]
    }

    /// Asks `url` every 200 ms until its header `name` is `value`, up to `limit`; how long
    /// it took, or nil.
    static func wait(until name: String, of url: String, is value: String, limit: Duration) async throws -> Duration? {
        let clock = ContinuousClock()
        let started = clock.now
        while clock.now - started < limit {
            if header(name, of: url) == value { return clock.now - started }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    @Test("the floating address: lb1 holds it; with lb1 stopped, HTTPS on it is answered by lb2 within seconds; with lb1 back, lb1 holds it again")
    func floatingAddressFailsOver() async throws {
        try Self.requireConverged()
        let site = try #require(try Self.siteAddresses().first)
        let url = "https://\(site)/"
        #expect(try await Self.wait(until: "X-Load-Balancer", of: url, is: "lb1", limit: .seconds(30)) != nil, "lb1 does not hold \(site)")

        try controller([Self.lab, "stop", "lb1"])
        let failover = try await Self.wait(until: "X-Load-Balancer", of: url, is: "lb2", limit: .seconds(30))
        print("floating address \(site): answered by lb2 \(failover.map { "\($0)" } ?? "never") after lb1 stopped")
        let lb1Stopped = failover
        try controller([Self.lab, "start", "lb1"])
        #expect(lb1Stopped.map { $0 < .seconds(10) } == true, "lb2 did not answer on \(site) within 10 s: \(String(describing: lb1Stopped))")

        // lb1 back: it takes the address back once its HAProxy runs (the higher priority).
        let back = try await Self.wait(until: "X-Load-Balancer", of: url, is: "lb1", limit: .seconds(60))
        print("floating address \(site): back on lb1 \(back.map { "\($0)" } ?? "never") after its start")
        #expect(back != nil)
        let holders = try await Self.on("lb1", "ip -o -4 addr show | grep -c ' \(site)/' || true")
            + (try await Self.on("lb2", "ip -o -4 addr show | grep -c ' \(site)/' || true"))
        #expect(holders == "1\n0\n", "the address on lb1, lb2: \(holders)")

        // A harder loss: lb1's link cut, no goodbye from its keepalived. lb2 waits out
        // three missed adverts.
        try controller([Self.lab, "cut", "lb1"])
        let cut = try await Self.wait(until: "X-Load-Balancer", of: url, is: "lb2", limit: .seconds(30))
        print("floating address \(site): answered by lb2 \(cut.map { "\($0)" } ?? "never") after lb1's link was cut")
        try controller([Self.lab, "heal", "lb1"])
        #expect(cut.map { $0 < .seconds(10) } == true, "lb2 did not answer on \(site) within 10 s of the cut: \(String(describing: cut))")
        #expect(try await Self.wait(until: "X-Load-Balancer", of: url, is: "lb1", limit: .seconds(30)) != nil)
    }

    /// The database's writer address and `read_only` on both masters: `ON`/`OFF` as 1/0.
    static func writerState() async throws -> String {
        var state = ""
        for master in ["db1", "db2"] {
            state += "\(master): " + (try await on(master, "ip -o -4 addr show | grep -c ' 10.231.1.50/' || true; mariadb -N -e 'SELECT @@read_only'"))
                .split(separator: "\n").joined(separator: " ") + "\n"
        }
        return state
    }

    /// Polls `host`'s shop.greetings until row `id` reads `message`, up to a minute.
    static func row(_ id: Int, on host: String, reads message: String) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if (try? await on(host, "mariadb -N -e 'SELECT message FROM shop.greetings WHERE id = \(id)'")) == message + "\n" { return true }
            try await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    @Test("master-master: a row written on either master is read on the other; one written through the writer's address reaches the replica; db_primary moves the writer")
    func mastersReplicateBothWays() async throws {
        try Self.requireConverged()
        #expect(try await Self.writerState() == "db1: 1 0\ndb2: 0 1\n")
        let stamp = UUID().uuidString.prefix(8)
        try await Self.on("db2", "mariadb -e \"REPLACE INTO shop.greetings VALUES (20, 'on db2 \(stamp)')\"")
        #expect(try await Self.row(20, on: "db1", reads: "on db2 \(stamp)"), "a row written on the standby master did not reach db1")
        try await Self.on("db1", "mariadb -e \"REPLACE INTO shop.greetings VALUES (21, 'on db1 \(stamp)')\"")
        #expect(try await Self.row(21, on: "db2", reads: "on db1 \(stamp)"), "a row written on db1 did not reach db2")
        // Through the writer's address, as the application writes (its user, over TCP).
        try await Self.on("db1", "mariadb --defaults-extra-file=/etc/mysql/converge/app.cnf -h 10.231.1.50 -e \"REPLACE INTO shop.greetings VALUES (22, 'via the writer \(stamp)')\"")
        #expect(try await Self.row(22, on: "db3", reads: "via the writer \(stamp)"), "a row written through the writer's address did not reach db3")

        // The writer switched to db2 by the inventory, and back.
        let scratch = try TemporaryDirectory()
        let switched = try Self.inventory(in: scratch, name: "db2-writes.json", setting: ["db": ["db_primary": "db2"]])
        let applied = try Self.converge(["apply", switched])
        #expect(applied.status == 0, "\(applied.output.suffix(3000))")
        var state = ""
        for _ in 1...20 {
            state = try await Self.writerState()
            if state == "db1: 0 1\ndb2: 1 0\n" { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(state == "db1: 0 1\ndb2: 1 0\n", "after switching the writer to db2: \(state)")
        let page = try Self.page("https://\(try #require(try Self.siteAddresses().first))/")
        #expect(page["message"] as? String != nil, "the shop reads through the new writer: \(page)")
        let back = try Self.converge(["apply", Self.inventory])
        #expect(back.status == 0, "\(back.output.suffix(3000))")
        for _ in 1...20 {
            state = try await Self.writerState()
            if state == "db1: 1 0\ndb2: 0 1\n" { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(state == "db1: 1 0\ndb2: 0 1\n", "after switching back: \(state)")
    }

    @Test("cache hot standby: every request goes through cache1; with cache1 stopped, requests succeed through cache2; with it back, through cache1 again")
    func cacheStandbyTakesOver() async throws {
        try Self.requireConverged()
        let site = try #require(try Self.siteAddresses().first)
        let url = "https://\(site)/"
        #expect(try await Self.wait(until: "X-Cache-Host", of: url, is: "cache1", limit: .seconds(30)) != nil)
        var seen: [String: Int] = [:]
        for _ in 1...10 { seen[Self.header("X-Cache-Host", of: url) ?? "none", default: 0] += 1 }
        #expect(seen == ["cache1": 10], "\(seen)")

        try controller([Self.lab, "stop", "cache1"])
        let takeover = try await Self.wait(until: "X-Cache-Host", of: url, is: "cache2", limit: .seconds(30))
        print("cache standby: cache2 answered \(takeover.map { "\($0)" } ?? "never") after cache1 stopped")
        var during: [String: Int] = [:]
        for _ in 1...10 { during[Self.header("X-Cache-Host", of: url) ?? "none", default: 0] += 1 }
        try controller([Self.lab, "start", "cache1"])
        #expect(takeover != nil)
        #expect(during == ["cache2": 10], "\(during)")
        #expect(try await Self.wait(until: "X-Cache-Host", of: url, is: "cache1", limit: .seconds(60)) != nil)
    }
}

extension LabSuite.FleetTests {
    @Test("fail2ban bans an address after repeated failed SSH logins from another lab host; the admins' network is never banned")
    func fail2banBansRepeatedFailures() async throws {
        try Self.requireConverged()
        let attacker = try #require(Lab.hosts.first, "needs a lab host beside the fleet")
        let target = try #require(Lab.fleetHosts.first { $0.name == "web2" })
        let connection = try await Lab.connect(attacker)
        defer { Task { await connection.close() } }
        // Seven logins as a user that does not exist, each refused.
        let tries = try await connection.run("""
            for i in 1 2 3 4 5 6 7; do
                timeout 5 ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
                    -o ConnectTimeout=3 nosuchuser@\(target.address) true >/dev/null 2>&1 || true
            done
            """)
        #expect(tries.succeeded)
        var banned = ""
        for _ in 1...20 {
            banned = try await Self.on("web2", "fail2ban-client status sshd | sed -n 's/.*Banned IP list:[[:space:]]*//p'")
            if banned.contains(attacker.address) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(banned.contains(attacker.address), "banned: \(banned)")
        // Banned: its connections no longer reach sshd (refused or timed out, where before
        // sshd answered "Permission denied").
        let blocked = try await connection.run("""
            timeout 10 ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
                -o ConnectTimeout=3 nosuchuser@\(target.address) true 2>&1 || true
            """)
        #expect(!blocked.stdoutText.contains("Permission denied") && !blocked.stdoutText.isEmpty, "\(blocked.stdoutText)")
        // The controller's address (the lab's admin_networks) stays allowed: fail2ban lists it as 10.231.0.1.
        #expect(try await Self.on("web2", "fail2ban-client get sshd ignoreip").contains(" 10.231.0.1\n"))
        try await Self.on("web2", "fail2ban-client set sshd unbanip \(attacker.address) >/dev/null")
    }
}
