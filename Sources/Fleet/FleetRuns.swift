import Facts
import Foundation
import Inventory
import Planner
import Resources

/// The read-only runs of a convergence across hosts, each through a ``FleetRunner``: plans
/// (`converge plan`), drift sweeps (`converge drift`) and facts (`converge facts`).
/// Applying is ``FleetApply``.
extension Convergence {
    /// Plans every host, changing nothing; each host's plan is also told as a
    /// ``FleetEvent/planned(host:plan:)`` event. A host with changes pending is `pending`.
    /// With the plans comes how an apply would roll them (``RolloutPreview``): which hosts,
    /// in which batches, drained from where, gated by which checks.
    public func plan(_ hosts: [Inventory.Host], with runner: FleetRunner, options: PlanOptions = PlanOptions(),
                     rollout: RolloutSettings = RolloutSettings()) async -> (result: FleetResult<HostPlan>, rollout: RolloutPreview) {
        let tickets = rollout.tickets(for: hosts, in: playbook.rollout)
        let rolled = RolledHosts()
        let result = await runner.run("plan", hosts: hosts) { run in
            let planned = try await plan(run.host, options: options, in: run)
            if let reason = await rollout.reason(for: planned) {
                rolled.add(RolledHost(planned, reason: reason, ticket: tickets[run.host.name]!,
                                      position: hosts.firstIndex { $0.name == run.host.name }!,
                                      routers: { Drainer(convergence: self, planned: planned).routers(of: $0).map(\.name) }))
            }
            await planned.connection.close()
            run.emit(.planned(host: run.host.name, plan: planned.plan))
            return HostResult(status: planned.plan.isEmpty ? .ok : .pending, value: planned.plan,
                              changes: planned.plan.changes.count)
        }
        return (result, RolloutPreview(hosts: rolled.all))
    }

    /// Sweeps every host read-only for a drift report (``sweep(_:options:in:)``). A host
    /// whose plan has changes has drifted: `pending`, with their count.
    public func sweep(_ hosts: [Inventory.Host], with runner: FleetRunner) async -> FleetResult<SweptHost> {
        await runner.run("drift", hosts: hosts) { run in
            let swept = try await sweep(run.host, in: run)
            run.emit(.planned(host: run.host.name, plan: swept.plan))
            return HostResult(status: swept.plan.isEmpty ? .ok : .pending, value: swept, changes: swept.plan.changes.count)
        }
    }

    /// Runs every host's health checks (its roles' `HealthCheck`s), each tried as a
    /// rollout tries it; a host whose check does not pass fails, naming the check and its
    /// last answer. Each host's value is how many checks it passed. Changes nothing.
    public func checkHealth(of hosts: [Inventory.Host], with runner: FleetRunner) async -> FleetResult<Int> {
        await runner.run("check", hosts: hosts) { run in
            let planned = try await plan(run.host, in: run)
            let problem = await HealthGate(checks: planned.healthChecks).wait(on: planned.connection, interruption: run.interruption)
            await planned.connection.close()
            if let problem { throw HostFailure(host: run.host.name, phase: "health", message: problem) }
            return HostResult(status: .ok, value: planned.healthChecks.count)
        }
    }

    /// Every host's facts (release, kernel, architecture, packages, init system) and those
    /// its roles see (memory, CPUs, virtualization, interfaces, mounts), gathered with one
    /// probe per host, through sudo when the inventory says so.
    public func facts(of hosts: [Inventory.Host], with runner: FleetRunner) async -> FleetResult<GatheredFacts> {
        await runner.run("facts", hosts: hosts) { run in
            let connection = try await connect(run.host, in: run)
            run.enter(.facts)
            var probe = FactProbe()
            let keys = HostFacts.add(to: &probe)
            let roleKeys = RoleFacts.add(to: &probe, details: true)
            let output: String
            do {
                output = try await probeOutput(probe.script, on: connection, host: run.host)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
            do {
                let results = probe.results(from: output)
                return HostResult(status: .ok, value: GatheredFacts(host: try keys.facts(from: results),
                                                                    roles: try roleKeys.roleFacts(from: results)))
            } catch let error as FactError {
                throw HostFailure(host: run.host.name, phase: "facts", message: error.description)
            }
        }
    }
}

/// What `converge facts` gathers of a host: its own facts, and what its roles see.
public struct GatheredFacts: Sendable {
    public var host: HostFacts
    public var roles: RoleFacts

    public init(host: HostFacts, roles: RoleFacts) {
        self.host = host
        self.roles = roles
    }
}
