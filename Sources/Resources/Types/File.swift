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

// MARK: Planning

extension File {
    public static var stage: ConvergenceStage { .files }
    public var managedPath: String? { path }
    public var implicitRequirements: [ResourceID] { [owner.map(ResourceID.user), group.map(ResourceID.group)].compactMap { $0 } }
    public var secretTexts: [SecretText] {
        if case .secret(let text)? = content { [text] } else { [] }
    }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        let wanted: String? = switch content {
        case .text(let text): sha256Hex(Data(text.utf8))
        case .data(let data): sha256Hex(data)
        // A secret's current content is never fetched: a diff would show it.
        case .secret, .controllerFile, nil: nil
        }
        try query.addPath(path, wantedContentSHA256: wanted, for: id)
        if content?.isSecret == true { try query.addPath(SecretDigestRecord.path(of: path), for: id) }
        try query.addOwner(owner, group: group, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let current = context.state.paths[self.path]
        if presence == .absent {
            guard let current else { return context.planRemovalAfterInstall(self, recursive: false) }
            guard current.kind != .directory else { throw .conflict(id, "a directory is there, not a file") }
            context.append(Change(
                resource: id, action: .remove, reason: "exists", operation: .removePath(path: self.path, recursive: false)))
            return
        }
        try validateMode(self.mode, of: id)
        try context.checkAccounts(owner: self.owner, group: self.group, of: self)
        let bytes: Data?
        let fileBytes: FileBytes?
        switch self.content {
        case nil:
            bytes = nil
            fileBytes = nil
        case .text(let text):
            bytes = Data(text.utf8)
            fileBytes = .inline(bytes!)
        case .data(let data):
            bytes = data
            fileBytes = .inline(data)
        case .secret(let text):
            let data = try context.secrets.render(text, for: id)
            bytes = data
            fileBytes = .secret(text: text, digest: context.secrets.key.digest(data), size: data.count)
        case .controllerFile(let path):
            throw .invalid(id, "the controller file \(path) was not read before planning")
        }
        let isSecret = self.content?.isSecret == true
        let newHash = sha256Hex(bytes ?? Data())
        // What a plan shows of the wanted content: a secret's only by its keyed digest.
        let shownHash: String
        if case .secret(_, let digest, _)? = fileBytes { shownHash = digest } else { shownHash = newHash }

        guard let current, current.kind == .file else {
            if let current, current.kind != .symlink {
                throw .conflict(id, "a \(current.kind.rawValue) is there, not a file")
            }
            let mode = self.mode ?? defaultMode
            var fields = [FieldChange("mode", old: nil, new: octal(mode))]
            if let owner = self.owner { fields.append(FieldChange("owner", old: nil, new: owner)) }
            if let group = self.group { fields.append(FieldChange("group", old: nil, new: group)) }
            let content = ContentChange(
                oldSHA256: nil, newSHA256: shownHash, oldSize: nil, newSize: bytes?.count ?? 0, oldText: nil,
                newText: isSecret ? nil : bytes.flatMap(displayableText), isSecret: isSecret)
            context.append(Change(
                resource: id, action: current == nil ? .create : .update,
                reason: current == nil ? "does not exist" : "a symlink to \(current?.target ?? "?") is in the way",
                fields: fields, content: content,
                operation: .writeFile(
                    path: self.path, bytes: fileBytes ?? .inline(Data()), owner: self.owner, group: self.group,
                    mode: mode)))
            return
        }

        var reasons: [String] = []
        var fields: [FieldChange] = []
        var content: ContentChange?
        if let bytes, current.sha256 != newHash {
            reasons.append("content differs")
            content = ContentChange(
                oldSHA256: isSecret ? nil : current.sha256, newSHA256: shownHash, oldSize: current.size, newSize: bytes.count,
                oldText: isSecret ? nil : current.content.flatMap(displayableText),
                newText: isSecret ? nil : displayableText(bytes), isSecret: isSecret)
        }
        let attributes = context.attributeChanges(
            owner: self.owner, group: self.group, mode: self.mode, current: current, reasons: &reasons, fields: &fields)
        guard !reasons.isEmpty else {
            if isSecret, let sha256 = current.sha256 { planDigestRecord(of: sha256, in: &context) }
            return
        }
        let operation: HostOperation
        if content != nil, let fileBytes {
            // A rewritten file keeps what attributes it had unless told otherwise.
            operation = .writeFile(
                path: self.path, bytes: fileBytes, owner: self.owner ?? current.owner ?? String(current.uid),
                group: self.group ?? current.group ?? String(current.gid), mode: self.mode ?? current.mode)
        } else {
            operation = .setAttributes(path: self.path, owner: attributes.owner, group: attributes.group, mode: attributes.mode)
        }
        context.append(Change(
            resource: id, action: .update, reason: reasons.joined(separator: "; "), fields: fields, content: content,
            operation: operation))
    }
}

extension File {
    /// A secret file found right but whose digest the host does not record as `sha256` (a
    /// record lost, or a host converged before records were kept): the record is made, so
    /// that a drift sweep without the secret can judge the file.
    private func planDigestRecord(of sha256: String, in context: inout PlanContext) {
        let record = context.state.paths[SecretDigestRecord.path(of: path)]
        let wanted = sha256Hex(Data(SecretDigestRecord.content(of: path, sha256: sha256).utf8))
        guard record?.sha256 != wanted else { return }
        context.append(Change(
            resource: id, action: .update,
            reason: record == nil ? "its digest is not recorded on the host" : "its recorded digest is another file's",
            operation: .recordSecretDigest(path: path)))
    }
}

extension File: ControllerFileReading {
    public var controllerFiles: [String] {
        if case .controllerFile(let path)? = content { [path] } else { [] }
    }

    public func reading(_ contents: [String: Data]) -> File {
        guard case .controllerFile(let path)? = content, let data = contents[path] else { return self }
        var file = self
        file.content = .data(data)
        return file
    }
}
