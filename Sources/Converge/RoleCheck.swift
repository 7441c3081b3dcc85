import Inventory

/// A role an inventory assigns that the playbook does not have.
public struct MissingRole: Hashable, Sendable, CustomStringConvertible {
    /// The inventory file.
    public var inventory: String
    /// The host that gets the role (through a group or its own `roles`).
    public var host: String
    public var role: String

    public var description: String {
        "\(inventory): host \(host) has role \"\(role)\", which the playbook does not define"
    }
}

extension Playbook {
    /// Every role the inventory at `path` assigns that this playbook lacks, host by host in
    /// inventory order. A fleet's tests call this for each of its inventories, so a typo in
    /// a role name fails the build rather than a converge.
    ///
    /// - Throws: The inventory's own error (file, line, column) when it does not load.
    public func missingRoles(inInventoryAt path: String) throws -> [MissingRole] {
        let inventory = try Inventory.load(contentsOf: path)
        return inventory.hosts.flatMap { host in
            host.roles.filter { role(named: $0) == nil }.map { MissingRole(inventory: path, host: host.name, role: $0) }
        }
    }
}
