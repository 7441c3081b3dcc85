/// A fleet's playbooks: every role its inventories may name, by name.
///
/// A fleet's own `converge` binary is built from one:
///
/// ```swift
/// // Sources/converge/main.swift of a playbooks package
/// import Converge
///
/// await ConvergeCommand.main(playbook: Playbook([base, web, db], name: "acme-playbooks", version: "1.4.0"))
/// ```
///
/// The compiler checks every resource of every role; `converge` refuses an inventory that
/// names a role the playbook does not have, before it contacts any host.
public struct Playbook: Sendable {
    /// The roles, in the order given.
    public let roles: [Role]
    /// The name of the playbooks package (`acme-playbooks`), which `converge --version` shows.
    public let name: String?
    /// The version of the playbooks package, which `converge --version` shows.
    public let version: String?
    /// How changes that restart what hosts serve roll through the groups.
    public let rollout: Rollout
    /// Which package upgrades each group gets on every converge.
    public let upgrades: UpgradePolicies
    private let index: [String: Int]

    /// A playbook of `roles`, from the playbooks package `name` at `version`, rolling
    /// changes through the fleet as `rollout` says, each group's packages upgraded as
    /// `upgrades` says.
    ///
    /// - Precondition: no two roles share a name.
    public init(_ roles: [Role], name: String? = nil, version: String? = nil, rollout: Rollout = Rollout(),
                upgrades: UpgradePolicies = UpgradePolicies()) {
        var index: [String: Int] = [:]
        for (position, role) in roles.enumerated() {
            precondition(index.updateValue(position, forKey: role.name) == nil,
                         "two roles are named \"\(role.name)\"")
        }
        self.roles = roles
        self.name = name
        self.version = version
        self.rollout = rollout
        self.upgrades = upgrades
        self.index = index
    }

    /// The role the inventory calls `name`, if the playbook has it.
    public func role(named name: String) -> Role? {
        index[name].map { roles[$0] }
    }

    /// The names of the roles, in order.
    public var roleNames: [String] { roles.map(\.name) }
}
