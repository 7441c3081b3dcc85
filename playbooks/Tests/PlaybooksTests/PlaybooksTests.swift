import Converge
import Facts
import Fleet
import Foundation
import Inventory
import Planner
import Playbooks
import Testing

/// The reference playbooks, evaluated for the lab fleet's hosts on every release and
/// planned against a host that has nothing yet.
@Suite struct ReferencePlaybookTests {
    /// The repository: playbooks/Tests/PlaybooksTests/ is three levels below it.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every inventory committed under inventory/ names only roles the reference playbook defines.
    @Test func everyInventoryRoleExists() throws {
        let directory = Self.repository.appendingPathComponent("inventory")
        let inventories = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            // lab.json, lab-N.json: written by scripts/lab for converge-lab's test roles;
            // NAME.lab.json: by converge lab up, for a replica.
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("lab") && !$0.contains(".lab") }
            .sorted()
        #expect(inventories.contains("fleet.json") && inventories.contains("production.json"))
        for name in inventories {
            let missing = try Playbook.reference.missingRoles(inInventoryAt: directory.appendingPathComponent(name).path)
            #expect(missing == [], "\(name): \(missing)")
        }
    }

    @Test func aMissingRoleIsNamedWithItsHost() throws {
        let directory = try Scratch()
        let path = directory.path + "/inventory.json"
        try Data("""
            {"groups": {"web": {"roles": ["base", "apache"]}},
             "hosts": [{"name": "web1", "address": "192.0.2.1", "groups": ["web"]}]}
            """.utf8).write(to: URL(fileURLWithPath: path))
        let missing = try Playbook.reference.missingRoles(inInventoryAt: path)
        #expect(missing.map(\.description) == [
            "\(path): host web1 has role \"apache\", which the playbook does not define",
        ])
    }

    /// varnish's backends are the inventory's web hosts: a sixth host in the group is a
    /// sixth backend, with nothing else changed.
    @Test func cacheBackendsComeFromTheInventory() throws {
        var fleet = Fleet.lab
        let five = try vclText(on: fleet.context(for: "cache1", codename: "bookworm"))
        #expect(five.components(separatedBy: "web.add_backend(").count - 1 == 5)
        fleet.hosts.append(InventoryHost(name: "web6", address: "10.231.1.36", groups: ["web"]))
        let six = try vclText(on: fleet.context(for: "cache1", codename: "bookworm"))
        #expect(six.components(separatedBy: "web.add_backend(").count - 1 == 6)
        #expect(six.contains(".host = \"10.231.1.36\";"))
    }

    /// HAProxy sends to exactly the cache hosts, on varnish's port, with health checks: the
    /// first, and the others as its hot standby.
    @Test func loadBalancerBackendsAreTheCaches() throws {
        let resources = try loadBalancer.resources(for: Fleet.lab.context(for: "lb1", codename: "bookworm"))
        let config = try #require(text(of: "/etc/haproxy/haproxy.cfg", in: resources))
        #expect(config.contains("server cache1 10.231.1.21:\(Stack.Port.cache)\n"))
        #expect(config.contains("server cache2 10.231.1.22:\(Stack.Port.cache) backup\n"))
        #expect(config.contains("option httpchk GET \(Stack.healthPath)"))
        let pem = try #require(resources.compactMap { $0 as? File }.first { $0.path == "/etc/haproxy/site.pem" })
        #expect(pem.content?.isSecret == true)
        #expect(pem.mode == 0o600)
    }

    /// keepalived keeps the floating address on lb1 (the higher priority) and lb2 stands by,
    /// each talking to the other by unicast; a drain of one moves the address to the other.
    @Test func theFloatingAddressIsKeepalivedsOnThePair() throws {
        func config(_ name: String) throws -> String {
            let resources = try loadBalancer.resources(for: Fleet.lab.context(for: name, codename: "bookworm"))
            return try #require(text(of: "/etc/keepalived/keepalived.conf", in: resources))
        }
        let lb1 = try config("lb1")
        let lb2 = try config("lb2")
        #expect(lb1.contains("priority 150\n") && lb2.contains("priority 140\n"))
        #expect(lb1.contains("unicast_src_ip 10.231.1.11\n") && lb1.contains("        10.231.1.12\n"))
        #expect(lb2.contains("        10.231.1.11\n"))
        #expect(lb1.contains("10.231.1.10/16 dev eth0") && lb1.contains("interface eth0\n"))
        #expect(lb1.contains("weight 100") && lb1.contains("/run/converge-takeover"))
        let drains = try loadBalancer.drains(for: Fleet.lab.context(for: "lb1", codename: "bookworm"))
        #expect(drains.map(\.description) == ["floating address 10.231.1.10 on lb"])
        #expect(drains.first?.drainCommand == "touch /run/converge-takeover")
        // Without the var: no keepalived, no drain.
        var fleet = Fleet.lab
        fleet.hosts = fleet.hosts.map { host in
            var host = host
            host.vars = .object(host.vars.objectValue?.filter { $0.key != "floating_address" } ?? [:])
            return host
        }
        let alone = try loadBalancer.resources(for: fleet.context(for: "lb1", codename: "bookworm"))
        #expect(text(of: "/etc/keepalived/keepalived.conf", in: alone) == nil)
    }

    /// PHP's version and package names follow the release.
    @Test(arguments: [("jessie", "php5-fpm"), ("stretch", "php7.0-fpm"), ("bullseye", "php7.4-fpm"),
                      ("bookworm", "php8.2-fpm"), ("trixie", "php8.4-fpm")])
    func phpFollowsTheRelease(codename: String, fpm: String) throws {
        let resources = try web.resources(for: Fleet.lab.context(for: "web1", codename: codename))
        #expect(resources.contains { ($0 as? Package)?.name == fpm })
        #expect(resources.contains { ($0 as? Service)?.name == fpm })
        #expect(resources.contains { ($0 as? Symlink)?.path == "/etc/apache2/conf-enabled/\(fpm).conf" })
    }

    /// Sessions go to every redis host's sessions instance.
    @Test func sessionsAreInRedis() throws {
        let resources = try web.resources(for: Fleet.lab.context(for: "web2", codename: "bookworm"))
        let ini = try #require(text(of: "/etc/php/8.2/fpm/conf.d/90-converge-sessions.ini", in: resources))
        #expect(ini.contains("session.save_handler = redis"))
        #expect(ini.contains("tcp://10.231.1.41:6380?weight=1, tcp://10.231.1.42:6380?weight=1"))
    }

    /// Every web host mounts the storage hosts' volume, asking the other storage hosts
    /// when the first is down, and serves it at /media/, never as PHP.
    @Test func webHostsServeTheSharedVolume() throws {
        let resources = try web.resources(for: Fleet.lab.context(for: "web3", codename: "trixie"))
        let mount = try #require(resources.compactMap { $0 as? Mount }.first)
        #expect(mount.mountPoint == "/srv/shop/media" && mount.type == "glusterfs")
        #expect(mount.device == "10.231.1.61:/media")
        #expect(mount.fstabLine == "10.231.1.61:/media /srv/shop/media glusterfs defaults,_netdev,backup-volfile-servers=10.231.1.62:10.231.1.63 0 0")
        #expect(mount.retries > 0)
        let site = try #require(text(of: "/etc/apache2/sites-available/shop.conf", in: resources))
        #expect(site.contains("Alias /media/ /srv/shop/media/\n"))
        #expect(site.contains("<FilesMatch \"\\.(php|phar|phtml)$\">\n            Require all denied"))
        #expect(site.contains("Header always set X-Web-Host \"web3\""))
        #expect(resources.contains { ($0 as? Symlink)?.path == "/etc/apache2/mods-enabled/headers.load" })
    }

    /// exim relays every host's mail to the inventory's smarthost: the settings file first,
    /// then debconf answered the same, then the package (whose reconfigure reads the file).
    @Test func eximRelaysToTheSmarthost() throws {
        let resources = try base.resources(for: Fleet.lab.context(for: "web2", codename: "bookworm"))
        let settings = try #require(text(of: "/etc/exim4/update-exim4.conf.conf", in: resources))
        #expect(settings.contains("dc_eximconfig_configtype='satellite'\n") && settings.contains("dc_smarthost='10.231.0.1::2525'\n"))
        #expect(settings.contains("dc_local_interfaces='127.0.0.1'\n") && settings.contains("dc_readhost='shop.lab'\n"))
        #expect(text(of: "/etc/mailname", in: resources) == "web2.shop.lab\n")
        let answers = resources.compactMap { $0 as? Debconf }
        #expect(answers.first { $0.question == "exim4/dc_smarthost" }?.value == "10.231.0.1::2525")
        #expect(answers.allSatisfy { $0.package == "exim4-config" && $0.requires.contains(.file("/etc/exim4/update-exim4.conf.conf")) })
        let exim = try #require(resources.compactMap { $0 as? Package }.first { $0.name == "exim4-daemon-light" })
        #expect(exim.requires == answers.map(\.id))
        // Without a smarthost, no MTA.
        var fleet = Fleet.lab
        fleet.hosts = fleet.hosts.map { host in
            var host = host
            host.vars = .object((host.vars.objectValue ?? [:]).filter { $0.key != "smarthost" })
            return host
        }
        let none = try base.resources(for: fleet.context(for: "web2", codename: "bookworm"))
        #expect(!none.contains { ($0 as? Package)?.name == "exim4-daemon-light" })
    }

    /// Every host's node exporter on its private address, scraped by the monitoring host's
    /// Prometheus with the host's name; stretch's Prometheus 1.5 gets its own flags, and
    /// jessie, with no Prometheus in its archive, an error naming the release.
    @Test func prometheusScrapesEveryHost() throws {
        let web = try base.resources(for: Fleet.lab.context(for: "web2", codename: "bullseye"))
        #expect(text(of: "/etc/default/prometheus-node-exporter", in: web)?.contains(#"ARGS="--web.listen-address=10.231.1.32:9100""#) == true)
        let server = try monitoring.resources(for: Fleet.lab.context(for: "storage3", codename: "bookworm"))
        let config = try #require(text(of: "/etc/prometheus/prometheus.yml", in: server))
        #expect(config.components(separatedBy: "- targets:").count - 1 == Fleet.lab.hosts.count)
        #expect(config.contains("      - targets: ['10.231.1.11:9100']\n        labels:\n          host: 'lb1'\n"))
        #expect(text(of: "/etc/default/prometheus", in: server)?.contains("--web.listen-address=10.231.1.63:9090 --storage.tsdb.retention.time=30d") == true)

        let stretch = try monitoring.resources(for: Fleet.production.context(for: "storage2", codename: "stretch"))
        #expect(text(of: "/etc/default/prometheus", in: stretch)?.contains("-web.listen-address=192.0.2.26:9090 -storage.local.retention=720h") == true)
        #expect(text(of: "/etc/default/prometheus-node-exporter", in: try base.resources(for: Fleet.production.context(for: "db1", codename: "stretch")))?
            .contains(#"ARGS="-web.listen-address=192.0.2.22:9100""#) == true)
        #expect(!(try base.resources(for: Fleet.production.context(for: "web1", codename: "jessie"))).contains { ($0 as? Package)?.name == "prometheus-node-exporter" })
        #expect(throws: StackError.self) { try monitoring.resources(for: Fleet.production.context(for: "storage1", codename: "jessie")) }
    }

    /// Every db host dumps the shop's database nightly with backup-manager, from a timer.
    @Test func databaseHostsBackUpNightly() throws {
        let resources = try database.resources(for: Fleet.lab.context(for: "db3", codename: "trixie"))
        let lines = try #require(resources.compactMap { $0 as? Lines }.first { $0.path == "/etc/backup-manager.conf" })
        #expect(lines.id == .lines("/etc/backup-manager.conf"))
        let timer = try #require(resources.compactMap { $0 as? SystemdTimer }.first)
        #expect(timer.name == "backup-manager" && timer.onCalendar == "*-*-* 02:30:00" && timer.command == "/usr/sbin/backup-manager")
        let settings = lines.lines.filter { $0.kind == .present }.map(\.text)
        #expect(settings.contains(#"export BM_ARCHIVE_METHOD="mysql""#) && settings.contains(#"export BM_UPLOAD_METHOD="none""#))
        #expect(!resources.contains { $0 is Debconf })
    }

    /// The primary creates the database and users; the two masters replicate from each
    /// other, each with its own GTID domain and auto-increment share; the replica follows
    /// the writer's address, read-only; keepalived keeps that address on the primary.
    @Test func databaseRoles() throws {
        let primary = try database.resources(for: Fleet.lab.context(for: "db1", codename: "bookworm"))
        let standby = try database.resources(for: Fleet.lab.context(for: "db2", codename: "bookworm"))
        let replica = try database.resources(for: Fleet.lab.context(for: "db3", codename: "trixie"))
        #expect(primary.contains { ($0 as? Command)?.name == "shop database" })
        #expect(!replica.contains { ($0 as? Command)?.name == "shop database" })
        #expect(primary.contains { ($0 as? Command)?.name == "replicate from db2" })
        #expect(standby.contains { ($0 as? Command)?.name == "replicate from db1" })
        #expect(replica.contains { ($0 as? Command)?.name == "replicate from the writer's address" })
        let follow = try #require(replica.compactMap { $0 as? Command }.first { $0.name.hasPrefix("replicate from") })
        #expect(follow.unless?.contains("Master_Host: 10.231.1.50'") == true)
        let primaryConfig = try #require(text(of: "/etc/mysql/mariadb.conf.d/60-converge.cnf", in: primary))
        #expect(primaryConfig.contains("server_id = 1\n") && primaryConfig.contains("gtid_domain_id = 1\n"))
        #expect(primaryConfig.contains("auto_increment_offset = 1\n") && primaryConfig.contains("auto_increment_increment = 2\n"))
        #expect(try #require(text(of: "/etc/mysql/mariadb.conf.d/60-converge.cnf", in: standby)).contains("auto_increment_offset = 2\n"))
        let replicaConfig = try #require(text(of: "/etc/mysql/mariadb.conf.d/60-converge.cnf", in: replica))
        #expect(replicaConfig.contains("server_id = 3\n"))
        #expect(replicaConfig.contains("read_only = ON\n"))
        #expect(text(of: "/etc/keepalived/keepalived.conf", in: replica) == nil)
        // The writer's address: the primary first, both masters holding it in turn.
        let keepalived = try #require(text(of: "/etc/keepalived/keepalived.conf", in: primary))
        #expect(keepalived.contains("priority 150\n") && keepalived.contains("10.231.1.50/16 dev eth0"))
        #expect(keepalived.contains(#"notify_master "/etc/keepalived/converge-writer master""#))
        #expect(try #require(text(of: "/etc/keepalived/keepalived.conf", in: standby)).contains("priority 140\n"))
        // The passwords are in secret files only, never in a command.
        for command in (primary + standby + replica).compactMap({ $0 as? Command }) {
            #expect(!command.command.contains("IDENTIFIED"))
        }
    }

    /// `db_primary` switches the writer: the other master gets the higher priority.
    @Test func theWriterSwitchesWithTheVar() throws {
        var fleet = Fleet.lab
        fleet.hosts = fleet.hosts.map { host in
            guard host.groups.contains("db") else { return host }
            var host = host
            host.vars = .object((host.vars.objectValue ?? [:]).merging(["db_primary": "db2"]) { _, new in new })
            return host
        }
        let db2 = try database.resources(for: fleet.context(for: "db2", codename: "bookworm"))
        #expect(try #require(text(of: "/etc/keepalived/keepalived.conf", in: db2)).contains("priority 150\n"))
        #expect(db2.contains { ($0 as? Command)?.name == "shop database" })
    }

    /// fail2ban's sshd jail never bans the admins' networks, and reads the journal and
    /// bans with nftables from bullseye on; auth.log and iptables before.
    @Test(arguments: [("jessie", "iptables-multiport", false), ("bullseye", "nftables", true), ("trixie", "nftables", true)])
    func fail2banGuardsSSH(codename: String, banaction: String, journal: Bool) throws {
        let resources = try base.resources(for: Fleet.lab.context(for: "web2", codename: codename))
        let jail = try #require(text(of: "/etc/fail2ban/jail.d/converge.local", in: resources))
        #expect(jail.contains("ignoreip = 127.0.0.1/8 ::1 10.231.0.1/32\n"))
        #expect(jail.contains("banaction = \(banaction)\n") && jail.contains("[sshd]\nenabled = true\n"))
        #expect(jail.contains("backend = systemd") == journal)
        #expect(resources.contains { ($0 as? Package)?.name == (journal ? "python3-systemd" : "iptables") })
    }

    /// A container gets no time sync service and no vm.* settings; bare metal gets both.
    @Test func containersSkipWhatBelongsToTheMachine() throws {
        let container = try base.resources(for: Fleet.lab.context(for: "web1", codename: "bookworm", isContainer: true))
        let metal = try base.resources(for: Fleet.lab.context(for: "web1", codename: "bookworm", isContainer: false))
        #expect(!container.contains { $0 is Service && $0.id == .service("systemd-timesyncd") })
        #expect(metal.contains { $0 is Service && $0.id == .service("systemd-timesyncd") })
        #expect(metal.contains { ($0 as? Sysctl)?.key == "vm.swappiness" })
        #expect(!container.contains { ($0 as? Sysctl)?.key == "vm.swappiness" })
        #expect(container.contains { ($0 as? Sysctl)?.key == "net.core.somaxconn" })
    }

    /// A rolling restart waits for web hosts to serve the health page again, and for varnish
    /// to answer; the other tiers declare no checks yet.
    @Test func webAndCacheDeclareHealthChecks() throws {
        let context = Fleet.lab.context(for: "web1", codename: "bookworm")
        #expect(try web.healthChecks(for: context).map(\.description) == ["http://127.0.0.1:80/health.php"])
        #expect(try cache.healthChecks(for: Fleet.lab.context(for: "cache1", codename: "bookworm")).map(\.description)
            == ["command: varnishadm ping"])
        #expect(try database.healthChecks(for: Fleet.lab.context(for: "db1", codename: "bookworm")).isEmpty)
    }

    /// Debian 8 to 10 have no sshd_config.d: the role sets its lines in Debian's sshd_config
    /// there, in place of Debian's own for each keyword; jessie's sshd knows no `prohibit-password`.
    @Test func sshdHardeningOnEveryRelease() throws {
        for (codename, rootLogin) in [("jessie", "without-password"), ("stretch", "prohibit-password")] {
            let old = try base.resources(for: Fleet.lab.context(for: "web1", codename: codename))
            let lines = try #require(old.compactMap { $0 as? Lines }.first { $0.path == "/etc/ssh/sshd_config" })
            #expect(lines.lines.contains(.line("PasswordAuthentication no", replacing: "^#?[ ]*PasswordAuthentication[ \t]")))
            #expect(lines.lines.contains(.line("PermitRootLogin \(rootLogin)", replacing: "^#?[ ]*PermitRootLogin[ \t]")))
            #expect(lines.before == "^Match[ \t]")
            #expect(!old.contains { $0.id == .file("/etc/ssh/sshd_config") })
        }
        let new = try base.resources(for: Fleet.lab.context(for: "web1", codename: "trixie"))
        #expect(try #require(text(of: "/etc/ssh/sshd_config.d/60-converge.conf", in: new)).contains("PasswordAuthentication no"))
    }

    /// Every host of the lab fleet, on every release, plans from nothing without an
    /// error; unit files are reloaded before their services start, and the database is
    /// set up only once MariaDB runs with its replication settings.
    @Test(arguments: ["bullseye", "bookworm", "trixie"])
    func everyHostPlansFromNothing(codename: String) throws {
        for member in Fleet.lab.members {
            let context = Fleet.lab.context(for: member.name, codename: codename)
            // The admin's key file is read on the controller before planning; here, a key.
            let resources = try member.roles.flatMap { name in try Playbook.reference.role(named: name)!.resources(for: context) }
                .map { resource -> any Resource in
                    guard var file = resource as? File, case .controllerFile = file.content else { return resource }
                    file.content = .text("ssh-ed25519 AAAA test\n")
                    return file
                }
            let plan = try Planner.plan(host: member.name, resources: resources, state: blankState(for: resources),
                                        secrets: fakeSecrets(for: resources))
            let ids = plan.changes.map(\.resource.description)
            #expect(!ids.isEmpty)
            if member.name == "redis1" {
                let reload = try #require(ids.firstIndex(of: "systemd:daemon-reload"))
                #expect(reload < ids.firstIndex(of: "service:redis-cache")!)
                #expect(reload < ids.firstIndex(of: "service:redis-sessions")!)
            }
            if member.name == "lb1" {
                // Debian's postinst starts HAProxy with its own configuration: reloaded after ours.
                let haproxy = plan.changes.first { $0.resource == .service("haproxy") }
                #expect(haproxy?.operation == .ensureService(unit: "haproxy.service", running: true, enabled: true, refresh: "reload"))
            }
            if member.name == "web1" {
                // exim's settings file, then debconf answered as it says, then the package;
                // the volume's client before its mount.
                let settings = try #require(ids.firstIndex(of: "file:/etc/exim4/update-exim4.conf.conf"))
                let answer = try #require(ids.firstIndex(of: "debconf:exim4/dc_smarthost"))
                #expect(settings < answer && answer < ids.firstIndex(of: "package:exim4-daemon-light")!)
                #expect(ids.firstIndex(of: "package:glusterfs-client")! < ids.lastIndex(of: "mount:/srv/shop/media")!)
            }
            if member.name == "db1" {
                #expect(ids.firstIndex(of: "service:mariadb")! < ids.firstIndex(of: "command:shop database")!)
            }
        }
    }

    private func vclText(on host: HostContext) throws -> String {
        try #require(text(of: "/etc/varnish/default.vcl", in: try cache.resources(for: host)))
    }
}

/// The content of the text file at `path` among `resources`.
func text(of path: String, in resources: [any Resource]) -> String? {
    guard let file = resources.compactMap({ $0 as? File }).first(where: { $0.path == path }),
        case .text(let text) = file.content
    else { return nil }
    return text
}

/// A host with nothing on it: every package installable, no path, unit, user or group, no guard holding.
func blankState(for resources: [any Resource]) throws -> HostState {
    let query = try HostStateQuery(resources: resources)
    var state = HostState(aptLists: AptLists(packageIndexCount: 3, lastUpdate: 1000, now: 1000))
    // The accounts of a Debian base system.
    for (name, id) in [("root", 0), ("www-data", 33)] {
        state.users[name] = UserState(uid: id, gid: id, primaryGroup: name, groups: [name], home: "/root", shell: "/bin/sh")
    }
    for (name, id) in [("root", 0), ("adm", 4), ("www-data", 33), ("sudo", 27)] {
        state.groups[name] = GroupState(gid: id, members: [])
    }
    for name in query.packages {
        state.packages[name] = PackageState(status: nil, version: nil, candidate: "1.0-1", availableVersions: ["1.0-1"])
    }
    for unit in query.units {
        state.services[unit] = ServiceState(loadState: "not-found", activeState: "inactive", enablement: nil)
    }
    for name in query.commands {
        state.guards[name] = GuardState(createsExists: false, unlessStatus: 1)
    }
    for key in query.kernelSettings { state.kernelSettings[key] = "0" }
    // Other facts as a blank host prints them: nothing mounted, fstab without the line, no
    // debconf answers and the package not installed.
    for name in query.facts.keys {
        let output = switch name.prefix(while: { $0 != ":" }) {
        case "mount": ""
        case "fstab", "lines": "exists\nchanged\n+line\n"
        case "debconf": "dpkg-status \n"
        default: "unknown fact \(name): give blankState its blank output"
        }
        state.factOutputs[name] = FactOutput(stdout: output, stderr: "", exitStatus: 0)
    }
    return state
}

/// Made-up values for every secret the resources use.
func fakeSecrets(for resources: [any Resource]) -> SecretValues {
    var values = SecretValues()
    for text in resources.flatMap(\.secretTexts) {
        for secret in text.secrets { values[secret.source] = Data("secret".utf8) }
    }
    return values
}

/// The lab fleet (inventory/fleet.json), read by converge's own inventory loader, as the
/// roles see it.
struct Fleet {
    struct Member {
        var name: String
        var roles: [String]
    }

    var hosts: [InventoryHost]
    var members: [Member]

    static let lab = load("fleet.json")
    /// The same fleet on Debian 8 and 9, sized by the hosts' memory (inventory/production.json).
    static let production = load("production.json")

    static func load(_ file: String) -> Fleet {
        let inventory = try! Inventory.load(
            contentsOf: ReferencePlaybookTests.repository.appendingPathComponent("inventory/\(file)").path)
        return Fleet(
            hosts: inventory.hosts.map {
                InventoryHost(name: $0.name, address: $0.address, groups: $0.groups, vars: VarValue($0.vars))
            },
            members: inventory.hosts.map { Member(name: $0.name, roles: $0.roles) })
    }

    /// The host as its roles see it: its inventory address on `eth0` (a /16, as on the
    /// lab's bridge), 2 GiB and 2 CPUs unless given.
    func context(for name: String, codename: String, isContainer: Bool = true, memoryBytes: Int = 2 << 30,
                 cpuCount: Int = 2) -> HostContext {
        let host = hosts.first { $0.name == name }!
        return HostContext(name: name, address: host.address, groups: host.groups, vars: host.vars,
                           codename: codename, architecture: "amd64", isContainer: isContainer, inventoryHosts: hosts,
                           memoryBytes: memoryBytes, cpuCount: cpuCount,
                           interfaces: [NetworkInterface(name: "lo", addresses: [.init(address: "127.0.0.1", prefixLength: 8)]),
                                        NetworkInterface(name: "eth0", addresses: [.init(address: host.address, prefixLength: 16)])])
    }
}

/// A scratch directory removed when the test ends.
final class Scratch {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("converge-\(UUID().uuidString)").path
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
