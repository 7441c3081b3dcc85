import Facts
import Testing

@testable import Resources

@Suite struct HostContextFactsTests {
    static let host = HostContext(
        name: "db1", address: "192.0.2.31",
        interfaces: [
            NetworkInterface(name: "lo", addresses: [.init(address: "127.0.0.1", prefixLength: 8), .init(address: "::1", prefixLength: 128)]),
            NetworkInterface(name: "eth0", addresses: [.init(address: "192.0.2.31", prefixLength: 24),
                                                       .init(address: "fe80::1", prefixLength: 64)]),
            NetworkInterface(name: "eth1", addresses: [.init(address: "fe80::2", prefixLength: 64),
                                                       .init(address: "10.10.0.31", prefixLength: 16),
                                                       .init(address: "fd00:10::31", prefixLength: 64)]),
        ],
        mounts: [
            MountedFilesystem(mountPoint: "/", device: "/dev/vda1", type: "ext4", sizeBytes: 20 << 30, usedBytes: 0, availableBytes: 20 << 30),
            MountedFilesystem(mountPoint: "/var/lib/mysql", device: "/dev/vdb1", type: "xfs", sizeBytes: 50 << 30, usedBytes: 0, availableBytes: 50 << 30),
        ])

    @Test func findsTheAddressInThePrivateNetwork() throws {
        #expect(try Self.host.address(in: "10.10.0.0/16") == "10.10.0.31")
        #expect(try Self.host.address(in: "fd00::/8") == "fd00:10::31")
        #expect(try Self.host.address(in: "192.0.2.0/24") == "192.0.2.31")
        // Loopback and link-local addresses are never the answer.
        #expect(throws: AddressLookupError.self) { try Self.host.address(in: "127.0.0.0/8") }
        #expect(throws: AddressLookupError.self) { try Self.host.address(in: "fe80::/10") }
    }

    @Test func namesTheAddressesAHostHasWhenNoneIsInTheNetwork() {
        #expect(throws: AddressLookupError(
            host: "db1", message: "no address in 172.16.0.0/12 (it has 192.0.2.31/24, 10.10.0.31/16, fd00:10::31/64)")) {
            try Self.host.address(in: "172.16.0.0/12")
        }
        #expect(throws: AddressLookupError(host: "db1", message: "\"private\" is not a network such as 10.0.0.0/8")) {
            try Self.host.address(in: "private")
        }
    }

    @Test func findsTheInventoryInterface() {
        #expect(Self.host.inventoryInterface?.name == "eth0")
        var named = Self.host
        named.address = "db1.example.net"
        #expect(named.inventoryInterface == nil)
    }

    @Test func findsTheMountHoldingAPath() {
        #expect(Self.host.mount(containing: "/var/lib/mysql/ibdata1")?.type == "xfs")
        #expect(Self.host.mount(containing: "/var/lib/mysql")?.type == "xfs")
        #expect(Self.host.mount(containing: "/var/lib/mysql2")?.type == "ext4")
        #expect(Self.host.mount(containing: "/etc")?.mountPoint == "/")
    }
}
