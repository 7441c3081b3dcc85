import Foundation
import Inventory
import Testing

/// The inventories in the repository stay valid as the schema evolves.
@Suite("Shipped inventories")
struct ShippedInventoryTests {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("inventory/production.json describes the 17-host fleet")
    func production() throws {
        let inventory = try Inventory.load(contentsOf: Self.repository.appendingPathComponent("inventory/production.json").path)
        #expect(inventory.hosts.count == 17)
        let sizes = ["haproxy": 2, "varnish": 2, "web": 5, "redis": 2, "mariadb": 3, "gluster": 3]
        for (group, size) in sizes {
            #expect(try inventory.hosts(matching: [group]).count == size, "\(group)")
        }
        let web1 = try #require(inventory.host(named: "web1"))
        #expect(web1.roles == ["apache", "php-fpm"])
        #expect(web1.vars["release"] == "jessie")
        #expect(web1.ssh.hostKeyPolicy == .strict)
    }
}
