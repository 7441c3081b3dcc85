import Foundation

/// One thing a plan does to a host.
public struct Change: Codable, Hashable, Sendable {
    /// What kind of change it is, as the plan shows it.
    public enum Action: String, Codable, Sendable {
        case create, update, remove, run, restart, reload
        /// The host reboots (``Reboot``).
        case reboot
    }

    /// The resource changed; `apt:update` for the refresh of apt's lists.
    public var resource: ResourceID
    public var action: Action
    /// Why, e.g. `not installed`, `version 1.0-1, want 2.0-1`, `mode 0644, want 0640`,
    /// `notified by file:/etc/x`.
    public var reason: String
    /// The attributes that change.
    public var fields: [FieldChange]
    /// A file's content change, when its content changes.
    public var content: ContentChange?
    /// What the apply script does.
    public var operation: HostOperation
    /// What this change notifies, by their ``NotifiableResource/pendingName`` (a service's
    /// unit): marked as pending on the host as soon as it is made, until the restart (or
    /// reboot) is done, so a run cut off in between is finished next time.
    public var notifies: [String]

    public init(
        resource: ResourceID, action: Action, reason: String, fields: [FieldChange] = [],
        content: ContentChange? = nil, operation: HostOperation, notifies: [String] = []
    ) {
        self.resource = resource
        self.action = action
        self.reason = reason
        self.fields = fields
        self.content = content
        self.operation = operation
        self.notifies = notifies
    }
}

/// One attribute's change: `mode` `0644` → `0640`. Nil old means it had none (or the
/// resource did not exist); nil new means it goes away.
public struct FieldChange: Codable, Hashable, Sendable {
    public var field: String
    public var old: String?
    public var new: String?

    public init(_ field: String, old: String?, new: String?) {
        self.field = field
        self.old = old
        self.new = new
    }
}

/// A file content change, for showing. Texts are there only when both sides are text
/// (UTF-8 without NUL) and not secret; otherwise only hashes and sizes are.
public struct ContentChange: Codable, Hashable, Sendable {
    /// The current content's SHA-256; nil when the file does not exist, and for a secret
    /// (whose current content's plain hash would give the old secret away).
    public var oldSHA256: String?
    /// The wanted content's SHA-256; for a secret, its keyed digest (``PlanKey``).
    public var newSHA256: String
    public var oldSize: Int?
    public var newSize: Int
    /// The current text; nil when the file is missing, binary, secret, or was too large to fetch.
    public var oldText: String?
    /// The wanted text; nil when binary or secret.
    public var newText: String?
    /// Whether the wanted content is a secret (then neither text is ever kept).
    public var isSecret: Bool
    /// The file, when the change's operation does not name it (an edit in a script).
    public var path: String?

    public init(
        oldSHA256: String?, newSHA256: String, oldSize: Int?, newSize: Int, oldText: String?, newText: String?,
        isSecret: Bool, path: String? = nil
    ) {
        self.oldSHA256 = oldSHA256
        self.newSHA256 = newSHA256
        self.oldSize = oldSize
        self.newSize = newSize
        self.oldText = oldText
        self.newText = newText
        self.isSecret = isSecret
        self.path = path
    }
}

/// Bytes a file operation writes: inline, or text with secrets (their sources only) and
/// the keyed digest of the whole (``PlanKey``), rendered again on the controller when
/// the apply script is made.
public enum FileBytes: Codable, Hashable, Sendable {
    case inline(Data)
    case secret(text: SecretText, digest: String, size: Int)

    private enum CodingKeys: String, CodingKey { case base64, secretText, digest, size }

    // {"base64": "..."}, or {"secretText": {"parts": [...]}, "digest": "...", "size": 12}.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try container.decodeIfPresent(SecretText.self, forKey: .secretText) {
            self = .secret(
                text: text, digest: try container.decode(String.self, forKey: .digest),
                size: try container.decode(Int.self, forKey: .size))
        } else {
            self = .inline(try container.decode(Data.self, forKey: .base64))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .inline(let data): try container.encode(data, forKey: .base64)
        case .secret(let text, let digest, let size):
            try container.encode(text, forKey: .secretText)
            try container.encode(digest, forKey: .digest)
            try container.encode(size, forKey: .size)
        }
    }
}

/// What the apply script does for a ``Change``; every value is shell-quoted when it
/// becomes a command (see ``ShellCommands``).
public enum HostOperation: Codable, Hashable, Sendable {
    /// `apt-get update`, then touch apt's update stamp.
    case refreshPackageLists
    /// Install `name`, or `name=version`; `allowDowngrade` for an exact version below the installed one.
    case installPackage(name: String, version: String?, allowDowngrade: Bool)
    /// Upgrade the installed `name` to `version` (apt's candidate when nil) in the host's apt
    /// transaction, keeping apt's mark of it (installed by hand, or as a dependency); then
    /// restart the services still running code of a library the transaction replaced.
    case upgradePackage(name: String, version: String?)
    /// Remove `name` (keeping its configuration files).
    case removePackage(name: String)
    /// Upgrade the host from Debian release `from` to the next, `to`: its apt sources
    /// rewritten (the old ones kept in `/var/backups/converge`), then `apt-get upgrade`
    /// (nothing new installed, nothing removed) and `full-upgrade`, keeping the host's own
    /// configuration files.
    case upgradeRelease(from: String, to: String)
    /// dpkg's selection of `name` (`dpkg --set-selections`): `hold` keeps apt from changing
    /// it, or the hold released (`install`). It joins the apt transaction of its step:
    /// holds are released before it, and made after it; an install of a package held
    /// in the same step is let through the hold (`APT::Get::allow-change-held-packages`,
    /// `force-yes` on jessie's apt 1.0, which knows no other way).
    case holdPackage(name: String, hold: Bool)
    /// Write `bytes` to `path` atomically with the given attributes.
    case writeFile(path: String, bytes: FileBytes, owner: String?, group: String?, mode: UInt16)
    /// Record the SHA-256 the secret file at `path` has on the host, for drift sweeps
    /// (``SecretDigestRecord``); worked out on the host, so no plan holds it.
    case recordSecretDigest(path: String)
    /// `chown`/`chmod` what is given; nil leaves it.
    case setAttributes(path: String, owner: String?, group: String?, mode: UInt16?)
    /// `mkdir -p`, then the attributes given.
    case makeDirectory(path: String, owner: String?, group: String?, mode: UInt16?)
    /// Point a symbolic link at `target`, replacing what is at `path` atomically.
    case makeSymlink(path: String, target: String)
    /// `rm -f`, or `rm -rf` when `recursive`.
    case removePath(path: String, recursive: Bool)
    case createUser(name: String, uid: Int?, group: String?, groups: [String], home: String?, shell: String?, system: Bool)
    /// `usermod` with what is given; `addGroups` are appended (`-a -G`).
    case modifyUser(name: String, uid: Int?, group: String?, addGroups: [String], home: String?, shell: String?)
    case removeUser(name: String)
    case createGroup(name: String, gid: Int?, system: Bool)
    case modifyGroup(name: String, gid: Int)
    case removeGroup(name: String)
    /// `systemctl VERB unit` for each verb in order: `enable`, `disable`, `start`, `stop`,
    /// `restart`, `reload`.
    case systemctl(unit: String, verbs: [String])
    /// `sh -c command`, unless a guard holds when it is about to run; tried `retries` more
    /// times, `delay` seconds apart, while it fails.
    case runCommand(command: String, creates: String?, unless: String?, retries: Int, delay: Int)
    /// `systemctl daemon-reload`: systemd rereads unit files that changed.
    case reloadSystemd
    /// Brings a unit to the wanted state from whatever state it is in when the step runs:
    /// unmasked if it must run or be enabled, enabled or disabled, a failed unit reset and
    /// started, a running one stopped; nil leaves that side alone. Fails when the unit
    /// does not stay active (naming systemd's reason: a failed condition, its result).
    /// With `refresh` (`restart` or `reload`), a unit that is already running when the step
    /// runs is restarted or reloaded: its package started it before its configuration changed.
    case ensureService(unit: String, running: Bool?, enabled: Bool?, refresh: String?)
    /// A resource type's own POSIX `sh`, run as the step: with `set -e`, as root, standard
    /// input from /dev/null, under the step timeout. It must run on jessie's dash as on
    /// trixie's, and be safe to run again.
    case shell(String)
    /// Reboots the host (`systemctl reboot`) once the apply script has ended, clearing the
    /// notification `pending` on it (a ``NotifiableResource/pendingName``); the controller
    /// waits up to `timeout` seconds for the host to come back (its boot ID changed) and
    /// runs the steps after this one in a new script.
    case reboot(pending: String, timeout: Int)
}

/// Why a host cannot be planned.
public enum PlanError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two resources with one ID (or one path); the descriptions name both.
    case duplicate(ResourceID, first: String, second: String)
    /// A dependency cycle, each resource requiring the next, ending where it began.
    case cycle([ResourceID])
    /// A resource requires or notifies one the host does not declare.
    case unknownDependency(ResourceID, ResourceID)
    /// A resource notifies one that cannot be notified (not a ``NotifiableResource``).
    case notifiesNonService(ResourceID, ResourceID)
    /// A resource's own values are wrong.
    case invalid(ResourceID, String)
    /// The host has something in the way, e.g. a directory where a file should be.
    case conflict(ResourceID, String)
    /// A secret was not resolved (or resolves to other bytes than the plan saw).
    case secret(ResourceID?, Secret.Source, String)
    /// The facts lack what the resource needs: the state was not made for these resources.
    case missingFacts(ResourceID)
    /// A fact the resource asked for could not be read: its command failed, or printed
    /// what the fact does not read.
    case unreadableFacts(ResourceID, String)

    /// One line: IDs are ``ResourceID/shown`` (a newline in a path is written `\n`).
    public var description: String {
        switch self {
        case .duplicate(let id, let first, let second):
            "duplicate resource \(id.shown): \(first) and \(second)"
        case .cycle(let ids):
            "dependency cycle: " + ids.map(\.shown).joined(separator: " -> ")
        case .unknownDependency(let id, let other):
            "\(id.shown) depends on \(other.shown), which this host does not declare"
        case .notifiesNonService(let id, let other):
            "\(id.shown) notifies \(other.shown), which is not a service or a reboot"
        case .invalid(let id, let message):
            "\(id.shown): \(message)"
        case .conflict(let id, let message):
            "\(id.shown): \(message)"
        case .secret(let id, let source, let message):
            (id.map { "\($0.shown): " } ?? "") + "secret from \(source): \(message)"
        case .missingFacts(let id):
            "\(id.shown): no facts gathered for it"
        case .unreadableFacts(let id, let message):
            "\(id.shown): \(message)"
        }
    }
}

extension Change {
    /// The path of the file whose content changes, as a diff names it: the file written,
    /// which for a resource made of a file (a kernel setting) is not its name.
    public var contentPath: String {
        if let path = content?.path { return path }
        if case .writeFile(let path, _, _, _, _) = operation { return path }
        return resource.name
    }
}

extension ResourceID {
    /// The ID as messages show it: `kind:name`, with a name holding control characters (a
    /// newline in a path, say) quoted and escaped, `file:"/srv/a\nb"`, so that a message
    /// about it stays on one line and shows what is wrong.
    public var shown: String {
        name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } ? "\(kind):\(name.debugDescription)" : description
    }
}
