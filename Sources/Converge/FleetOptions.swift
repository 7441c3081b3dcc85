import ArgumentParser
import Inventory

/// The options every command that works on inventory hosts shares.
struct FleetOptions: ParsableArguments {
    @Argument(help: "The inventory file (inventory/*.json).")
    var inventory: String

    @Option(name: [.customLong("host"), .customLong("limit")],
            help: ArgumentHelp("Only this host or group; repeat for more.", valueName: "name"))
    var selectors: [String] = []

    @Option(help: "How many hosts to work on at once.")
    var parallel = 64

    func validate() throws {
        guard parallel > 0 else { throw ValidationError("--parallel must be at least 1, not \(parallel)") }
    }

    /// The inventory and the hosts the selectors name, in inventory order.
    func selectedHosts() throws -> (Inventory, [Inventory.Host]) {
        let inventory = try Inventory.load(contentsOf: self.inventory)
        return (inventory, try inventory.hosts(matching: selectors))
    }
}
