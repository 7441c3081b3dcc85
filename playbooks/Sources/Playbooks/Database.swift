import Converge

/// MariaDB set up for replication: each host has its server id (its place in the `db`
/// group) and a binary log; the primary (``Stack/databasePrimary``) holds the shop's
/// database, its user and the replication user, and the others replicate from it (GTID,
/// read-only). Passwords are secrets made on the controller the first time.
///
/// MariaDB listens on the host's private address (``Stack/privateAddress()``).
///
/// Vars: `db_primary` (a `db` host's name), `innodb_buffer_pool_size` (e.g. `16G`; by
/// default half the host's memory, ``Sizing/innodbBufferPool(memoryBytes:)``),
/// `private_network`.
public let database = Role("db") { host in
    let stack = Stack(host)
    let release = Release(host)
    let service = release.mariadbService
    let client = release.mariadbClient
    let vars = try host.vars(as: DatabaseVars.self)
    let bufferPool = vars.innodbBufferPoolSize ?? "\(Sizing.innodbBufferPool(memoryBytes: host.memoryBytes) / Sizing.mebibyte)M"
    let address = try stack.privateAddress()

    Package("mariadb-server")
    File("/etc/mysql/mariadb.conf.d/60-converge.cnf", content: """
        # Managed by converge: replication (server \(stack.databaseServerID) of \(stack.members(of: .db).count)).
        [mysqld]
        bind-address = \(address)
        port = \(Stack.Port.mariadb)
        server_id = \(stack.databaseServerID)
        log_bin = mariadb-bin
        binlog_format = ROW
        relay_log = mariadb-relay
        log_slave_updates = ON
        gtid_strict_mode = ON
        read_only = \(stack.isDatabasePrimary ? "OFF" : "ON")
        innodb_buffer_pool_size = \(bufferPool)

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
    } else if let primary = stack.databasePrimary {
        // Plain replication over the private network: MariaDB 11.4 and later ask for TLS by
        // default, which the older primaries are not set up to offer.
        File("/etc/mysql/converge/replication.sql", content: .secret("""
            -- Managed by converge: replicate from \(primary.name).
            STOP SLAVE;
            CHANGE MASTER TO MASTER_HOST = '\(primary.address)', MASTER_PORT = \(Stack.Port.mariadb),
                MASTER_USER = '\(Stack.replicationUser)', MASTER_PASSWORD = '\(stack.replicationPassword)',
                MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 5, MASTER_SSL = 0;
            START SLAVE;

            """), mode: 0o600)
        // Replicating from the primary's address with the current password; the primary
        // may still be on its way up, which the replica waits out on its own.
        Command(
            "replicate from \(primary.name)",
            "\(client) < /etc/mysql/converge/replication.sql && cp /etc/mysql/converge/replication.sql /etc/mysql/converge/replication.applied",
            unless: "\(client) -e 'SHOW SLAVE STATUS\\G' | grep -qx '[[:space:]]*Master_Host: \(primary.address)' && "
                + "cmp -s /etc/mysql/converge/replication.sql /etc/mysql/converge/replication.applied",
            requires: [.service(service), .file("/etc/mysql/converge/replication.sql")])
    }
}

/// The database role's vars.
struct DatabaseVars: Decodable {
    /// MariaDB's own notation, e.g. `16G`.
    var innodbBufferPoolSize: String?

    enum CodingKeys: String, CodingKey { case innodbBufferPoolSize = "innodb_buffer_pool_size" }
}
