import Facts
import Foundation
import Resources

/// Works out what to change on a host: a pure function of resources, facts and secrets.
///
/// The planner orders the resources (``convergenceOrder(of:)``) and lets each plan its own
/// changes in that order (``Resource/plan(in:)``); it knows no resource type by name.
/// What several resources share, one `apt-get update` and `systemctl daemon-reload`, the
/// ``PlanContext`` plans.
public enum Planner {
    /// The changes that bring the host from `state` to `resources`, in the order to make them.
    ///
    /// - Parameters:
    ///   - host: The host's inventory name.
    ///   - resources: Everything the host should have.
    ///   - state: Its facts, from ``HostStateQuery`` for the same resources.
    ///   - secrets: The secrets the resources use (``SecretValues/init(resolving:environment:)``).
    /// - Throws: ``PlanError``.
    public static func plan(
        host: String, resources: [any Resource], state: HostState, secrets: SecretValues = SecretValues(),
        options: PlanOptions = PlanOptions()
    ) throws(PlanError) -> HostPlan {
        let query = try HostStateQuery(resources: resources)
        let order = try convergenceOrder(of: resources)
        var context = PlanContext(
            state: state, secrets: secrets, options: options, declared: Set(resources.map(\.id)))
        // The units each resource's changes notify, by the notified resources' IDs.
        var units: [ResourceID: String] = [:]
        var notifiers: [ResourceID: [ResourceID]] = [:]
        for resource in resources {
            if let notified = resource as? any NotifiableResource { units[notified.id] = notified.pendingName }
            for id in resource.notifies { notifiers[id, default: []].append(resource.id) }
        }
        for index in order {
            let resource = resources[index]
            context.notifiers = notifiers[resource.id] ?? []
            let first = context.changes.count
            try resource.plan(in: &context)
            context.setNotifies(resource.notifies.compactMap { units[$0] }, from: first, of: resource.id)
        }
        return HostPlan(
            host: host, factsFingerprint: state.fingerprint, query: query, changes: context.finish())
    }
}
