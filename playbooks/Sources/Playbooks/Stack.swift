import Converge

/// The web stack's shared settings, typed: every role reads ports, backends, peers and
/// secrets from here rather than repeating them, and hosts come from the inventory's
/// groups, so adding a web host to the inventory is all it takes for the caches to use it.
///
/// ```
/// client ─https─▶ lb (HAProxy) ─▶ cache (varnish) ─▶ web (Apache + PHP-FPM) ─▶ db (MariaDB)
///                                                                          └─▶ redis (sessions)
/// ```
public struct Stack: Sendable {
    /// The inventory groups the stack's roles are assigned through.
    public enum Tier: String, Sendable, CaseIterable {
        case lb, cache, web, redis, db, storage
    }

    /// Where each tier listens.
    public enum Port {
        public static let https = 443
        public static let http = 80
        /// varnish, which the load balancers send to.
        public static let cache = 6081
        /// Apache on the web hosts, which varnish sends to.
        public static let web = 80
        public static let redisCache = 6379
        public static let redisSessions = 6380
        public static let mariadb = 3306
        /// Prometheus' node exporter on every host, and the Prometheus server.
        public static let nodeExporter = 9100
        public static let prometheus = 9090
    }

    /// The page every tier's health checks ask for: answered by PHP without touching the
    /// database or redis, so a database outage does not take the web hosts out of rotation.
    public static let healthPath = "/health.php"
    /// What HAProxy answers itself (`monitor-uri`), for the load balancers' health checks.
    public static let balancerHealthPath = "/haproxy-health"
    /// HAProxy's backend of cache hosts, one server per host by its inventory name.
    public static let cacheBackend = "caches"
    /// The application database and its one table.
    public static let database = "shop"
    public static let databaseUser = "app"
    public static let replicationUser = "repl"
    /// The GlusterFS volume's name unless the inventory's `volume` var says otherwise.
    public static let defaultVolume = "media"

    /// The host the roles are evaluated for.
    public let host: HostContext

    public init(_ host: HostContext) {
        self.host = host
    }

    /// The hosts of `tier`, in inventory order.
    public func members(of tier: Tier) -> [InventoryHost] { host.members(of: tier.rawValue) }

    /// The site's name, for the TLS certificate (`domain` var).
    public var domain: String { host.vars["domain"].stringValue ?? "shop.example.com" }

    /// HAProxy's certificate and key, one PEM file: self-signed the first time the
    /// stack is converged, for the domain and every load balancer's name and address.
    public var tlsCertificate: Secret {
        .stored("site.pem", generatedAs: .selfSignedCertificate(
            commonName: domain,
            alternativeNames: members(of: .lb).flatMap { [$0.name, $0.address] },
            days: 825))
    }

    /// The application's database password.
    public var databasePassword: Secret {
        .stored("mariadb-app", generatedAs: .password(length: 32))
    }

    /// The replicas' password on the primary.
    public var replicationPassword: Secret {
        .stored("mariadb-replication", generatedAs: .password(length: 32))
    }

    /// The two database masters: the first two `db` hosts, each replicating from the
    /// other (master-master). The others are replicas.
    public var databaseMasters: [InventoryHost] { Array(members(of: .db).prefix(2)) }

    /// Whether this host is one of the ``databaseMasters``.
    public var isDatabaseMaster: Bool { databaseMasters.contains { $0.name == host.name } }

    /// The database primary, the master the application writes to: the master named by
    /// the `db_primary` var, else the first. The other master stands by, read-only.
    public var databasePrimary: InventoryHost? {
        let masters = databaseMasters
        if let name = host.vars["db_primary"].stringValue {
            return masters.first { $0.name == name }
        }
        return masters.first
    }

    /// Whether this host is the database primary.
    public var isDatabasePrimary: Bool { databasePrimary?.name == host.name }

    /// The writer's floating address (`db_writer_address` var of the db group): keepalived
    /// keeps it on the primary while its MariaDB runs, else on the other master, which then
    /// takes writes. Nil: the application writes to the primary's own address.
    public var databaseWriterAddress: String? { host.vars["db_writer_address"].stringValue }

    /// Where the application writes, and what the replicas replicate from: the writer's
    /// floating address, else the primary's address.
    public var databaseWriteAddress: String? { databaseWriterAddress ?? databasePrimary?.address }

    /// The VRRP router id of the masters' keepalived (`db_vrrp_router_id` var), 52 unless told.
    public var databaseVRRPRouterID: Int { host.vars["db_vrrp_router_id"].intValue ?? 52 }

    /// This database host's replication server id: its position in the `db` group, from 1.
    public var databaseServerID: Int {
        (members(of: .db).firstIndex { $0.name == host.name } ?? 0) + 1
    }

    /// The address this host's services listen on for the other tiers: its address in the
    /// `private_network` var (e.g. `10.231.0.0/16`), else its inventory address.
    ///
    /// - Throws: when the host has no address in `private_network`, naming the ones it has;
    ///   or when the var is not a string (``VarsError``).
    public func privateAddress() throws -> String {
        struct NetworkVars: Decodable {
            var privateNetwork: String?
            enum CodingKeys: String, CodingKey { case privateNetwork = "private_network" }
        }
        guard let network = try host.vars(as: NetworkVars.self).privateNetwork else { return host.address }
        return try host.address(in: network)
    }

    /// The address clients use for the site (`floating_address` var of the lb group, an
    /// address of the private network that no host has): keepalived keeps it on one load
    /// balancer at a time. Nil: every load balancer is used by its own address.
    public var floatingAddress: String? { host.vars["floating_address"].stringValue }

    /// The VRRP router id the load balancers' keepalived share (`vrrp_router_id` var):
    /// unique among the pairs on one network segment, 51 unless told.
    public var vrrpRouterID: Int { host.vars["vrrp_router_id"].intValue ?? 51 }

    /// Where a load balancer is told to take the floating address over from a peer being
    /// drained: keepalived raises its priority while the file exists. In `/run`, so a
    /// reboot forgets it.
    public static let takeoverFile = "/run/converge-takeover"

    /// The GlusterFS volume (`volume` var).
    public var volume: String { host.vars["volume"].stringValue ?? Self.defaultVolume }

    /// Where the web hosts mount the storage hosts' volume: the shop's static assets,
    /// served as ``mediaURLPath``. Outside the document root, so no PHP runs from it.
    public static let mediaDirectory = "/srv/shop/media"
    /// The URL path the assets are served at.
    public static let mediaURLPath = "/media/"

    /// The volume as a GlusterFS client mounts it: from the first storage host, the others
    /// named as backup servers of its volume file (a client mounting while the first is
    /// down asks them). Nil without storage hosts.
    public var mediaVolume: (device: String, options: [String])? {
        let servers = members(of: .storage).map(\.address)
        guard let first = servers.first else { return nil }
        let backups = servers.dropFirst()
        // Not `nofail`, with which mount.glusterfs reports success when it mounted nothing:
        // a web host whose volume is unreachable at boot still boots (remote-fs.target
        // fails, multi-user.target goes on), and its pages serve.
        return ("\(first):/\(volume)",
                ["defaults", "_netdev"] + (backups.isEmpty ? [] : ["backup-volfile-servers=" + backups.joined(separator: ":")]))
    }
}

/// A role that cannot be evaluated for a host, and why: the host's plan fails with it.
public struct StackError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// What differs between the Debian releases the stack runs on: package names, versions
/// and paths, from the host's facts.
public struct Release: Sendable {
    public let codename: String

    public init(_ host: HostContext) {
        codename = host.codename ?? "bookworm"
    }

    /// The PHP version Debian ships.
    public var php: String {
        switch codename {
        case "jessie": "5.6"
        case "stretch": "7.0"
        case "buster": "7.3"
        case "bullseye": "7.4"
        case "bookworm": "8.2"
        default: "8.4"
        }
    }

    /// `php8.2-fpm`; jessie's is `php5-fpm`.
    public var phpFPM: String { codename == "jessie" ? "php5-fpm" : "php\(php)-fpm" }

    /// Where PHP-FPM's own ini files go: `/etc/php/8.2/fpm/conf.d`.
    public var phpFPMConfigDirectory: String {
        codename == "jessie" ? "/etc/php5/fpm/conf.d" : "/etc/php/\(php)/fpm/conf.d"
    }

    /// Where PHP-FPM's pools are configured: `/etc/php/8.2/fpm/pool.d`.
    public var phpFPMPoolDirectory: String {
        codename == "jessie" ? "/etc/php5/fpm/pool.d" : "/etc/php/\(php)/fpm/pool.d"
    }

    /// The PHP extension packages for MySQL and redis.
    public var phpExtensions: [String] {
        codename == "jessie" ? ["php5-mysql", "php5-redis"] : ["php\(php)-mysql", "php-redis"]
    }

    /// The Apache configuration snippet Debian's PHP-FPM package ships, enabled with a2enconf.
    public var apachePHPConfig: String { "\(phpFPM).conf" }

    /// Whether sshd reads `/etc/ssh/sshd_config.d/*.conf` (Debian 11 and later).
    public var sshdHasDropIns: Bool { !["jessie", "stretch", "buster"].contains(codename) }

    /// Whether fail2ban bans with nftables and reads sshd's journal (Debian 11 and later);
    /// before, iptables and `/var/log/auth.log`.
    public var fail2banUsesNftables: Bool { sshdHasDropIns }

    /// What fail2ban needs beside itself: its journal reader and nftables, or iptables.
    public var fail2banPackages: [String] { fail2banUsesNftables ? ["python3-systemd", "nftables"] : ["iptables"] }

    /// How the node exporter is told its address: `--web.listen-address` from buster's 0.17
    /// on, `-web.listen-address` in stretch's 0.13; nil on jessie, whose archive has none.
    public var nodeExporterListenFlag: String? {
        switch codename {
        case "jessie": nil
        case "stretch": "-web.listen-address"
        default: "--web.listen-address"
        }
    }

    /// Whether time sync is its own package (Debian 11 and later); before, systemd has it.
    public var timesyncdIsPackage: Bool { sshdHasDropIns }

    /// MariaDB's service unit: `mysql` on jessie's MySQL-era packaging.
    public var mariadbService: String { codename == "jessie" ? "mysql" : "mariadb" }

    /// The client that talks to MariaDB as root over its socket: `mariadb` from 10.4 on
    /// (trixie ships `mysql` only in a compatibility package).
    public var mariadbClient: String { ["jessie", "stretch", "buster"].contains(codename) ? "mysql" : "mariadb" }
}
