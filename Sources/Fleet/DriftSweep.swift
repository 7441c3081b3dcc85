import Facts
import Foundation
import Inventory
import Planner
import Resources

/// A host swept read-only for a drift report: its facts, how it stands with apt, dpkg and
/// reboots, and the plan that would bring it back to the playbooks (whose changes are its
/// drift), with the state that plan was made from.
public struct SweptHost: Sendable {
    public let host: Inventory.Host
    public let facts: HostFacts
    public let maintenance: MaintenanceFacts
    /// What an apply would change: the host's drift from the playbooks. Never applied.
    public let plan: HostPlan
    /// The state of the host's resources, e.g. a service's state and since when.
    public let state: HostState
    /// The packages the playbooks declare for the host.
    public let managedPackages: Set<String>
    /// The files the playbooks declare for the host.
    public let managedFiles: Set<String>
    /// The secret files whose secret was not at hand, checked against the digest the host
    /// recorded when converge last wrote them (``SecretDigestsFact``). Secret files whose
    /// secret could be read are planned like any file, and are not here.
    public let secretChecks: [SecretFileCheck]
}

/// A secret file checked against its recorded digest, the secret itself not being at hand
/// (an environment variable the nightly job does not have, say).
public struct SecretFileCheck: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// The host's file has the recorded digest.
        case matches
        /// The host's file has another content than converge last wrote.
        case differs
        /// The host has no digest for the file (converge has not written it since it
        /// began recording them), so nothing tells.
        case noRecord
    }

    /// The file resource, e.g. `file:/etc/app/token`.
    public let resource: ResourceID
    /// Where the secret would come from, e.g. `secret from environment variable APP_TOKEN`.
    public let source: String
    public let outcome: Outcome
}

extension Convergence {
    /// Sweeps `host` for drift: one probe gathers its facts, its maintenance facts and the
    /// state of every resource (a second one only when the cached role facts were stale, as
    /// in ``plan(_:options:)``), then the host is planned. Nothing is changed on the host,
    /// no secret is generated and no digest recorded; only the role facts cache is kept
    /// up to date, as a plan does.
    ///
    /// A secret that cannot be read (its variable unset, its file absent, a store this
    /// user's keys do not open) does not fail the sweep: its file is planned without
    /// content, and its content compared with the digest the host recorded when converge
    /// wrote it (``SecretDigestsFact``, ``SweptHost/secretChecks``).
    ///
    /// - Throws: ``HostFailure`` naming the host and the phase (connect, facts, roles, plan).
    public func sweep(_ host: Inventory.Host, options: PlanOptions = PlanOptions(), in run: HostRun? = nil) async throws -> SweptHost {
        // A sweep needs no store key: without one, store secrets are judged by the host's digests.
        let key = (try? digestKey(for: host)) ?? PlanKey.random()
        let connection = try await connect(host, in: run)
        run?.enter(.facts)
        do {
            let swept = try await sweep(host, on: connection, key: key, options: options)
            await connection.close()
            return swept
        } catch {
            await connection.close()
            throw error
        }
    }

    private func sweep(
        _ host: Inventory.Host, on connection: any HostConnection, key: PlanKey, options: PlanOptions
    ) async throws -> SweptHost {
        do {
            // As plan(_:options:): the roles evaluated with the cached role facts, checked
            // against the host's; a second probe for the resources' state only when stale.
            let cachedRoleFacts = cache?.roleFacts(of: RoleFactsCache.key(for: host))
            var resources = cachedRoleFacts.flatMap { try? self.resources(for: host, context: $0) }
            var probe = FactProbe()
            let factKeys = HostFacts.add(to: &probe)
            // The release's command is the host facts' own, run once for both.
            let roleFactKeys = RoleFacts.add(to: &probe)
            let maintenanceKeys = MaintenanceFacts.add(to: &probe)
            let recordedKey = probe.add(SecretDigestsFact())
            let stateKeys = try resources.map { try HostStateQuery(resources: $0).add(to: &probe) }
            let results = probe.results(from: try await probeOutput(probe.script, on: connection, host: host))
            let facts = try factKeys.facts(from: results)
            let maintenance = maintenanceKeys.facts(from: results)

            var state = try stateKeys.map { try $0.state(from: results) }
            let roleFacts = try roleFactKeys.roleFacts(from: results)
            if cachedRoleFacts.map({ !$0.hasSameStableFacts(as: roleFacts) }) ?? true || resources == nil || state == nil {
                cache?.save(roleFacts, of: RoleFactsCache.key(for: host))
                let fresh = try self.resources(for: host, context: roleFacts)
                var second = FactProbe()
                let keys = try HostStateQuery(resources: fresh).add(to: &second)
                state = try keys.state(from: second.results(from: try await probeOutput(second.script, on: connection, host: host)))
                resources = fresh
            }

            let (planned, unreadable) = withoutUnreadableSecrets(resources!)
            let secrets = try SecretValues(resolving: planned, with: self.secrets, key: key)
            let plan = try Planner.plan(host: host.name, resources: planned, state: state!, secrets: secrets, options: options)
            let recorded = try results.value(for: recordedKey)
            let checks = unreadable.compactMap { file -> SecretFileCheck? in
                // A missing file is the planner's: it plans to create it.
                guard let current = state!.paths[file.path], current.kind == .file, let sha256 = current.sha256 else { return nil }
                let outcome: SecretFileCheck.Outcome =
                    switch recorded[file.path] {
                    case nil: .noRecord
                    case sha256: .matches
                    default: .differs
                    }
                return SecretFileCheck(resource: file.id, source: file.content.map(secretSource) ?? "secret", outcome: outcome)
            }
            return SweptHost(
                host: host, facts: facts, maintenance: maintenance, plan: plan, state: state!,
                managedPackages: Set(resources!.compactMap { ($0 as? Package)?.name }),
                managedFiles: Set(resources!.compactMap(\.managedPath) + resources!.flatMap(\.editedPaths)),
                secretChecks: checks)
        } catch let error as FactError {
            throw HostFailure(host: host.name, phase: "facts", message: error.description)
        } catch let error as PlanError {
            throw HostFailure(host: host.name, phase: "plan", message: error.description)
        }
    }

    /// `resources` with the content taken off every secret file whose secrets cannot all
    /// be read on the controller without making one (a generated secret that does not
    /// exist yet stays ungenerated), and those files as they were.
    private func withoutUnreadableSecrets(_ resources: [any Resource]) -> (planned: [any Resource], unreadable: [File]) {
        var unreadable: [File] = []
        let planned = resources.map { resource -> any Resource in
            guard var file = resource as? File, case .secret(let text) = file.content else { return resource }
            if text.secrets.allSatisfy(secrets.canRead) { return resource }
            unreadable.append(file)
            file.content = nil
            return file
        }
        return (planned, unreadable)
    }

    private func secretSource(_ content: FileContent) -> String {
        if case .secret(let text) = content { text.description } else { "secret" }
    }
}
