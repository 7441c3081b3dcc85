/// A local group, managed with `groupadd`, `groupmod` and `groupdel`.
///
/// ```swift
/// Group("deploy", gid: 2000)
/// ```
public struct Group: Resource, Hashable {
    public var name: String
    public var presence: Presence
    public var gid: Int?
    /// Whether a new group is a system group (`groupadd -r`).
    public var isSystem: Bool
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, gid: Int? = nil, system: Bool = false,
        requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = name
        self.presence = .present
        self.gid = gid
        self.isSystem = system
        self.requires = requires
        self.notifies = notifies
    }

    /// A group that must be absent.
    public init(_ name: String, _ presence: Presence, requires: [ResourceID] = [], notifies: [ResourceID] = []) {
        self.init(name, requires: requires, notifies: notifies)
        self.presence = presence
    }

    public var id: ResourceID { .group(name) }
}

// MARK: Planning

extension Group {
    public static var stage: ConvergenceStage { .groups }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        try query.addGroup(name, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let current = context.state.groups[name]
        if presence == .absent {
            guard let current else { return }
            context.append(Change(
                resource: id, action: .remove, reason: "exists (gid \(current.gid))",
                operation: .removeGroup(name: name)))
            return
        }
        guard let current else {
            context.append(Change(
                resource: id, action: .create, reason: "does not exist",
                fields: self.gid.map { [FieldChange("gid", old: nil, new: String($0))] } ?? [],
                operation: .createGroup(name: name, gid: self.gid, system: isSystem)))
            return
        }
        guard let gid = self.gid, gid != current.gid else { return }
        context.append(Change(
            resource: id, action: .update, reason: "gid \(current.gid), want \(gid)",
            fields: [FieldChange("gid", old: String(current.gid), new: String(gid))],
            operation: .modifyGroup(name: name, gid: gid)))
    }
}
