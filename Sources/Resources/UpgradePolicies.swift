/// Which package upgrades each group of the fleet gets on every converge (its package
/// baseline, ``PackageUpgrades``), given with the playbook:
///
/// ```swift
/// Playbook(roles, upgrades: UpgradePolicies(groups: ["web": .all, "db": .security]))
/// ```
///
/// A host gets the policy of the first of its groups (in the inventory's order) that has
/// one, else ``defaultPolicy``; the inventory's `upgrades` var (`"none"`, `"security"`,
/// `"all"`) on a host or group overrides both.
///
/// The default is `security`: what the Debian security team publishes is meant to be
/// installed at once, changes nothing else, and is what an unattended host would get from
/// unattended-upgrades. `all` (point releases, every package at its candidate) is the
/// baseline of a fleet that wants one set of versions, and rolls like any other change.
public struct UpgradePolicies: Sendable, Hashable {
    /// The policy of a host none of whose groups has one.
    public var defaultPolicy: PackageUpgrades.Policy
    /// The policies of groups, by inventory group name.
    public var groups: [String: PackageUpgrades.Policy]
    /// The oldest apt's lists may be, in seconds, before a run refreshes them: a day by default.
    public var maximumListAge: Int

    /// Policies: `defaultPolicy` for a host none of whose `groups` has one, and apt's lists
    /// refreshed when older than `maximumListAge` seconds.
    public init(default defaultPolicy: PackageUpgrades.Policy = .security, groups: [String: PackageUpgrades.Policy] = [:],
                maximumListAge: Int = 24 * 60 * 60) {
        self.defaultPolicy = defaultPolicy
        self.groups = groups
        self.maximumListAge = maximumListAge
    }

    /// The inventory var that overrides the playbook's policy for a host or group.
    public static let inventoryVar = "upgrades"

    /// The policy of a host in `groups` (in the inventory's order), `override` (the
    /// inventory's `upgrades` var) first.
    ///
    /// - Throws: ``UpgradePolicyError`` when `override` names no policy.
    public func policy(for groups: [String], override: String? = nil) throws(UpgradePolicyError) -> PackageUpgrades.Policy {
        if let override {
            guard let policy = PackageUpgrades.Policy(rawValue: override) else { throw UpgradePolicyError(value: override) }
            return policy
        }
        return groups.lazy.compactMap { self.groups[$0] }.first ?? defaultPolicy
    }

    /// The baseline resource of a host in `groups`, keeping the packages its roles pin
    /// (``PackageUpgrades/pinnedPackages(in:)``); nil under `none`.
    public func resource(for groups: [String], override: String? = nil, keeping: Set<String> = []) throws(UpgradePolicyError) -> PackageUpgrades? {
        let policy = try policy(for: groups, override: override)
        return policy == .none ? nil : PackageUpgrades(policy, maximumListAge: maximumListAge, keeping: keeping)
    }
}

/// An inventory's `upgrades` var that names no policy.
public struct UpgradePolicyError: Error, Hashable, CustomStringConvertible {
    /// The var's value as the inventory gives it.
    public var value: String

    public var description: String {
        "\(UpgradePolicies.inventoryVar): \"\(value)\" is not one of "
            + PackageUpgrades.Policy.allCases.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}
