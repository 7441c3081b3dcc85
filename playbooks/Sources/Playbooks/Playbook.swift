import Converge

extension Playbook {
    /// The reference web stack: every role `inventory/fleet.json` and
    /// `inventory/production.json` assign. `converge roles` lists them. Kept in converge's
    /// repository, it has converge's version.
    ///
    /// A change that restarts what the cache or web hosts serve rolls through them from the
    /// front of the stack back (``Rollout``): cache hosts first, drained from HAProxy, then
    /// web hosts, drained from varnish, a quarter of each tier at a time
    /// (``RolloutPolicy/default``), so that the site keeps serving.
    ///
    /// Every host's packages are at their candidates (``PackageUpgrades/Policy/all``): one set
    /// of versions per release across the fleet, upgraded through the same rollout. A host
    /// whose upgrades need a reboot (its C library, systemd, a kernel) reboots in its turn
    /// (``UpgradePolicies/RebootPolicy/whenNeeded``).
    public static let reference = Playbook(
        [base, loadBalancer, cache, web, redis, database, storage, monitoring],
        name: "converge-playbooks", version: ConvergeBuild.version,
        rollout: Rollout(order: [Stack.Tier.lb, .cache, .web].map(\.rawValue)),
        upgrades: UpgradePolicies(default: .all, reboots: .whenNeeded))
}
