/// A fleet's playbooks: every role its inventories may name, by name.
///
/// A fleet's own `converge` binary is built from one:
///
/// ```swift
/// // Sources/converge/main.swift of a playbooks package
/// import Converge
///
/// await ConvergeCommand.main(playbook: Playbook([base, web, db]))
/// ```
///
/// The compiler checks every resource of every role; `converge` refuses an inventory that
/// names a role the playbook does not have, before it contacts any host.
public struct Playbook: Sendable {
    /// The roles, in the order given.
    public let roles: [Role]
    private let index: [String: Int]

    /// A playbook of `roles`.
    ///
    /// - Precondition: no two roles share a name.
    public init(_ roles: [Role]) {
        var index: [String: Int] = [:]
        for (position, role) in roles.enumerated() {
            precondition(index.updateValue(position, forKey: role.name) == nil,
                         "two roles are named \"\(role.name)\"")
        }
        self.roles = roles
        self.index = index
    }

    /// The role the inventory calls `name`, if the playbook has it.
    public func role(named name: String) -> Role? {
        index[name].map { roles[$0] }
    }

    /// The names of the roles, in order.
    public var roleNames: [String] { roles.map(\.name) }
}
