import Converge

/// MariaDB master-master, used as master-slave: the first two `db` hosts
/// (``Stack/databaseMasters``) replicate from each other, each with its own GTID domain
/// and its own share of auto-increment values; the primary (``Stack/databasePrimary``)
/// holds the shop's database, its user and the replication user and takes the writes,
/// the other master stands by read-only. The other hosts are read-only replicas of the
/// writer's address. Passwords are secrets made on the controller the first time.
///
/// With a writer address (``Stack/databaseWriterAddress``), keepalived keeps it on the
/// primary while its MariaDB runs, else on the other master, and makes whichever holds it
/// writable (`read_only` off) and the other read-only: the application and the replicas
/// follow the address. Switching the writer is the `db_primary` var set to the other
/// master, then a converge.
///
/// MariaDB listens on the host's private address (``Stack/privateAddress()``); a master
/// that may hold the writer's address listens on every address.
///
/// Vars: `db_primary` (a master's name), `db_writer_address`, `db_vrrp_router_id`,
/// `innodb_buffer_pool_size` (e.g. `16G`; by default half the host's memory,
/// ``Sizing/innodbBufferPool(memoryBytes:)``), `private_network`.
public let database = Role("db") { host in
    let stack = Stack(host)
    let release = Release(host)
    let service = release.mariadbService
    let client = release.mariadbClient
    let vars = try host.vars(as: DatabaseVars.self)
    let bufferPool = vars.innodbBufferPoolSize ?? "\(Sizing.innodbBufferPool(memoryBytes: host.memoryBytes) / Sizing.mebibyte)M"
    let address = try stack.privateAddress()
    let masters = stack.databaseMasters
    let master = masters.firstIndex { $0.name == host.name }
    let floating = master != nil ? stack.databaseWriterAddress : nil
    // Masters take writes in turn (keepalived or the writer state below says which);
    // replicas never do.
    let masterSettings = master.map { index in
        """
        auto_increment_increment = \(max(masters.count, 1))
        auto_increment_offset = \(index + 1)

        """
    } ?? "read_only = ON\n"

    Package("mariadb-server")
    File("/etc/mysql/mariadb.conf.d/60-converge.cnf", content: """
        # Managed by converge: replication (server \(stack.databaseServerID) of \(stack.members(of: .db).count)\(master.map { ", master \($0 + 1) of \(masters.count)" } ?? ", replica")).
        [mysqld]
        bind-address = \(floating == nil ? address : "0.0.0.0")
        port = \(Stack.Port.mariadb)
        server_id = \(stack.databaseServerID)
        gtid_domain_id = \(stack.databaseServerID)
        log_bin = mariadb-bin
        binlog_format = ROW
        relay_log = mariadb-relay
        log_slave_updates = ON
        gtid_strict_mode = ON
        # A source gone quiet for 10 s (its heartbeat is every 2 s) is a lost connection: a
        # replica of the writer's address reconnects to wherever the address moved.
        slave_net_timeout = 10
        \(masterSettings)innodb_buffer_pool_size = \(bufferPool)

        """, requires: [.package("mariadb-server")], notifies: [.service(service)])
    Service(service, running: true, enabled: true, package: "mariadb-server")

    // SQL with passwords in it lives in root-only files, never on a command line.
    Directory("/etc/mysql/converge", owner: "root", group: "root", mode: 0o700, requires: [.package("mariadb-server")])
    if stack.isDatabasePrimary {
        File("/etc/mysql/converge/shop.sql", content: .secret("""
            -- Managed by converge: the shop's database, its user, and the replicas' user.
            CREATE DATABASE IF NOT EXISTS \(Stack.database) CHARACTER SET utf8mb4;
            CREATE TABLE IF NOT EXISTS \(Stack.database).greetings (
                id INT PRIMARY KEY,
                message VARCHAR(200) NOT NULL
            );
            INSERT IGNORE INTO \(Stack.database).greetings VALUES (1, 'Hello from MariaDB');
            CREATE USER IF NOT EXISTS '\(Stack.databaseUser)'@'%' IDENTIFIED BY '\(stack.databasePassword)';
            ALTER USER '\(Stack.databaseUser)'@'%' IDENTIFIED BY '\(stack.databasePassword)';
            GRANT SELECT, INSERT, UPDATE, DELETE ON \(Stack.database).* TO '\(Stack.databaseUser)'@'%';
            CREATE USER IF NOT EXISTS '\(Stack.replicationUser)'@'%' IDENTIFIED BY '\(stack.replicationPassword)';
            ALTER USER '\(Stack.replicationUser)'@'%' IDENTIFIED BY '\(stack.replicationPassword)';
            GRANT REPLICATION SLAVE ON *.* TO '\(Stack.replicationUser)'@'%';

            """), mode: 0o600)
        // The users' credentials as MariaDB's client reads them: the guard logs in with
        // them, so a changed password (or a dropped table) runs the SQL again.
        File("/etc/mysql/converge/app.cnf", content: .secret("""
            [client]
            user = \(Stack.databaseUser)
            password = \(stack.databasePassword)

            """), mode: 0o600)
        Command(
            "shop database", "\(client) < /etc/mysql/converge/shop.sql",
            unless: "\(client) --defaults-extra-file=/etc/mysql/converge/app.cnf -h \(address) -N -e 'SELECT message FROM \(Stack.database).greetings WHERE id = 1' >/dev/null",
            requires: [.service(service), .file("/etc/mysql/converge/shop.sql"), .file("/etc/mysql/converge/app.cnf")])
    }

    // What this host replicates from: a master from the other master, a replica from the
    // writer's address (which follows the writer).
    let source: (name: String, address: String)? = if let index = master {
        masters.count > 1 ? (masters[1 - index].name, masters[1 - index].address) : nil
    } else if let writer = stack.databaseWriterAddress {
        ("the writer's address", writer)
    } else {
        stack.databasePrimary.map { ($0.name, $0.address) }
    }
    if let source {
        // Plain replication over the private network: MariaDB 11.4 and later ask for TLS by
        // default, which the older primaries are not set up to offer.
        File("/etc/mysql/converge/replication.sql", content: .secret("""
            -- Managed by converge: replicate from \(source.name).
            STOP SLAVE;
            CHANGE MASTER TO MASTER_HOST = '\(source.address)', MASTER_PORT = \(Stack.Port.mariadb),
                MASTER_USER = '\(Stack.replicationUser)', MASTER_PASSWORD = '\(stack.replicationPassword)',
                MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 5, MASTER_HEARTBEAT_PERIOD = 2, MASTER_SSL = 0;
            START SLAVE;

            """), mode: 0o600)
        // Replicating from the source's address with the current password; the source
        // may still be on its way up (its users made by this same converge), which the
        // replica waits out on its own.
        Command(
            "replicate from \(source.name)",
            "\(client) < /etc/mysql/converge/replication.sql && cp /etc/mysql/converge/replication.sql /etc/mysql/converge/replication.applied",
            unless: "\(client) -e 'SHOW SLAVE STATUS\\G' | grep -qx '[[:space:]]*Master_Host: \(source.address)' && "
                + "cmp -s /etc/mysql/converge/replication.sql /etc/mysql/converge/replication.applied",
            requires: [.service(service), .file("/etc/mysql/converge/replication.sql")])
    }

    // Nightly dumps of the shop's database: backup-manager's dated, gzipped dump in
    // /var/archives (db1-mysql-shop.20261204.sql.gz), kept a week. Every db host makes its
    // own, so the loss of one loses no backup; a replica's dump loads the primary nothing.
    // Its settings are set in place in the file its package writes. No debconf answers:
    // its config script reads them back from that file (and from its template, with
    // uploads and CD burning on, before the file exists), so the file is the truth.
    Package("backup-manager")
    Lines(Backups.configuration, Backups.settings.map { key, value in
        .line("export \(key)=\"\(value)\"", replacing: "^export \(key)=")
    }, requires: [.package("backup-manager")])
    // A timer: a minimal Debian has no cron.
    SystemdTimer("backup-manager", onCalendar: "*-*-* 02:30:00", command: "/usr/sbin/backup-manager",
                 description: "backup-manager: the nightly dump of \(Stack.database)",
                 requires: [.lines(Backups.configuration), .service(service)])

    // Which master takes writes: keepalived's, with a writer address; else the primary.
    if master != nil, let floating {
        let writer = FloatingAddress(instance: "writer", address: floating, service: service, routerID: stack.databaseVRRPRouterID,
                                     notify: "/etc/keepalived/converge-writer")
        Package("keepalived")
        File("/etc/keepalived/converge-writer", content: """
            #!/bin/sh
            # Managed by converge: MariaDB takes writes while this host holds \(floating).
            case $1 in
            master) exec \(client) -e 'SET GLOBAL read_only = OFF' ;;
            *) exec \(client) -e 'SET GLOBAL read_only = ON' ;;
            esac

            """, mode: 0o755, requires: [.package("keepalived")])
        // The primary first: it holds the address whenever its MariaDB runs.
        let holders = masters.sorted { first, _ in first.name == stack.databasePrimary?.name }
        File("/etc/keepalived/keepalived.conf",
             content: .text(try writer.keepalivedConfig(on: host, ownAddress: address, holders: holders)),
             requires: [.file("/etc/keepalived/converge-writer")], notifies: [.service("keepalived")])
        Service("keepalived", running: true, enabled: true, reload: true, requires: [.service(service)])
    } else if master != nil {
        let wanted = stack.isDatabasePrimary ? "0" : "1"
        Command(
            "writer state", "\(client) -e 'SET GLOBAL read_only = \(stack.isDatabasePrimary ? "OFF" : "ON")'",
            unless: "[ \"$(\(client) -N -e 'SELECT @@read_only')\" = \(wanted) ]",
            requires: [.service(service)])
    }
}

/// The database role's vars.
struct DatabaseVars: Decodable {
    /// MariaDB's own notation, e.g. `16G`.
    var innodbBufferPoolSize: String?

    enum CodingKeys: String, CodingKey { case innodbBufferPoolSize = "innodb_buffer_pool_size" }
}

/// The db role's backups with backup-manager.
enum Backups {
    static let configuration = "/etc/backup-manager.conf"
    /// Where the dumps go.
    static let repository = "/var/archives"

    /// The settings set in its configuration file, in order.
    static let settings: KeyValuePairs<String, String> = [
        "BM_REPOSITORY_ROOT": repository,
        "BM_ARCHIVE_TTL": "7",
        "BM_ARCHIVE_METHOD": "mysql",
        // Root over MariaDB's socket (unix_socket authentication): no password to keep.
        "BM_MYSQL_DATABASES": Stack.database,
        "BM_MYSQL_ADMINLOGIN": "root",
        "BM_MYSQL_ADMINPASS": "",
        "BM_MYSQL_HOST": "localhost",
        "BM_MYSQL_FILETYPE": "gzip",
        // One consistent snapshot of InnoDB tables, without locking them; over the socket,
        // which backup-manager's -hlocalhost -P3306 would not reach from MariaDB 11 on (its
        // client takes a port to mean TCP, and MariaDB listens on the private address only).
        "BM_MYSQL_EXTRA_OPTIONS": "--single-transaction --protocol=socket",
        "BM_UPLOAD_METHOD": "none",
        "BM_BURNING_METHOD": "none",
    ]
}
