/// A local user account, managed with `useradd`, `usermod` and `userdel`.
///
/// ```swift
/// User("deploy", shell: "/bin/bash", groups: ["sudo"])
/// User("olduser", .absent)
/// ```
///
/// Attributes left `nil` are not managed (useradd's defaults on creation). ``groups`` are
/// the supplementary groups the user must be in at least: converge adds missing ones and
/// leaves other memberships alone.
public struct User: Resource, Hashable {
    public var name: String
    public var presence: Presence
    public var uid: Int?
    /// The primary group's name; nil lets useradd choose (a group named like the user).
    public var group: String?
    /// Supplementary groups the user must belong to.
    public var groups: [String]
    /// The home directory; created with the account (`useradd -m`).
    public var home: String?
    /// The login shell, e.g. `/bin/bash`.
    public var shell: String?
    /// Whether a new account is a system account (`useradd -r`: uid below 1000, no aging).
    public var isSystem: Bool
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, uid: Int? = nil, group: String? = nil, groups: [String] = [],
        home: String? = nil, shell: String? = nil, system: Bool = false,
        requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = name
        self.presence = .present
        self.uid = uid
        self.group = group
        self.groups = groups
        self.home = home
        self.shell = shell
        self.isSystem = system
        self.requires = requires
        self.notifies = notifies
    }

    /// A user that must be absent (`userdel`, home directory kept).
    public init(_ name: String, _ presence: Presence, requires: [ResourceID] = [], notifies: [ResourceID] = []) {
        self.init(name, requires: requires, notifies: notifies)
        self.presence = presence
    }

    public var id: ResourceID { .user(name) }
}

// MARK: Planning

extension User {
    public static var stage: ConvergenceStage { .users }
    public var implicitRequirements: [ResourceID] { ([group].compactMap { $0 } + groups).map(ResourceID.group) }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        try query.addUser(name, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let current = context.state.users[name]
        if presence == .absent {
            guard let current else { return }
            context.append(Change(
                resource: id, action: .remove, reason: "exists (uid \(current.uid))",
                operation: .removeUser(name: name)))
            return
        }
        for group in [self.group].compactMap({ $0 }) + self.groups {
            try validateAccountName(group, of: id)
        }
        guard let current else {
            var fields: [FieldChange] = []
            if let uid = self.uid { fields.append(FieldChange("uid", old: nil, new: String(uid))) }
            if let group = self.group { fields.append(FieldChange("group", old: nil, new: group)) }
            if !self.groups.isEmpty { fields.append(FieldChange("groups", old: nil, new: self.groups.joined(separator: ","))) }
            if let home = self.home { fields.append(FieldChange("home", old: nil, new: home)) }
            if let shell = self.shell { fields.append(FieldChange("shell", old: nil, new: shell)) }
            context.append(Change(
                resource: id, action: .create, reason: "does not exist", fields: fields,
                operation: .createUser(
                    name: name, uid: self.uid, group: self.group, groups: self.groups, home: self.home,
                    shell: self.shell, system: isSystem)))
            return
        }
        var reasons: [String] = []
        var fields: [FieldChange] = []
        var uid: Int?, group: String?, home: String?, shell: String?
        if let wanted = self.uid, wanted != current.uid {
            reasons.append("uid \(current.uid), want \(wanted)")
            fields.append(FieldChange("uid", old: String(current.uid), new: String(wanted)))
            uid = wanted
        }
        if let wanted = self.group, wanted != current.primaryGroup {
            reasons.append("group \(current.primaryGroup), want \(wanted)")
            fields.append(FieldChange("group", old: current.primaryGroup, new: wanted))
            group = wanted
        }
        let missing = self.groups.filter { !current.groups.contains($0) }
        if !missing.isEmpty {
            reasons.append("not in \(missing.joined(separator: ", "))")
            fields.append(FieldChange(
                "groups", old: current.groups.joined(separator: ","),
                new: (current.groups + missing).joined(separator: ",")))
        }
        if let wanted = self.home, wanted != current.home {
            reasons.append("home \(current.home), want \(wanted)")
            fields.append(FieldChange("home", old: current.home, new: wanted))
            home = wanted
        }
        if let wanted = self.shell, wanted != current.shell {
            reasons.append("shell \(current.shell), want \(wanted)")
            fields.append(FieldChange("shell", old: current.shell, new: wanted))
            shell = wanted
        }
        guard !reasons.isEmpty else { return }
        context.append(Change(
            resource: id, action: .update, reason: reasons.joined(separator: "; "), fields: fields,
            operation: .modifyUser(name: name, uid: uid, group: group, addGroups: missing, home: home, shell: shell)))
    }
}
