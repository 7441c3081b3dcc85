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
