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
