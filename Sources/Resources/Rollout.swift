/// How a change rolls through a group's hosts when it restarts or reloads what they serve:
/// how many at a time, how many may fail, how long to wait between batches.
///
/// ```swift
/// RolloutPolicy(batchSize: .percent(20), maxFailures: 0, pause: .seconds(10))
/// ```
public struct RolloutPolicy: Hashable, Sendable, CustomStringConvertible {
    /// Hosts per batch, as a count or a share of the group's hosts in the run.
    public var batchSize: HostCount
    /// Start no further batch once more of the group's hosts than this failed.
    public var maxFailures: HostCount
    /// How long to wait after a batch before the next starts.
    public var pause: Duration

    public init(batchSize: HostCount = .percent(25), maxFailures: HostCount = 0, pause: Duration = .zero) {
        self.batchSize = batchSize
        self.maxFailures = maxFailures
        self.pause = pause
    }

    /// A quarter of a group at a time (one host of up to seven), none allowed to fail: at
    /// least three quarters of a group of two or more hosts keep serving while the rest
    /// restart, and one host that does not come back stops the rollout.
    public static let `default` = RolloutPolicy()

    /// `batches of 25%, max 0 failed`.
    public var description: String {
        "batches of \(batchSize), max \(maxFailures) failed" + (pause > .zero ? ", \(pause.components.seconds) s apart" : "")
    }
}

/// The playbook's rules for rolling changes through the fleet: which groups roll first, in
/// what order, and each group's ``RolloutPolicy``.
///
/// A host whose plan restarts, reloads, installs or reboots something, and whose roles
/// declare health checks (``Role/healthChecks(_:)``) that it passes before the change, is
/// rolled: it waits for its turn in its group, is drained (``Role/drains(_:)``), changed,
/// checked until healthy, and undrained. Hosts that do not serve yet, and changes nothing
/// restarts for, are applied at once.
///
/// ```swift
/// Playbook([base, lb, cache, web], rollout: Rollout(
///     order: ["lb", "cache", "web"],
///     policies: ["web": RolloutPolicy(batchSize: .percent(20))]))
/// ```
public struct Rollout: Sendable {
    /// Groups that roll first, in this order; a host's rollout group is the first of these
    /// it belongs to, else its first group.
    public var order: [String]
    /// Each group's policy; ``defaultPolicy`` for the others.
    public var policies: [String: RolloutPolicy]
    public var defaultPolicy: RolloutPolicy

    public init(order: [String] = [], policies: [String: RolloutPolicy] = [:], defaultPolicy: RolloutPolicy = .default) {
        self.order = order
        self.policies = policies
        self.defaultPolicy = defaultPolicy
    }

    /// The policy of `group`.
    public func policy(for group: String) -> RolloutPolicy {
        policies[group] ?? defaultPolicy
    }

    /// The group `groups` (a host's, in its order) rolls with.
    public func group(of groups: [String]) -> String {
        order.first { groups.contains($0) } ?? groups.first ?? "all"
    }
}
