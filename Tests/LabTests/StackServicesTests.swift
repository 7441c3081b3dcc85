import Foundation
import Testing
import TestSupport

extension LabSuite.FleetTests {
    /// The inventory's top-level var `name`.
    static func inventoryVar(_ name: String) throws -> Any? {
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.inventory))) as? [String: Any]
        return (document?["vars"] as? [String: Any])?[name]
    }

    /// A GET of `url` (certificate not checked): its headers, by lowercased name, and body;
    /// nil when nothing answered within `timeout` seconds.
    static func get(_ url: String, timeout: Int = 3) -> (headers: [String: String], body: String)? {
        guard let result = try? run(["/usr/bin/curl", "-sk", "-D", "-", "--max-time", "\(timeout)", url]), result.status == 0 else {
            return nil
        }
        // HTTP ends lines with CRLF, which Swift takes for one Character: drop the CRs first.
        let text = result.stdout.replacingOccurrences(of: "\r", with: "")
        guard let end = text.range(of: "\n\n") else { return nil }
        var headers: [String: String] = [:]
        for line in text[..<end.lowerBound].split(separator: "\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return (headers, String(text[end.upperBound...]))
    }

    @Test("shared assets: a file written on the GlusterFS volume from web1 is served, through the floating address, by web3")
    func sharedAssetsAreServedByEveryWebHost() async throws {
        try Self.requireConverged()
        let site = try #require(try Self.siteAddresses().first)
        let token = UUID().uuidString
        let name = "converge-test-\(token).txt"
        _ = try await Self.on("web1", "printf '%s\\n' \(token) > /srv/shop/media/\(name)")
        // A URL varnish has not cached each time, until varnish's round robin reaches web3.
        var answeredBy: [String] = []
        var web3: (headers: [String: String], body: String)?
        for attempt in 1...30 where web3 == nil {
            guard let reply = Self.get("https://\(site)/media/\(name)?try=\(attempt)") else { continue }
            answeredBy.append(reply.headers["x-web-host"] ?? "?")
            if reply.headers["x-web-host"] == "web3" { web3 = reply }
        }
        _ = try await Self.on("web1", "rm -f /srv/shop/media/\(name)")
        let reply = try #require(web3, "web3 never answered; answered by \(answeredBy)")
        #expect(reply.body == token + "\n")
        print("shared asset written on web1, served by web3 through \(site) (answered by \(answeredBy.joined(separator: ", ")))")
        // PHP on the volume is never run: an upload cannot become code.
        _ = try await Self.on("web1", "printf '<?php echo 1;' > /srv/shop/media/\(name).php")
        let php = try run(["/usr/bin/curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3",
                           "https://\(site)/media/\(name).php"])
        _ = try await Self.on("web1", "rm -f /srv/shop/media/\(name).php")
        #expect(php.stdout == "403", "\(php)")
    }

    @Test("mail handed to exim on a web host reaches the lab's catch-all smarthost")
    func mailReachesTheSmarthost() async throws {
        try Self.requireConverged()
        let smarthost = try #require(try Self.inventoryVar("smarthost") as? String, "the inventory names no smarthost")
        let parts = smarthost.components(separatedBy: "::")
        let sink = try SMTPSink(address: parts[0], port: UInt16(parts.count > 1 ? parts[1] : "25") ?? 25)
        defer { sink.stop() }
        let token = UUID().uuidString
        _ = try await Self.on("web2", "printf 'Subject: converge lab %s\\n\\n%s\\n' \(token) \(token) | /usr/sbin/sendmail -f root ops@shop.lab")
        let clock = ContinuousClock()
        let started = clock.now
        var delivered: SMTPSink.Message?
        while delivered == nil, clock.now - started < .seconds(60) {
            delivered = sink.messages.first { $0.data.contains(token) }
            if delivered == nil {
                // Mail queued while nothing listened is sent on the next queue run: now.
                _ = try? await Self.on("web2", "exim4 -qff")
                try await Task.sleep(for: .seconds(1))
            }
        }
        let queue = delivered == nil ? ((try? await Self.on("web2", "exim4 -bp")) ?? "?") : ""
        let message = try #require(delivered, "no mail reached \(smarthost) within 60 s; web2's queue: \(queue)")
        print("mail from web2 reached the smarthost \(smarthost) after \(clock.now - started)")
        #expect(message.recipients == ["ops@shop.lab"])
        // The hosts' own names stay inside: mail comes from the site's domain.
        #expect(message.from == "root@shop.lab", "\(message.from)")
        #expect(message.data.contains("Subject: converge lab \(token)"))
    }

    @Test("a db host's nightly backup-manager dump, dated, restores into a scratch database")
    func backupRestoresIntoAScratchDatabase() async throws {
        try Self.requireConverged()
        // The timer's service, run now rather than at 02:30.
        _ = try await Self.on("db3", "systemctl start backup-manager.service")
        let archive = try await Self.on("db3", "ls /var/archives/db3-mysql-shop.$(date +%Y%m%d).sql.gz").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(archive.hasPrefix("/var/archives/db3-mysql-shop.2"))
        // Restored without writing the binary log: db3 is a replica, and its GTIDs stay the writer's.
        let restored = try await Self.on("db3", """
            mariadb -e 'SET SESSION sql_log_bin = 0; DROP DATABASE IF EXISTS converge_restore; CREATE DATABASE converge_restore'
            { echo 'SET SESSION sql_log_bin = 0;'; zcat \(archive); } | mariadb converge_restore
            mariadb -N -e 'SELECT message FROM converge_restore.greetings WHERE id = 1'
            mariadb -e 'SET SESSION sql_log_bin = 0; DROP DATABASE converge_restore'
            """)
        #expect(restored == "Hello from MariaDB\n")
        let timer = try await Self.on("db3", "systemctl is-enabled backup-manager.timer; systemctl is-active backup-manager.timer")
        #expect(timer == "enabled\nactive\n")
    }

    @Test("Prometheus on the monitoring host scrapes every host's node exporter")
    func prometheusScrapesEveryHost() async throws {
        try Self.requireConverged()
        let server = try #require(Lab.fleetHosts.first { $0.name == "storage3" })
        let url = "http://\(server.address):9090/api/v1/query?query=up"
        let clock = ContinuousClock()
        let started = clock.now
        var up: [String: String] = [:]
        // Samples every 15 s: a target just converged is scraped within one interval.
        while clock.now - started < .seconds(60) {
            if let reply = Self.get(url),
               let document = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
               let results = (document["data"] as? [String: Any])?["result"] as? [[String: Any]] {
                up = Dictionary(results.compactMap { result in
                    guard let host = (result["metric"] as? [String: Any])?["host"] as? String,
                          let value = (result["value"] as? [Any])?.last as? String else { return nil }
                    return (host, value)
                }, uniquingKeysWith: { first, _ in first })
                if up.count == Lab.fleetHosts.count, up.values.allSatisfy({ $0 == "1" }) { break }
            }
            try await Task.sleep(for: .seconds(2))
        }
        #expect(Set(up.keys) == Set(Lab.fleetHosts.map(\.name)), "\(up)")
        #expect(up.filter { $0.value != "1" }.isEmpty, "down: \(up.filter { $0.value != "1" })")
    }

    /// The log files on a host that no logrotate rule covers: everything under /var/log
    /// but rotated copies, the journal (journald bounds its own size), lastlog and faillog
    /// (indexed by uid, never rotated) and debootstrap's log (written once, at install).
    static let unrotatedLogs = """
        logrotate -d /etc/logrotate.conf 2>&1 | sed -n 's/^considering log //p' | sort -u > /tmp/converge-rotated
        find /var/log -type f -size +0 ! -path '/var/log/journal/*' ! -name lastlog ! -name faillog ! -name bootstrap.log \\
            ! -name '*.gz' ! -name '*.xz' ! -name '*.[0-9]' ! -name '*.old' ! -name '*-[0-9]*' | sort > /tmp/converge-logs
        comm -23 /tmp/converge-logs /tmp/converge-rotated
        rm -f /tmp/converge-rotated /tmp/converge-logs
        """

    @Test("logrotate covers every service's logs on every host")
    func everyLogIsRotated() async throws {
        try Self.requireConverged()
        var unrotated: [String: String] = [:]
        for host in Lab.fleetHosts {
            let files = try await Self.on(host.name, Self.unrotatedLogs)
            if !files.isEmpty { unrotated[host.name] = files }
        }
        #expect(unrotated.isEmpty, "\(unrotated.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n"))")
    }
}
