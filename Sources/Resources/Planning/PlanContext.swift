import Facts
import Foundation

/// Settings of the planner.
public struct PlanOptions: Codable, Hashable, Sendable {
    /// How old apt's lists may be, in seconds, before a `latest` package makes the plan
    /// refresh them (`apt-get update`) to learn of newer versions. One day by default.
    public var maximumListAge: Int

    public init(maximumListAge: Int = 24 * 60 * 60) {
        self.maximumListAge = maximumListAge
    }
}

/// What a resource plans in (``Resource/plan(in:)``): the host's facts, the secrets, and the
/// changes planned so far for the resources before it, in convergence order.
///
/// Beside the changes resources append, it plans what several of them share: one
/// `apt-get update` before the first package change that needs it
/// (``refreshPackageLists(because:)``), and a `systemctl daemon-reload` after unit files
/// change, before the next systemctl command.
public struct PlanContext: Sendable {
    /// The host's facts, gathered for every resource's ``Resource/addFacts(to:)``.
    public let state: HostState
    /// The secrets the resources use.
    public let secrets: SecretValues
    public let options: PlanOptions
    /// The resources that notify the one being planned.
    public package(set) var notifiers: [ResourceID] = []

    package private(set) var changes: [Change] = []
    private var changed: Set<ResourceID> = []
    private let declared: Set<ResourceID>
    /// Why apt's lists need refreshing, and the index of the first change needing it.
    private var refresh: (reason: String, before: Int)?
    /// Unit files changed since the last `systemctl daemon-reload` planned.
    private var changedUnitFiles: [String] = []

    /// A context for the resources with `declared` IDs.
    package init(state: HostState, secrets: SecretValues, options: PlanOptions, declared: Set<ResourceID>) {
        self.state = state
        self.secrets = secrets
        self.options = options
        self.declared = declared
    }

    /// Plans `change`, after the changes planned so far.
    public mutating func append(_ change: Change) {
        switch change.operation {
        case .systemctl, .ensureService: reloadSystemdIfUnitsChanged()
        default: break
        }
        changes.append(change)
        changed.insert(change.resource)
        if let path = change.operation.unitFilePath { changedUnitFiles.append(path) }
    }

    /// Plans what `part` needs, as changes of the resource `id`: a resource made of others
    /// (a kernel setting is a file and a value in the running kernel) plans them so. Its
    /// facts must be asked for too (``Resource/addFacts(to:)`` of `part`).
    public mutating func plan(_ part: some Resource, as id: ResourceID) throws(PlanError) {
        let first = changes.count
        try part.plan(in: &self)
        for index in changes.indices[first...] where changes[index].resource == part.id {
            changes[index].resource = id
            changed.insert(id)
        }
    }

    /// Plans `apt-get update` before the package changes from here on (once, for the first
    /// reason given): apt's lists cannot satisfy a wanted package as they stand, or a
    /// package source changed.
    public mutating func refreshPackageLists(because reason: String) {
        if refresh == nil { refresh = (reason, changes.count) }
    }

    /// Whether this plan changes the resource `id` (so far).
    public func hasChanged(_ id: ResourceID) -> Bool { changed.contains(id) }

    /// The first of `candidates` this plan installs, writes or changes before the resource
    /// being planned: it may create or change what the facts saw.
    public func firstChanged(among candidates: [ResourceID]) -> ResourceID? {
        candidates.first(where: changed.contains)
    }

    /// Whether the host's resources declare `id`: a user declared exists by the time a
    /// file is given to it.
    public func declares(_ id: ResourceID) -> Bool { declared.contains(id) }

    /// The value of a fact the resource asked for with ``HostStateQuery/add(_:for:)``.
    ///
    /// - Throws: ``PlanError/missingFacts(_:)`` when it was not gathered, and
    ///   ``PlanError/unreadableFacts(_:_:)`` when its command failed or its output is not
    ///   what the fact reads.
    public func value<F: Fact>(of fact: F, for id: ResourceID) throws(PlanError) -> F.Value {
        guard let output = state.factOutputs[fact.name] else { throw .missingFacts(id) }
        guard output.exitStatus == 0 else {
            throw .unreadableFacts(
                id, FactError.commandFailed(fact: fact.name, exitStatus: output.exitStatus, stderr: output.stderr).description)
        }
        do {
            return try fact.parse(output.stdout)
        } catch {
            throw .unreadableFacts(id, "\(fact.name): unexpected output: \(error)")
        }
    }

    /// The changes planned, with what they share in place.
    package mutating func finish() -> [Change] {
        reloadSystemdIfUnitsChanged()
        guard let refresh else { return changes }
        // Before the whole run of package changes it belongs to: they are one apt transaction.
        var position = refresh.before
        while position > 0, changes[position - 1].operation.isPackageChange { position -= 1 }
        var result = changes
        result.insert(
            Change(
                resource: ResourceID(kind: "apt", name: "update"), action: .run, reason: refresh.reason,
                operation: .refreshPackageLists),
            at: position)
        return result
    }

    /// Marks the changes from `first` on as notifying `units`.
    package mutating func setNotifies(_ units: [String], from first: Int, of id: ResourceID) {
        for index in changes.indices[first...] where changes[index].resource == id {
            changes[index].notifies = units
        }
    }

    /// systemd acts on the unit files it last read: after one changes, a daemon-reload
    /// comes before the next systemctl command (or at the end).
    private mutating func reloadSystemdIfUnitsChanged() {
        guard !changedUnitFiles.isEmpty else { return }
        changes.append(Change(
            resource: ResourceID(kind: "systemd", name: "daemon-reload"), action: .run,
            reason: "unit files changed: " + changedUnitFiles.joined(separator: ", "),
            operation: .reloadSystemd))
        changedUnitFiles = []
    }
}
