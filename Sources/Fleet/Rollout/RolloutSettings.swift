import Foundation
import Inventory
import Planner
import Resources

/// How an apply rolls changes through the fleet: the playbook's ``Rollout``, with what the
/// command line overrides (`--serial`, `--max-fail`, `--pause`, `--no-rollout`).
public struct RolloutSettings: Sendable {
    /// False with `--no-rollout`: every host changed at once, none drained, each still
    /// waited for until healthy.
    public var isEnabled: Bool
    /// `--serial`: every group's batch size; and every host with changes rolls, whether its
    /// roles have health checks or not, as Ansible's `serial` does.
    public var batchSize: HostCount?
    /// `--max-fail`: every group's allowance.
    public var maxFailures: HostCount?
    /// `--pause`: the wait between batches.
    public var pause: Duration?

    public init(isEnabled: Bool = true, batchSize: HostCount? = nil, maxFailures: HostCount? = nil, pause: Duration? = nil) {
        self.isEnabled = isEnabled
        self.batchSize = batchSize
        self.maxFailures = maxFailures
        self.pause = pause
    }

    /// `group`'s policy: the playbook's, with the overrides.
    public func policy(for group: String, in rollout: Rollout) -> RolloutPolicy {
        var policy = rollout.policy(for: group)
        if let batchSize { policy.batchSize = batchSize }
        if let maxFailures { policy.maxFailures = maxFailures }
        if let pause { policy.pause = pause }
        return policy
    }

    /// Each host's rollout ticket (its group, the group's rank and policy, the group's size
    /// among `hosts`), by name.
    public func tickets(for hosts: [Inventory.Host], in rollout: Rollout) -> [String: RolloutTicket] {
        let groups = Dictionary(hosts.map { ($0.name, rollout.group(of: $0.groups)) }, uniquingKeysWith: { first, _ in first })
        var sizes: [String: Int] = [:]
        for group in groups.values { sizes[group, default: 0] += 1 }
        return groups.mapValues { group in
            RolloutTicket(group: group, rank: rollout.order.firstIndex(of: group) ?? rollout.order.count,
                          policy: policy(for: group, in: rollout), groupSize: sizes[group]!)
        }
    }
}

/// Why a planned host rolls (waits for its turn, drained, checked, undrained), or does not.
public enum RolloutReason: Sendable, Equatable {
    /// Its change restarts or reloads what it serves, and it serves now (it passed its checks).
    case serving
    /// A rollout that stopped left it drained: it is checked and put back.
    case leftDrained
    /// `--serial`: every host with changes rolls.
    case serial
}

extension RolloutSettings {
    /// Whether `planned` rolls, and why; nil when it is changed at once: nothing to change,
    /// changes nothing restarts for, no health checks or drains to roll it by, or a host
    /// that does not serve yet (it fails its checks before the change, as a new host does).
    func reason(for planned: Convergence.PlannedHost) async -> RolloutReason? {
        guard isEnabled else { return nil }
        if !planned.drainedBy.isEmpty { return .leftDrained }
        guard !planned.plan.isEmpty else { return nil }
        if batchSize != nil { return .serial }
        guard HealthGate.isNeeded(after: planned.plan), !(planned.healthChecks.isEmpty && planned.drains.isEmpty) else { return nil }
        return await HealthGate(checks: planned.healthChecks).passes(on: planned.connection) ? .serving : nil
    }
}
