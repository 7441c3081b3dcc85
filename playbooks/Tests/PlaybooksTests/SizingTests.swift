import Converge
import Testing

@testable import Playbooks

/// Services sized by the host's memory and CPUs, bound to its private address, and vars
/// read strictly.
@Suite struct SizingTests {
    static let gibibyte = 1 << 30

    @Test func innodbTakesHalfTheMemoryInWholeChunks() {
        #expect(Sizing.innodbBufferPool(memoryBytes: 32 * Self.gibibyte) == 16 * Self.gibibyte)
        #expect(Sizing.innodbBufferPool(memoryBytes: 3 * Self.gibibyte) == 1536 << 20)
        // 1000 MiB: 500 MiB rounds down to 3 chunks of 128 MiB.
        #expect(Sizing.innodbBufferPool(memoryBytes: 1000 << 20) == 384 << 20)
        #expect(Sizing.innodbBufferPool(memoryBytes: 128 << 20) == 128 << 20)
    }

    @Test func redisInstancesShareHalfTheMemory() {
        #expect(Sizing.redisMaxmemory(memoryBytes: 8 * Self.gibibyte, instances: 2) == 2 * Self.gibibyte)
        #expect(Sizing.redisMaxmemory(memoryBytes: 100 << 20, instances: 2) == 32 << 20)
    }

    @Test func varnishTakesThreeQuartersLessItsOverhead() {
        #expect(Sizing.varnishCache(memoryBytes: 8 * Self.gibibyte) == 5632 << 20)
        #expect(Sizing.varnishCache(memoryBytes: 512 << 20) == 64 << 20)
    }

    @Test func phpWorkersFollowMemoryAndCPUs() {
        // Memory allows 56, two CPUs 16.
        #expect(Sizing.phpWorkers(memoryBytes: 4 * Self.gibibyte, cpuCount: 2) == 16)
        // Eight CPUs allow 64, 1 GiB only 8.
        #expect(Sizing.phpWorkers(memoryBytes: Self.gibibyte, cpuCount: 8) == 8)
        #expect(Sizing.phpWorkers(memoryBytes: 512 << 20, cpuCount: 1) == 2)
    }

    /// Production sets no sizes: each host's come from its memory and CPUs.
    @Test func productionHostsAreSizedByTheirMemory() throws {
        let db = try database.resources(for: Fleet.production.context(for: "db1", codename: "stretch", isContainer: false,
                                                                      memoryBytes: 32 * Self.gibibyte))
        #expect(try #require(text(of: "/etc/mysql/mariadb.conf.d/60-converge.cnf", in: db))
            .contains("innodb_buffer_pool_size = 16384M\n"))
        let cache = try redis.resources(for: Fleet.production.context(for: "redis1", codename: "stretch", isContainer: false,
                                                                      memoryBytes: 8 * Self.gibibyte))
        #expect(try #require(text(of: "/etc/redis/cache.conf", in: cache)).contains("maxmemory 2048mb\n"))
        #expect(try #require(text(of: "/etc/redis/sessions.conf", in: cache)).contains("maxmemory 2048mb\n"))
        let varnish = try Playbooks.cache.resources(for: Fleet.production.context(for: "cache1", codename: "stretch", isContainer: false,
                                                                         memoryBytes: 8 * Self.gibibyte))
        #expect(try #require(text(of: "/etc/systemd/system/varnish.service.d/60-converge.conf", in: varnish)).contains(" -s malloc,5632m\n"))
        let pool = try web.resources(for: Fleet.production.context(for: "web1", codename: "stretch", isContainer: false,
                                                                   memoryBytes: 4 * Self.gibibyte, cpuCount: 2))
        let fpm = try #require(text(of: "/etc/php/7.0/fpm/pool.d/zz-converge.conf", in: pool))
        #expect(fpm.contains("[www]\n") && fpm.contains("pm.max_children = 16\n") && fpm.contains("pm.max_spare_servers = 8\n"))
    }

    /// The lab's inventory sets the sizes: its containers all see the machine's memory.
    @Test func aVarOverridesTheSizing() throws {
        let db = try database.resources(for: Fleet.lab.context(for: "db1", codename: "bookworm", memoryBytes: 24 * Self.gibibyte))
        #expect(try #require(text(of: "/etc/mysql/mariadb.conf.d/60-converge.cnf", in: db))
            .contains("innodb_buffer_pool_size = 128M\n"))
        let cache = try redis.resources(for: Fleet.lab.context(for: "redis1", codename: "bookworm", memoryBytes: 24 * Self.gibibyte))
        #expect(try #require(text(of: "/etc/redis/cache.conf", in: cache)).contains("maxmemory 64mb\n"))
        let varnish = try Playbooks.cache.resources(for: Fleet.lab.context(for: "cache1", codename: "bookworm", memoryBytes: 24 * Self.gibibyte))
        #expect(try #require(text(of: "/etc/systemd/system/varnish.service.d/60-converge.conf", in: varnish)).contains(" -s malloc,128m\n"))
    }

    /// MariaDB and redis listen on the address in the lab's `private_network`, 10.231.0.0/16
    /// (a database master on every address, as it may hold the writer's floating address).
    @Test func servicesListenOnThePrivateAddress() throws {
        let db3 = Fleet.lab.context(for: "db3", codename: "trixie")
        let config = try #require(text(of: "/etc/mysql/mariadb.conf.d/60-converge.cnf", in: try database.resources(for: db3)))
        #expect(config.contains("bind-address = \(db3.address)\n"))
        let db1 = try database.resources(for: Fleet.lab.context(for: "db1", codename: "bookworm"))
        #expect(try #require(text(of: "/etc/mysql/mariadb.conf.d/60-converge.cnf", in: db1)).contains("bind-address = 0.0.0.0\n"))
        let redis1 = Fleet.lab.context(for: "redis1", codename: "bookworm")
        #expect(try #require(text(of: "/etc/redis/cache.conf", in: try redis.resources(for: redis1)))
            .contains("bind 127.0.0.1 \(redis1.address)\n"))
    }

    @Test func aHostWithoutAnAddressInThePrivateNetworkFailsNamingIt() throws {
        var db1 = Fleet.lab.context(for: "db1", codename: "bookworm")
        db1.interfaces = [NetworkInterface(name: "eth0", addresses: [.init(address: "192.0.2.31", prefixLength: 24)])]
        #expect(throws: AddressLookupError(host: "db1", message: "no address in 10.231.0.0/16 (it has 192.0.2.31/24)")) {
            try database.resources(for: db1)
        }
    }

    /// `"somaxconn": "8192"` once quietly became 4096; now the plan fails, naming the var.
    @Test func aSomaxconnOfTheWrongTypeIsAnError() throws {
        var web1 = Fleet.lab.context(for: "web1", codename: "bookworm")
        web1.inventoryFile = "inventory/fleet.json"
        web1.vars = .object((web1.vars.objectValue ?? [:]).merging(["somaxconn": "8192"]) { $1 })
        #expect(throws: VarsError(inventoryFile: "inventory/fleet.json", host: "web1", keyPath: "somaxconn",
                                  message: "expected an integer, found the string \"8192\"")) {
            try base.resources(for: web1)
        }
        web1.vars = .object((web1.vars.objectValue ?? [:]).merging(["somaxconn": 8192]) { $1 })
        let settings = try base.resources(for: web1).compactMap { $0 as? Sysctl }
        #expect(settings.contains { $0.key == "net.core.somaxconn" && $0.value == "8192" })
    }
}
