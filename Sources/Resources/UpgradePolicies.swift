import Facts

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
///
/// Reboots are ``RebootPolicy/never`` by default: a careful operator reboots a bare-metal
/// server when they choose to (drift says which hosts need one). With
/// ``RebootPolicy/whenNeeded`` a host reboots at the end of a converge that upgrades its C
/// library, systemd or kernel, or when PID 1, D-Bus or a getty still run a replaced
/// library, as the rollout lets it (drained, then checked): converge waits for it to come
/// back and goes on. The inventory's `reboots` var (`"never"`, `"when-needed"`) overrides it.
public struct UpgradePolicies: Sendable, Hashable {
    /// When a host's baseline reboots it.
    public enum RebootPolicy: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Never: drift reports the hosts that need a reboot.
        case never
        /// When an upgrade or a replaced library needs one (``UpgradePolicies/reboot``).
        case whenNeeded = "when-needed"

        public var description: String { rawValue }
    }

    /// The policy of a host none of whose groups has one.
    public var defaultPolicy: PackageUpgrades.Policy
    /// The policies of groups, by inventory group name.
    public var groups: [String: PackageUpgrades.Policy]
    /// The oldest apt's lists may be, in seconds, before a run refreshes them: a day by default.
    public var maximumListAge: Int
    /// When a host reboots: ``RebootPolicy/never`` by default.
    public var reboots: RebootPolicy
    /// The Debian release each group's hosts are to run, by inventory group name
    /// (`["web": "bookworm"]`): a host behind it is upgraded one release at a time
    /// (``ReleaseUpgrade``). A group without one stays on what it runs.
    public var releases: [String: String]

    /// Policies: `defaultPolicy` for a host none of whose `groups` has one, apt's lists
    /// refreshed when older than `maximumListAge` seconds, and reboots as `reboots` says.
    public init(default defaultPolicy: PackageUpgrades.Policy = .security, groups: [String: PackageUpgrades.Policy] = [:],
                maximumListAge: Int = 24 * 60 * 60, reboots: RebootPolicy = .never, releases: [String: String] = [:]) {
        self.defaultPolicy = defaultPolicy
        self.groups = groups
        self.maximumListAge = maximumListAge
        self.reboots = reboots
        self.releases = releases
    }

    /// The inventory var that gives a host or group its target release: `"bookworm"`.
    public static let releaseVar = "release"

    /// The release a host in `groups` is to run: `override` (the inventory's `release`
    /// var), else its first group's (in the inventory's order) that has one; nil for none.
    ///
    /// - Throws: ``UpgradePolicyError`` when the release is not one converge knows.
    public func targetRelease(for groups: [String], override: String? = nil) throws(UpgradePolicyError) -> String? {
        guard let release = override ?? groups.lazy.compactMap({ self.releases[$0] }).first else { return nil }
        guard DebianSuites.releases.contains(release) else {
            throw UpgradePolicyError(name: Self.releaseVar, value: release, choices: DebianSuites.releases)
        }
        return release
    }

    /// The resources of the next step of a host on `current` toward `target`: the
    /// ``ReleaseUpgrade``, and the reboot it notifies. Nil when the host is there (or past it).
    public static func releaseStep(from current: String, to target: String) -> [any Resource]? {
        guard DebianSuites.isRelease(current, before: target) else { return nil }
        return [ReleaseUpgrade(from: current, target: target, notifies: [.reboot("release")]), Reboot("release", timeout: 1800)]
    }

    /// The inventory var that overrides the playbook's policy for a host or group.
    public static let inventoryVar = "upgrades"
    /// The inventory var that overrides ``reboots`` for a host or group.
    public static let rebootsVar = "reboots"

    /// The reboot of a host whose policy is ``RebootPolicy/whenNeeded``: after an upgrade
    /// of the C library, systemd or a kernel, when a process only a reboot renews runs a
    /// replaced library, or when the host's `/var/run/reboot-required` asks for one.
    public static let reboot = Reboot(
        "upgrades", whenRequired: true, whenUpgrading: ["libc6", "systemd", "linux-image-*"], whenLibrariesReplaced: true)

    /// The baseline's reboot of a host, ``reboot`` when `override` (the inventory's
    /// `reboots` var) or else ``reboots`` is ``RebootPolicy/whenNeeded``.
    ///
    /// - Throws: ``UpgradePolicyError`` when `override` names no reboot policy.
    public func reboot(override: String? = nil) throws(UpgradePolicyError) -> Reboot? {
        var policy = reboots
        if let override {
            guard let named = RebootPolicy(rawValue: override) else {
                throw UpgradePolicyError(name: Self.rebootsVar, value: override, choices: RebootPolicy.allCases.map(\.rawValue))
            }
            policy = named
        }
        return policy == .whenNeeded ? Self.reboot : nil
    }

    /// The policy of a host in `groups` (in the inventory's order), `override` (the
    /// inventory's `upgrades` var) first.
    ///
    /// - Throws: ``UpgradePolicyError`` when `override` names no policy.
    public func policy(for groups: [String], override: String? = nil) throws(UpgradePolicyError) -> PackageUpgrades.Policy {
        if let override {
            guard let policy = PackageUpgrades.Policy(rawValue: override) else {
                throw UpgradePolicyError(name: Self.inventoryVar, value: override, choices: PackageUpgrades.Policy.allCases.map(\.rawValue))
            }
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

/// An inventory's `upgrades` or `reboots` var that names no policy.
public struct UpgradePolicyError: Error, Hashable, CustomStringConvertible {
    /// The var's name.
    public var name: String
    /// The var's value as the inventory gives it.
    public var value: String
    /// The values it may have.
    public var choices: [String]

    public var description: String {
        "\(name): \"\(value)\" is not one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}
