import Foundation
import Resources

/// A host an apply would roll, as `converge plan` shows it.
public struct RolledHost: Sendable {
    public var host: String
    public var reason: RolloutReason
    public var ticket: RolloutTicket
    /// Its place in the run, which orders a group's batches.
    public var position: Int
    /// Each drain, with the hosts it runs on.
    public var drains: [(drain: Drain, routers: [String])]
    public var checks: [HealthCheck]

    init(_ planned: Convergence.PlannedHost, reason: RolloutReason, ticket: RolloutTicket, position: Int,
         routers: (Drain) -> [String]) {
        self.host = planned.host.name
        self.reason = reason
        self.ticket = ticket
        self.position = position
        self.drains = planned.drains.map { ($0, routers($0)) }
        self.checks = planned.healthChecks
    }
}

/// How an apply would roll the planned changes: the batches, and for each host where it is
/// drained from and which checks must pass before its batch is done.
public struct RolloutPreview: Sendable {
    public var hosts: [RolledHost]

    /// The batches, as ``RolloutBatch/schedule(_:)`` makes them.
    public var batches: [(RolloutBatch, RolloutTicket)] {
        RolloutBatch.schedule(hosts.map { ($0.host, $0.position, $0.ticket) })
    }

    /// ```
    /// rollout: 2 hosts in 2 batches
    ///   batch 1 of 2, web (batches of 25%, max 0 failed): web1
    ///     web1: drained from cache1, cache2 (varnish backend web_web1); then http://127.0.0.1:80/health.php
    /// ```
    /// Nothing when no host rolls.
    public func render() -> String {
        let batches = batches
        guard !batches.isEmpty else { return "" }
        let byName = Dictionary(hosts.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        var text = "rollout: \(hosts.count) host\(hosts.count == 1 ? "" : "s") in \(batches.count) batch\(batches.count == 1 ? "" : "es")"
            + ", each drained, changed, checked until healthy and put back before the next\n"
        for (index, (batch, ticket)) in batches.enumerated() {
            text += "  batch \(index + 1) of \(batches.count), \(batch.group) (\(ticket.policy)): \(batch.hosts.joined(separator: ", "))\n"
            for name in batch.hosts {
                let host = byName[name]!
                var parts: [String] = []
                if host.reason == .leftDrained { parts.append("left drained by an earlier rollout") }
                for (drain, routers) in host.drains {
                    parts.append("drained from \(routers.isEmpty ? "no host of \(drain.group)" : routers.joined(separator: ", ")) (\(drain.name))")
                }
                if host.drains.isEmpty { parts.append("not drained (its roles declare no drain)") }
                parts.append(host.checks.isEmpty ? "no health check" : "gated by " + host.checks.map(\.description).joined(separator: ", "))
                text += "    \(name): \(parts.joined(separator: "; "))\n"
            }
        }
        return text
    }
}

/// The rolled hosts a plan run finds, from its hosts' tasks.
final class RolledHosts: @unchecked Sendable {
    private let lock = NSLock()
    private var hosts: [RolledHost] = []

    func add(_ host: RolledHost) { lock.withLock { hosts.append(host) } }
    var all: [RolledHost] { lock.withLock { hosts.sorted { $0.position < $1.position } } }
}
