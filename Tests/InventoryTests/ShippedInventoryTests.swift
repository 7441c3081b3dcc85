import Foundation
import Inventory
import Testing

/// The inventories in the repository stay valid as the schema evolves.
@Suite("Shipped inventories")
struct ShippedInventoryTests {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("inventory/production.json and fleet.json describe the 17-host fleet",
          arguments: [("production.json", "jessie"), ("fleet.json", "bullseye")])
    func fleet(file: String, web1Release: String) throws {
        let inventory = try Inventory.load(contentsOf: Self.repository.appendingPathComponent("inventory/\(file)").path)
        #expect(inventory.hosts.count == 17)
        let sizes = ["lb": 2, "cache": 2, "web": 5, "redis": 2, "db": 3, "storage": 3]
        for (group, size) in sizes {
            #expect(try inventory.hosts(matching: [group]).count == size, "\(group)")
        }
        let web1 = try #require(inventory.host(named: "web1"))
        #expect(web1.roles == ["base", "web"])
        #expect(web1.vars["release"] == .string(web1Release))
        #expect(web1.ssh.hostKeyPolicy == .strict)
    }
}
