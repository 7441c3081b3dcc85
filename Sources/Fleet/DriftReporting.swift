import Drift
import DriftHistory
import Facts
import Foundation
import Inventory
import Planner
import Resources

extension DriftReport {
    /// The report of a drift sweep run (``Convergence/sweep(_:with:)``): each host as it
    /// was swept, or why it could not be.
    ///
    /// - Parameters:
    ///   - hosts: The hosts swept, for those that gave no sweep (their groups and roles).
    ///   - sweptAt: When the sweep started.
    public init(_ result: FleetResult<SweptHost>, hosts: [Inventory.Host], sweptAt: Date) {
        let sweeps = zip(hosts, result.hosts).map { host, outcome -> HostSweep in
            if let swept = outcome.value { return HostSweep(swept) }
            let failure = outcome.report.failure ?? HostFailure(host: host.name, phase: "sweep", message: outcome.status.rawValue)
            return HostSweep(host: host.name, address: host.address, groups: host.groups,
                             outcome: failure.unreachable ? .unreachable(failure.headline) : .failed(failure.headline),
                             roles: host.roles)
        }
        self.init(sweeps: sweeps, sweptAt: sweptAt, duration: result.report.seconds)
    }

    /// Records the report's findings in `history`, then marks what is new since the last
    /// sweep recorded there and what was resolved.
    ///
    /// - Parameter inventory: The inventory file swept, as the history names it.
    public mutating func record(in history: DriftHistory, inventory: String) throws {
        let recorded = try history.record(
            startedAt: sweptAt, duration: duration, inventory: inventory,
            hostCount: hosts.count, unreachableCount: unsweptHosts.count,
            findings: findings.map {
                RecordedFinding(key: $0.key, category: $0.category.rawValue, subject: $0.subject, summary: $0.summary)
            },
            unverifiedSubjects: unsweptHosts)
        apply(FindingHistory(newKeys: Set(recorded.comparison.new.map(\.key)),
                             resolved: recorded.comparison.resolved.map { ResolvedFinding(key: $0.key, summary: $0.summary) }))
    }
}

extension HostSweep {
    /// The report's input for a swept host: its planned changes as drift (each file
    /// content as a diff, a secret's only as different, a service with its state and since
    /// when), its secret files checked against recorded digests, and its maintenance facts.
    init(_ swept: SweptHost) {
        var drift = swept.plan.changes.compactMap { ResourceDrift(change: $0, host: swept.host.name, state: swept.state) }
        var unverified: [UnverifiedResource] = []
        for check in swept.secretChecks {
            switch check.outcome {
            case .matches:
                break
            case .differs:
                let resource = check.resource.description
                if let index = drift.firstIndex(where: { $0.resource == resource }) {
                    drift[index].reason = "content differs from the last one written; " + drift[index].reason
                    drift[index].content = .secret
                } else {
                    drift.append(ResourceDrift(
                        resource: resource, reason: "content differs from the last one written", content: .secret))
                }
            case .noRecord:
                unverified.append(UnverifiedResource(
                    resource: check.resource.description,
                    reason: "unknown: no recorded hash (the \(check.source) is not at hand, and no apply recorded the file's digest)"))
            }
        }
        self.init(
            host: swept.host.name, address: swept.host.address, groups: swept.host.groups,
            outcome: .swept(facts: swept.facts, drift: drift), roles: swept.host.roles,
            maintenance: swept.maintenance, managedPackages: swept.managedPackages, managedFiles: swept.managedFiles,
            unverified: unverified)
    }
}

extension ResourceDrift {
    /// The drift a planned change stands for; nil for what is no drift of its own: a
    /// restart or reload notified by another change, apt's list refresh, systemd's
    /// daemon-reload, and a command without a guard (it runs every time).
    init?(change: Change, host: String, state: HostState) {
        switch (change.action, change.operation) {
        case (.restart, _), (.reload, _), (.reboot, _), (_, .refreshPackageLists), (_, .reloadSystemd):
            return nil
        case (_, .runCommand(_, nil, nil, _, _)):
            return nil
        default:
            break
        }
        var serviceState: ServiceState?
        if change.resource.kind == "service" {
            serviceState = state.services[change.resource.name + ".service"] ?? state.services[change.resource.name]
        }
        self.init(
            resource: change.resource.description, reason: change.reason,
            // A field the same on both sides tells nothing (a masked unit still running).
            fields: change.fields.filter { $0.old != $0.new }.map { FieldDrift(field: $0.field, expected: $0.new, actual: $0.old) },
            content: change.content.map { Self.content($0, path: change.contentPath, host: host) },
            state: serviceState.map(Self.state),
            since: serviceState?.since.map { Date(timeIntervalSince1970: Double($0)) })
    }

    /// A unit's state as the report shows it: ``ServiceState/summary``, except that a
    /// masked unit still running says so, for its ``since`` is when it started.
    static func state(_ service: ServiceState) -> String {
        guard service.exists, service.isMasked, service.isActive else { return service.summary }
        return "masked, still " + (service.activeState ?? "active") + (service.subState.map { " (\($0))" } ?? "")
    }

    /// A content change as the report shows it: a secret as only different; text as a
    /// unified diff from the host's (`--- PATH (HOST)`, or `/dev/null` when the file is
    /// missing) to the playbooks' (`+++ PATH (playbooks)`); other content by size and SHA-256.
    static func content(_ change: ContentChange, path: String, host: String) -> ContentDrift {
        if change.isSecret { return .secret }
        guard let new = change.newText, change.oldSHA256 == nil || change.oldText != nil else {
            return ContentDrift(
                actualSize: change.oldSize, expectedSize: change.newSize, actualSHA256: change.oldSHA256,
                expectedSHA256: change.newSHA256)
        }
        let hunks = LineDiff.unified(old: change.oldText ?? "", new: new)
        guard !hunks.isEmpty else { return ContentDrift() }
        let shown = path.replacingOccurrences(of: "\n", with: "\\n")
        return ContentDrift(
            diff: ["--- " + (change.oldSHA256 == nil ? "/dev/null" : "\(shown) (\(host))"), "+++ \(shown) (playbooks)"] + hunks)
    }
}
