import Foundation

/// What a ``File`` should contain.
///
/// A string literal (with interpolation) is text content:
/// `File("/etc/motd", content: "Welcome to \(host.name)\n")`.
public enum FileContent: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// Text, written as UTF-8; shown as a line diff when it changes.
    case text(String)
    /// Bytes; shown as a line diff when they are UTF-8 text without NUL, else by hash and size.
    case data(Data)
    /// Secrets read on the controller, alone or in text: never shown, logged or saved,
    /// only a keyed hash of the content.
    case secret(SecretText)
    /// A file on the controller (relative paths from the current directory), read when
    /// planning, like Ansible's `copy src=`: shown as a diff when it is text.
    case controllerFile(String)

    public init(stringLiteral value: String) {
        self = .text(value)
    }

    /// Whether this is ``secret(_:)`` content.
    public var isSecret: Bool {
        if case .secret = self { true } else { false }
    }
}

/// A regular file, its content and attributes.
///
/// ```swift
/// File("/etc/motd", content: "Welcome\n", owner: "root", group: "root", mode: 0o644,
///      notifies: [.service("ssh")])
/// File("/etc/app/secret", content: .secret(.environment("APP_SECRET")))   // mode 0600
/// File("/etc/old.conf", .absent)
/// ```
///
/// Content is written atomically (a temporary file in the same directory, renamed over the
/// path). Attributes left `nil` are not managed: an existing file keeps its owner, group
/// and mode, and a new one gets `root`, `root` and `0644` (`0600` for secret content).
/// The parent directory must exist (declare a ``Directory`` for it: the file then follows it).
public struct File: Resource, Hashable {
    /// The absolute path.
    public var path: String
    public var presence: Presence
    /// The content; `nil` manages only the attributes of a file that must exist (it is
    /// created empty if missing).
    public var content: FileContent?
    /// The owning user's name.
    public var owner: String?
    /// The owning group's name.
    public var group: String?
    /// The permission bits, e.g. `0o644`.
    public var mode: UInt16?
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    /// A file that exists with the given content and attributes.
    public init(
        _ path: String, content: FileContent? = nil, owner: String? = nil, group: String? = nil,
        mode: UInt16? = nil, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.path = path
        self.presence = .present
        self.content = content
        self.owner = owner
        self.group = group
        self.mode = mode
        self.requires = requires
        self.notifies = notifies
    }

    /// A file that must be absent (`.absent`), or present with whatever content it has (`.present`).
    public init(
        _ path: String, _ presence: Presence, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.init(path, requires: requires, notifies: notifies)
        self.presence = presence
    }

    public var id: ResourceID { .file(path) }

    /// The mode a newly written file gets when ``mode`` is nil: `0600` for secrets, else `0644`.
    public var defaultMode: UInt16 { content?.isSecret == true ? 0o600 : 0o644 }
}
