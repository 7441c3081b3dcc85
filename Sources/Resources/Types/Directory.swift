/// A directory and its attributes.
///
/// ```swift
/// Directory("/srv/app", owner: "deploy", group: "deploy", mode: 0o750)
/// Directory("/srv/old", .absent)     // removed with everything in it
/// ```
///
/// Missing parent directories are created with `mkdir -p` defaults. Attributes left
/// `nil` are not managed (`root`, `root`, `0755` for a new directory).
public struct Directory: Resource, Hashable {
    /// The absolute path.
    public var path: String
    public var presence: Presence
    public var owner: String?
    public var group: String?
    public var mode: UInt16?
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ path: String, owner: String? = nil, group: String? = nil, mode: UInt16? = nil,
        requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.path = path
        self.presence = .present
        self.owner = owner
        self.group = group
        self.mode = mode
        self.requires = requires
        self.notifies = notifies
    }

    /// A directory that must be `.absent` (removed recursively) or `.present`.
    public init(
        _ path: String, _ presence: Presence, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.init(path, requires: requires, notifies: notifies)
        self.presence = presence
    }

    public var id: ResourceID { .directory(path) }
}

// MARK: Planning

extension Directory {
    public static var stage: ConvergenceStage { .directories }
    public var managedPath: String? { path }
    public var implicitRequirements: [ResourceID] { [owner.map(ResourceID.user), group.map(ResourceID.group)].compactMap { $0 } }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        try query.addPath(path, for: id)
        try query.addOwner(owner, group: group, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let current = context.state.paths[path]
        if presence == .absent {
            guard let current else { return context.planRemovalAfterInstall(self, recursive: true) }
            guard current.kind == .directory else {
                throw .conflict(id, "a \(current.kind.rawValue) is there, not a directory")
            }
            context.append(Change(
                resource: id, action: .remove, reason: "exists",
                operation: .removePath(path: path, recursive: true)))
            return
        }
        try context.checkAccounts(owner: self.owner, group: self.group, of: self)
        try validateMode(self.mode, of: id)
        guard let current else {
            var fields: [FieldChange] = []
            if let owner = self.owner { fields.append(FieldChange("owner", old: nil, new: owner)) }
            if let group = self.group { fields.append(FieldChange("group", old: nil, new: group)) }
            if let mode = self.mode { fields.append(FieldChange("mode", old: nil, new: octal(mode))) }
            context.append(Change(
                resource: id, action: .create, reason: "does not exist", fields: fields,
                operation: .makeDirectory(
                    path: path, owner: self.owner, group: self.group, mode: self.mode)))
            return
        }
        guard current.kind == .directory else {
            throw .conflict(id, "a \(current.kind.rawValue) is there, not a directory")
        }
        var reasons: [String] = []
        var fields: [FieldChange] = []
        let attributes = context.attributeChanges(
            owner: self.owner, group: self.group, mode: self.mode, current: current, reasons: &reasons,
            fields: &fields)
        guard !reasons.isEmpty else { return }
        context.append(Change(
            resource: id, action: .update, reason: reasons.joined(separator: "; "), fields: fields,
            operation: .setAttributes(
                path: path, owner: attributes.owner, group: attributes.group, mode: attributes.mode)))
    }
}
