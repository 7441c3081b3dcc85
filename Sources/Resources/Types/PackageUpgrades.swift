import Facts

/// A host's package baseline: which of its installed packages converge brings to apt's
/// candidate on every run, beyond those the roles name. Each upgrade is a change of its own
/// in the plan (the package, its installed version and the candidate, security ones
/// marked), made in the host's apt transaction.
///
/// ```swift
/// PackageUpgrades(.security)          // what the Debian security archive offers
/// PackageUpgrades(.all, maximumListAge: 6 * 60 * 60)
/// ```
///
/// A fleet does not list it in a role: the playbook's ``UpgradePolicies`` give each group
/// its policy (overridden by the inventory's `upgrades` var), and converge adds it to each
/// host. Packages the roles pin (``Package`` at an exact version, absent or held), or change
/// themselves in the same run, are left to them; held packages (`apt-mark hold`) are never
/// upgraded, and an upgrade keeps apt's record of whether a
/// package was installed by hand or as a dependency. After the transaction, the services
/// still running code of a replaced library (a process mapping a deleted `.so`, as
/// needrestart finds them) are restarted, so the host really runs what it has installed.
///
/// apt's lists older than ``maximumListAge`` are refreshed first (as Ansible's `apt` with
/// `cache_valid_time`): the plan then shows the upgrades the old lists offer, and the apply
/// installs the candidates the fresh lists offer (a newer version of a package, never a
/// package the plan did not name); what only the fresh lists offer is for the next run.
public struct PackageUpgrades: Resource, Hashable {
    /// Which upgrades a host gets.
    public enum Policy: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// None beyond what the roles ask for.
        case none
        /// The pending upgrades the security archive offers (`Debian-Security`).
        case security
        /// Every installed package at its candidate from the configured sources.
        case all

        public var description: String { rawValue }
    }

    /// Which upgrades the host gets.
    public var policy: Policy
    /// The oldest apt's lists may be (seconds) before the upgrades are worked out: older
    /// lists are refreshed first. A day by default, as apt's own daily timer.
    public var maximumListAge: Int
    /// Packages left as the roles want them: those a ``Package`` pins to a version, wants
    /// absent or holds (``pinnedPackages(in:)``).
    public var keeping: Set<String>
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    /// The baseline `policy`, with apt's lists refreshed when older than `maximumListAge`
    /// seconds, the packages in `keeping` left alone.
    public init(_ policy: Policy, maximumListAge: Int = 24 * 60 * 60, keeping: Set<String> = [],
                requires: [ResourceID] = [], notifies: [ResourceID] = []) {
        self.policy = policy
        self.maximumListAge = maximumListAge
        self.keeping = keeping
        self.requires = requires
        self.notifies = notifies
    }

    /// `upgrades:security`, `upgrades:all`.
    public var id: ResourceID { ResourceID(kind: "upgrades", name: policy.rawValue) }
}

// MARK: Planning

extension PackageUpgrades {
    public static var stage: ConvergenceStage { .packages }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard maximumListAge > 0 else { throw .invalid(id, "maximumListAge must be positive, not \(maximumListAge)") }
        guard policy != .none else { return }
        try query.add(AptPolicyFact(), for: id)
        try query.add(HeldPackagesFact(), for: id)
        try query.add(AptListsFact(), for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        guard policy != .none else { return }
        let apt = try context.value(of: AptPolicyFact(), for: id)
        let held = try context.value(of: HeldPackagesFact(), for: id)
        let lists = try context.value(of: AptListsFact(), for: id)
        let stale = lists.packageIndexCount == 0 || lists.age.map { $0 > maximumListAge } ?? true
        for upgrade in Self.pending(in: apt, held: held) where policy == .all || upgrade.isSecurity {
            // A package a role pins, or changes itself in this run, is that resource's.
            guard !keeping.contains(upgrade.name), !keeping.contains(upgrade.baseName),
                !context.hasChanged(.package(upgrade.name)), !context.hasChanged(.package(upgrade.baseName)) else { continue }
            // Lists to be refreshed may offer a newer candidate than the plan saw: apply then
            // installs that one.
            context.append(Change(
                resource: id, action: .update,
                reason: (upgrade.isSecurity ? "security upgrade" : "upgrade") + (stale ? ", or newer once apt's lists are refreshed" : ""),
                fields: [FieldChange(upgrade.name, old: upgrade.installed, new: upgrade.candidate + (upgrade.isSecurity ? " (security)" : ""))],
                operation: .upgradePackage(name: upgrade.name, version: stale ? nil : upgrade.candidate)))
        }
        // As Ansible's `apt: update_cache, cache_valid_time`: a refresh whenever the lists are
        // older than the bound, so that new upgrades are seen (installed by the next run).
        if stale {
            context.refreshPackageLists(because: lists.packageIndexCount == 0
                ? "no apt lists"
                : "apt lists are \(describeAge(lists.age)) old (at most \(describeAge(maximumListAge)) for the package baseline)")
        }
    }

    /// The packages `resources` pin: a ``Package`` at an exact version, absent, or held.
    public static func pinnedPackages(in resources: [any Resource]) -> Set<String> {
        Set(resources.compactMap { resource -> String? in
            guard let package = resource as? Package else { return nil }
            switch package.state {
            case .version, .absent: return package.name
            case .present, .latest: return package.hold == true ? package.name : nil
            }
        })
    }

    /// A package apt would upgrade.
    struct Pending: Equatable {
        var name: String
        var installed: String
        var candidate: String
        var isSecurity: Bool
        /// The name without its architecture: `libc6` of `libc6:i386`.
        var baseName: String { name.split(separator: ":").first.map(String.init) ?? name }
    }

    /// The packages whose candidate is newer than the installed version, held ones left
    /// out, by name: security when a security archive offers the candidate.
    static func pending(in apt: AptPolicy, held: Set<String>) -> [Pending] {
        apt.packages.sorted { $0.key < $1.key }.compactMap { name, package in
            guard !held.contains(name), let candidate = package.candidate,
                DebianVersion.compare(candidate, package.installed) > 0 else { return nil }
            let security = package.candidateFrom.contains { apt.sources[$0]?.isSecurity == true }
            return Pending(name: name, installed: package.installed, candidate: candidate, isSecurity: security)
        }
    }
}
