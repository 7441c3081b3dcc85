/// A symbolic link.
///
/// ```swift
/// Symlink("/etc/nginx/sites-enabled/site", target: "/etc/nginx/sites-available/site")
/// ```
///
/// The link is replaced atomically when its target differs, and replaces a regular file
/// in its way; a directory in its way is an error.
public struct Symlink: Resource, Hashable {
    /// The absolute path of the link.
    public var path: String
    public var presence: Presence
    /// What the link points to, exactly as `readlink` prints it (relative or absolute).
    public var target: String
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ path: String, target: String, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.path = path
        self.presence = .present
        self.target = target
        self.requires = requires
        self.notifies = notifies
    }

    /// A link that must be absent.
    public init(_ path: String, _ presence: Presence, requires: [ResourceID] = [], notifies: [ResourceID] = []) {
        self.init(path, target: "", requires: requires, notifies: notifies)
        self.presence = presence
    }

    public var id: ResourceID { .symlink(path) }
}

// MARK: Planning

extension Symlink {
    public static var stage: ConvergenceStage { .links }
    public var managedPath: String? { path }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        try query.addPath(path, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let current = context.state.paths[path]
        if presence == .absent {
            guard let current else { return context.planRemovalAfterInstall(self, recursive: false) }
            guard current.kind == .symlink else {
                throw .conflict(id, "a \(current.kind.rawValue) is there, not a symlink")
            }
            context.append(Change(
                resource: id, action: .remove, reason: "exists", operation: .removePath(path: path, recursive: false)))
            return
        }
        guard !self.target.isEmpty, !self.target.contains("\0") else { throw .invalid(id, "needs a target") }
        let operation = HostOperation.makeSymlink(path: path, target: self.target)
        switch current?.kind {
        case nil:
            context.append(Change(
                resource: id, action: .create, reason: "does not exist",
                fields: [FieldChange("target", old: nil, new: self.target)], operation: operation))
        case .symlink:
            guard current?.target != self.target else { return }
            context.append(Change(
                resource: id, action: .update, reason: "points to \(current?.target ?? "?"), want \(self.target)",
                fields: [FieldChange("target", old: current?.target, new: self.target)], operation: operation))
        case .file:
            context.append(Change(
                resource: id, action: .update, reason: "a regular file is in the way",
                fields: [FieldChange("target", old: nil, new: self.target)], operation: operation))
        case .directory, .other:
            throw .conflict(id, "a \(current!.kind.rawValue) is there, not a symlink")
        }
    }
}
