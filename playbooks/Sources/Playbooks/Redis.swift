import Converge

/// Two redis instances per host, each its own systemd unit, configuration, data directory
/// and port: `cache` (an LRU cache, nothing persisted) and `sessions` (PHP's sessions,
/// appended to disk). Debian's own single-instance `redis-server` service is stopped.
///
/// Each listens on loopback and the host's private address (``Stack/privateAddress()``).
///
/// Vars: `redis_maxmemory` (per instance, e.g. `2gb`; by default the instances share half
/// the host's memory, ``Sizing/redisMaxmemory(memoryBytes:instances:)``), `private_network`.
public let redis = Role("redis") { host in
    let vars = try host.vars(as: RedisVars.self)
    let maxmemory = vars.redisMaxmemory
        ?? "\(Sizing.redisMaxmemory(memoryBytes: host.memoryBytes, instances: RedisInstance.all.count) / Sizing.mebibyte)mb"
    let address = try Stack(host).privateAddress()

    Package("redis-server")
    Service("redis-server", running: false, enabled: false)
    for instance in RedisInstance.all {
        let name = "redis-\(instance.name)"
        Directory("/var/lib/redis/\(instance.name)", owner: "redis", group: "redis", mode: 0o750,
                  requires: [.package("redis-server")])
        File("/etc/redis/\(instance.name).conf", content: """
            # Managed by converge: the \(instance.name) instance.
            bind 127.0.0.1 \(address)
            protected-mode no
            port \(instance.port)
            daemonize no
            supervised no
            dir /var/lib/redis/\(instance.name)
            logfile ""
            maxmemory \(maxmemory)
            maxmemory-policy \(instance.evictionPolicy)
            appendonly \(instance.persistent ? "yes" : "no")
            save \(instance.snapshots)

            """, owner: "root", group: "redis", mode: 0o640, requires: [.package("redis-server")],
            notifies: [.service(name)])
        File("/etc/systemd/system/\(name).service", content: """
            # Managed by converge.
            [Unit]
            Description=redis \(instance.name) instance on port \(instance.port)
            After=network.target

            [Service]
            User=redis
            Group=redis
            ExecStart=/usr/bin/redis-server /etc/redis/\(instance.name).conf
            Restart=always
            LimitNOFILE=65536

            [Install]
            WantedBy=multi-user.target

            """, notifies: [.service(name)])
        Service(name, running: true, enabled: true, package: "redis-server")
    }
}

/// One of the redis instances every redis host runs.
struct RedisInstance {
    var name: String
    var port: Int
    var persistent: Bool
    var evictionPolicy: String

    /// redis's `save` setting: a snapshot after 15 minutes with a change, or never.
    var snapshots: String { persistent ? "900 1" : "\"\"" }

    static let all = [
        RedisInstance(name: "cache", port: Stack.Port.redisCache, persistent: false, evictionPolicy: "allkeys-lru"),
        RedisInstance(name: "sessions", port: Stack.Port.redisSessions, persistent: true, evictionPolicy: "noeviction"),
    ]
}

/// The redis role's vars.
struct RedisVars: Decodable {
    /// redis's own notation, e.g. `2gb`.
    var redisMaxmemory: String?

    enum CodingKeys: String, CodingKey { case redisMaxmemory = "redis_maxmemory" }
}
