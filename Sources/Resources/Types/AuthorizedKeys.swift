import Foundation

/// The SSH public keys a user logs in with: `~/.ssh/authorized_keys`, and the `.ssh`
/// directory it is in (mode 0700, the user's).
///
/// ```swift
/// AuthorizedKeys("alice", keys: ["ssh-ed25519 AAAAC3Nza… alice@laptop"])          // exactly these
/// AuthorizedKeys("deploy", keys: [ciKey], exclusive: false)                      // added to what is there
/// AuthorizedKeys("root", keys: admins)                                            // /root/.ssh
/// ```
///
/// Exclusive (the default), the file holds exactly the keys given, in that order: a key
/// someone added by hand goes. Not exclusive, the keys missing are appended and the lines
/// there stay. A key is the same key whatever its comment and options: what is compared is
/// its type and base64 blob. The file is the user's with mode 0600, as sshd's `StrictModes`
/// wants it.
public struct AuthorizedKeys: Resource, Hashable {
    /// The user whose logins the keys allow.
    public var user: String
    /// Lines of authorized_keys: `[options] type base64 [comment]`.
    public var keys: [String]
    /// Whether the file holds only these keys (`true`) or keeps the ones there too.
    public var exclusive: Bool
    /// The user's home: `/root` for root and `/home/<user>` otherwise unless given.
    public var home: String
    /// The file's group, e.g. the user's own; left as it is when nil.
    public var group: String?
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ user: String, keys: [String], exclusive: Bool = true, home: String? = nil, group: String? = nil,
        requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.user = user
        self.keys = keys
        self.exclusive = exclusive
        self.home = home ?? (user == "root" ? "/root" : "/home/\(user)")
        self.group = group
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { ResourceID(kind: "authorized-keys", name: user) }

    /// `~/.ssh/authorized_keys`.
    public var path: String { home + "/.ssh/authorized_keys" }

    /// The key a line holds, as compared: its type and blob, without options or comment.
    static func key(in line: Substring) -> String? {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        // The type is the first word that names one; options (which may hold spaces only
        // inside quotes, never a type-like word then a blob) come before it.
        guard let index = words.firstIndex(where: isKeyType), index + 1 < words.count else { return nil }
        return words[index] + " " + words[index + 1]
    }

    private static func isKeyType(_ word: Substring) -> Bool {
        word.hasPrefix("ssh-") || word.hasPrefix("ecdsa-sha2-") || word.hasPrefix("sk-ssh-") || word.hasPrefix("sk-ecdsa-")
    }
}

// MARK: Planning

extension AuthorizedKeys {
    public static var stage: ConvergenceStage { .files }
    public var managedPath: String? { path }
    public var implicitRequirements: [ResourceID] { [.user(user)] + (group.map { [.group($0)] } ?? []) }

    /// Exactly the keys given, one a line.
    var exclusiveText: String { keys.map { $0 + "\n" }.joined() }

    var directory: Directory { Directory(home + "/.ssh", owner: user, group: group, mode: 0o700) }

    func file(_ text: String) -> File { File(path, content: .text(text), owner: user, group: group, mode: 0o600) }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        for key in keys {
            guard !key.contains(where: \.isNewline), !key.contains("\0"), Self.key(in: Substring(key)) != nil else {
                throw .invalid(id, "not an authorized_keys line (`[options] type base64 [comment]`): \(key.prefix(60))")
            }
        }
        try directory.addFacts(to: &query)
        // The file's current content is read when it is not exactly the keys given: then
        // it is shown as a diff, and a key not given is kept when not exclusive.
        try file(exclusiveText).addFacts(to: &query)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        // A .ssh directory the host declares is that resource's to plan.
        if !context.declares(directory.id) { try context.plan(directory, as: id) }
        guard !exclusive, let current = context.state.paths[path], current.kind == .file,
            current.sha256 != sha256Hex(Data(exclusiveText.utf8))
        else { return try context.plan(file(exclusiveText), as: id) }
        guard let data = current.content, let text = String(data: data, encoding: .utf8) else {
            throw .conflict(id, "\(path) could not be read to add keys to it (too large, or not text)")
        }
        let present = Set(text.split(separator: "\n").compactMap(Self.key))
        let missing = keys.filter { Self.key(in: Substring($0)).map { !present.contains($0) } ?? false }
        let kept = text.isEmpty || text.hasSuffix("\n") ? text : text + "\n"
        try context.plan(file(kept + missing.map { $0 + "\n" }.joined()), as: id)
    }
}
