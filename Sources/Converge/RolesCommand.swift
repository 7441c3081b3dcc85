import ArgumentParser

/// `converge roles`: the playbook's roles, and a check that inventories name only those.
struct RolesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles",
        abstract: "List the roles this converge was built with; check inventories against them.",
        discussion: """
            With inventory files, exits 1 when any of them assigns a role the playbook does not \
            define, naming the inventory, host and role; nothing is contacted.
            """
    )

    @Argument(help: "Inventory files to check.")
    var inventories: [String] = []

    func run() throws {
        let playbook = Playbook.current
        guard !inventories.isEmpty else {
            for name in playbook.roleNames { print(name) }
            return
        }
        var missing: [MissingRole] = []
        for inventory in inventories {
            missing += try playbook.missingRoles(inInventoryAt: inventory)
        }
        guard missing.isEmpty else { throw CommandFailure(missing.map(\.description)) }
        print("\(inventories.count) inventor\(inventories.count == 1 ? "y" : "ies"): every role is defined (\(playbook.roles.count) roles)")
    }
}
