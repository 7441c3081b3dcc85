import Foundation
import Testing
import TestSupport

extension LabSuite.FleetTests {
    /// The fleet's inventory with `vars` set on the host `name` (kept in `scratch`).
    static func inventory(in scratch: TemporaryDirectory, name file: String, settingOn host: String, vars: [String: Any]) throws -> String {
        var document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.inventory))) as! [String: Any]
        document["hosts"] = (document["hosts"] as! [[String: Any]]).map { entry in
            guard entry["name"] as? String == host else { return entry }
            var entry = entry
            entry["vars"] = (entry["vars"] as? [String: Any] ?? [:]).merging(vars) { _, new in new }
            return entry
        }
        let path = scratch.path + "/" + file
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func codename(of host: String) async throws -> String {
        try await on(host, ". /etc/os-release; echo \"$VERSION_CODENAME\"").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a held package, or a source with no suite for the next release, stops a host's release upgrade before anything changes, with one message")
    func blockersStopTheReleaseUpgrade() async throws {
        try Self.requireConverged()
        let scratch = try TemporaryDirectory()
        let target = try Self.inventory(in: scratch, name: "release.json", settingOn: "web1", vars: ["release": "bookworm"])
        let sources = try await Self.on("web1", "cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true")
        let blocked = "release:bookworm: the upgrade from bullseye to bookworm is blocked, and nothing was changed: "

        try await Self.on("web1", "apt-mark hold php7.4-fpm >/dev/null")
        let held = try Self.converge(["apply", target, "--host", "web1"])
        try await Self.on("web1", "apt-mark unhold php7.4-fpm >/dev/null")
        #expect(held.status == 1, "\(held.output.suffix(2000))")
        #expect(held.output.contains(blocked + "held packages php7.4-fpm (apt-mark unhold them, or the roles pin them)"), "\(held.output.suffix(2000))")

        // A third party's archive that has a bullseye suite and no bookworm one.
        try await Self.on("web1", """
            r=/srv/converge-third-party; mkdir -p $r/dists/bullseye/main/binary-amd64; : > $r/dists/bullseye/main/binary-amd64/Packages
            cd $r/dists/bullseye && printf 'Origin: lab\\nSuite: bullseye\\nCodename: bullseye\\nArchitectures: amd64\\nComponents: main\\nSHA256:\\n %s 0 main/binary-amd64/Packages\\n' \
                "$(sha256sum < main/binary-amd64/Packages | cut -d ' ' -f 1)" > Release
            echo "deb [trusted=yes] file:$r bullseye main" > /etc/apt/sources.list.d/third-party.list
            """)
        let thirdParty = try Self.converge(["apply", target, "--host", "web1"])
        #expect(thirdParty.status == 1, "\(thirdParty.output.suffix(2000))")
        #expect(thirdParty.output.contains(blocked + "a source has no bookworm suite: "), "\(thirdParty.output.suffix(2000))")
        #expect(thirdParty.output.contains("file:/srv/converge-third-party/dists/bookworm/"), "\(thirdParty.output.suffix(2000))")

        // Nothing changed: the release, the sources, no backup of them.
        #expect(try await Self.codename(of: "web1") == "bullseye")
        let after = try await Self.on("web1", "rm /etc/apt/sources.list.d/third-party.list; rm -r /srv/converge-third-party; cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true; ls /var/backups/converge 2>/dev/null || true")
        #expect(after == sources, "\(after)")
    }

    @Test("a bullseye web host upgraded to bookworm by a rolling converge: no failed request, on bookworm's PHP, back in rotation; a second converge changes nothing")
    func upgradesAWebHostsRelease() async throws {
        try Self.requireConverged()
        let scratch = try TemporaryDirectory()
        let balancers = try Self.siteAddresses()
        #expect(try await Self.codename(of: "web5") == "bullseye")
        let target = try Self.inventory(in: scratch, name: "release.json", settingOn: "web5", vars: ["release": "bookworm"])

        let plan = try Self.converge(["plan", target])
        #expect(plan.status == 2, "\(plan.output.suffix(3000))")
        #expect(plan.output.contains("web5: 2 changes\n  ~ release:bookworm  bullseye → bookworm: "), "\(plan.output.suffix(3000))")
        #expect(plan.output.contains("php7.4-fpm: 7.4.33"), "\(plan.output.suffix(3000))")
        #expect(plan.output.contains("web5: drained from cache1, cache2 (varnish backend web_web5)"), "\(plan.output.suffix(3000))")
        #expect(try await Self.codename(of: "web5") == "bullseye", "the plan changed nothing")

        let clock = ContinuousClock()
        let started = clock.now
        let load = try LabSuite.SiteLoad(balancers: balancers, seconds: 900)
        let applied = try Self.converge(["apply", target])
        let served = try load.finish()
        print("web5 upgraded from bullseye to bookworm in \(clock.now - started), rolled: \(served)")
        #expect(applied.status == 0, "\(applied.output.suffix(4000))")
        #expect(served.failed == 0, "\(served)")
        #expect(applied.output.contains("web5: now on bookworm: planning it again with its new facts"), "\(applied.output.suffix(4000))")
        // bullseye's libraries that nothing on bookworm needs are gone, as the step says.
        #expect(applied.output.contains("; purged what bullseye needed and bookworm does not: "), "\(applied.output.suffix(4000))")
        #expect(try await Self.on("web5", "dpkg-query -W -f '${Status}' libperl5.32 2>/dev/null || echo gone") == "gone\n")

        #expect(try await Self.codename(of: "web5") == "bookworm")
        let php = try await Self.on("web5", """
            systemctl is-active php8.2-fpm; grep -c ' bookworm' /etc/apt/sources.list; grep -c bullseye /etc/apt/sources.list || true
            tar -xOf /var/backups/converge/apt-sources-bullseye.tar sources.list | grep -c ' bullseye'
            """)
        // Debian's three suites renamed, none of bullseye left; the old file kept.
        #expect(php == "active\n3\n0\n3\n", "\(php)")
        for cache in Self.hosts(of: "cache") {
            #expect(try await Self.varnishAdmin(of: "web_web5", on: cache) == "probe")
        }
        #expect(try await Self.on("web5", "test -e /var/lib/converge/drained && echo drained || echo back") == "back\n")
        let again = try Self.converge(["plan", target])
        #expect(again.status == 0, "\(again.output.suffix(3000))")
    }

    @Test("the bullseye MariaDB primary upgraded to bookworm (10.5 to 10.11): a row written afterwards reaches both replicas")
    func upgradesTheDatabasePrimarysRelease() async throws {
        try Self.requireConverged()
        let scratch = try TemporaryDirectory()
        #expect(try await Self.codename(of: "db1") == "bullseye")
        #expect(try await Self.on("db1", "mariadb -N -e 'SELECT VERSION()'").hasPrefix("10.5."))
        let target = try Self.inventory(in: scratch, name: "release.json", settingOn: "db1", vars: ["release": "bookworm"])
        let clock = ContinuousClock()
        let started = clock.now
        let applied = try Self.converge(["apply", target])
        print("db1 upgraded from bullseye to bookworm in \(clock.now - started)")
        #expect(applied.status == 0, "\(applied.output.suffix(4000))")
        #expect(applied.output.contains("db1: now on bookworm: planning it again with its new facts"), "\(applied.output.suffix(4000))")
        #expect(try await Self.codename(of: "db1") == "bookworm")
        #expect(try await Self.on("db1", "mariadb -N -e 'SELECT VERSION()'").hasPrefix("10.11."))

        // The replicas reconnect to the upgraded primary (they retry every minute at most).
        let stamp = "upgraded-\(UUID().uuidString.prefix(8))"
        try await Self.on("db1", "mariadb -e \"REPLACE INTO shop.greetings VALUES (3, '\(stamp)')\"")
        for replica in ["db2", "db3"] {
            var seen = ""
            let deadline = clock.now + .seconds(120)
            while clock.now < deadline {
                seen = (try? await Self.on(replica, "mariadb -N -e 'SELECT message FROM shop.greetings WHERE id = 3'")) ?? ""
                if seen == stamp + "\n" { break }
                try await Task.sleep(for: .seconds(2))
            }
            let status = seen == stamp + "\n" ? "" : try await Self.on(replica, "mariadb -e 'SHOW SLAVE STATUS\\G' | grep -E 'Running|Error'")
            #expect(seen == stamp + "\n", "\(replica): \(status)")
        }
        let again = try Self.converge(["plan", target])
        #expect(again.status == 0, "\(again.output.suffix(3000))")
    }
}
