import Foundation

/// How to connect to one host: the effective result of the built-in defaults,
/// the inventory's top-level `ssh`, the host's groups and the host itself.
///
/// Paths are absolute: relative ones were resolved against the inventory file's
/// directory and `~/` against the home directory.
public struct SSHSettings: Sendable, Hashable {
    /// The login user (`user`). Default: `root`.
    public var user: String
    /// The TCP port (`port`). Default: 22.
    public var port: Int
    /// Private key files to try, in order (`identityFile`).
    ///
    /// Default: empty, meaning the inventory names none and the caller should try
    /// whichever of `~/.ssh/id_ed25519`, `~/.ssh/id_ecdsa` and `~/.ssh/id_rsa` exist.
    public var identityFiles: [String]
    /// The environment variable holding the passphrase of the key files
    /// (`passphraseEnv`). Default: none.
    public var passphraseEnvironmentVariable: String?
    /// The environment variable holding the login password (`passwordEnv`).
    /// Default: none.
    public var passwordEnvironmentVariable: String?
    /// Whether to try keys from ssh-agent (`agent`). Default: `true`.
    public var usesAgent: Bool
    /// The known_hosts file to check and, with ``HostKeyPolicy/acceptNew``, extend
    /// (`knownHosts`). Default: `~/.ssh/known_hosts`.
    public var knownHostsFile: String
    /// What to do with a host key that is not in ``knownHostsFile`` (`hostKeyPolicy`).
    /// Default: ``HostKeyPolicy/strict``.
    public var hostKeyPolicy: HostKeyPolicy
    /// The pinned host key (`fingerprint`, host level only). When set, the
    /// host's key must match it. Default: none.
    public var fingerprint: HostKeyFingerprint?
    /// How long to wait for the TCP connection and SSH handshake (`connectTimeout`,
    /// in seconds). Default: 10 seconds.
    public var connectTimeout: Duration
    /// Whether to run commands through sudo (`sudo`). Reserved: parsed and
    /// validated, not yet acted on. Default: `false`.
    public var usesSudo: Bool
    /// The environment variable holding the sudo password (`sudoPasswordEnv`).
    /// Reserved like ``usesSudo``. Default: none.
    public var sudoPasswordEnvironmentVariable: String?

    /// Creates settings from every value.
    public init(
        user: String, port: Int, identityFiles: [String],
        passphraseEnvironmentVariable: String?, passwordEnvironmentVariable: String?,
        usesAgent: Bool, knownHostsFile: String, hostKeyPolicy: HostKeyPolicy,
        fingerprint: HostKeyFingerprint?, connectTimeout: Duration,
        usesSudo: Bool, sudoPasswordEnvironmentVariable: String?
    ) {
        self.user = user
        self.port = port
        self.identityFiles = identityFiles
        self.passphraseEnvironmentVariable = passphraseEnvironmentVariable
        self.passwordEnvironmentVariable = passwordEnvironmentVariable
        self.usesAgent = usesAgent
        self.knownHostsFile = knownHostsFile
        self.hostKeyPolicy = hostKeyPolicy
        self.fingerprint = fingerprint
        self.connectTimeout = connectTimeout
        self.usesSudo = usesSudo
        self.sudoPasswordEnvironmentVariable = sudoPasswordEnvironmentVariable
    }

    /// The built-in defaults, which every inventory starts from.
    ///
    /// - Parameter homeDirectory: The directory `~` stands for, used for the
    ///   default known_hosts file.
    public static func defaults(homeDirectory: String) -> SSHSettings {
        SSHSettings(
            user: "root", port: 22, identityFiles: [],
            passphraseEnvironmentVariable: nil, passwordEnvironmentVariable: nil,
            usesAgent: true,
            knownHostsFile: normalizedPath(homeDirectory + "/.ssh/known_hosts"),
            hostKeyPolicy: .strict, fingerprint: nil, connectTimeout: .seconds(10),
            usesSudo: false, sudoPasswordEnvironmentVariable: nil)
    }

    /// Replaces every setting `overrides` sets. A list of identity files replaces
    /// the current list rather than adding to it.
    public mutating func apply(_ overrides: SSHOverrides) {
        if let user = overrides.user { self.user = user }
        if let port = overrides.port { self.port = port }
        if let identityFiles = overrides.identityFiles { self.identityFiles = identityFiles }
        if let name = overrides.passphraseEnvironmentVariable { passphraseEnvironmentVariable = name }
        if let name = overrides.passwordEnvironmentVariable { passwordEnvironmentVariable = name }
        if let usesAgent = overrides.usesAgent { self.usesAgent = usesAgent }
        if let knownHostsFile = overrides.knownHostsFile { self.knownHostsFile = knownHostsFile }
        if let hostKeyPolicy = overrides.hostKeyPolicy { self.hostKeyPolicy = hostKeyPolicy }
        if let fingerprint = overrides.fingerprint { self.fingerprint = fingerprint }
        if let connectTimeout = overrides.connectTimeout { self.connectTimeout = connectTimeout }
        if let usesSudo = overrides.usesSudo { self.usesSudo = usesSudo }
        if let name = overrides.sudoPasswordEnvironmentVariable { sudoPasswordEnvironmentVariable = name }
    }
}

/// The settings one `ssh` object (top level, group or host) sets; `nil` means
/// "not set here", so an earlier level's value stays.
public struct SSHOverrides: Sendable, Hashable {
    /// `user`.
    public var user: String?
    /// `port`.
    public var port: Int?
    /// `identityFile`, as absolute paths; a single string becomes a one-element list.
    public var identityFiles: [String]?
    /// `passphraseEnv`.
    public var passphraseEnvironmentVariable: String?
    /// `passwordEnv`.
    public var passwordEnvironmentVariable: String?
    /// `agent`.
    public var usesAgent: Bool?
    /// `knownHosts`, as an absolute path.
    public var knownHostsFile: String?
    /// `hostKeyPolicy`.
    public var hostKeyPolicy: HostKeyPolicy?
    /// `fingerprint`; only ever set on a host.
    public var fingerprint: HostKeyFingerprint?
    /// `connectTimeout`.
    public var connectTimeout: Duration?
    /// `sudo`.
    public var usesSudo: Bool?
    /// `sudoPasswordEnv`.
    public var sudoPasswordEnvironmentVariable: String?

    /// Overrides that set nothing.
    public init() {}
}

/// What to do when a host presents a key that the known_hosts file does not list.
public enum HostKeyPolicy: String, Sendable, Hashable, CaseIterable {
    /// Refuse to connect (`"strict"`).
    case strict
    /// Trust the key on first connection and add it to the known_hosts file
    /// (`"accept-new"`); a key that differs from a listed one is still refused.
    case acceptNew = "accept-new"
}

/// A pinned host key, written as OpenSSH prints it: `SHA256:` followed by the
/// unpadded base64 of the key's SHA-256 digest (`ssh-keygen -lf key.pub`).
public struct HostKeyFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The 32-byte SHA-256 digest of the host's public key blob, the value to
    /// compare with what the SSH library computes for the presented key.
    public let sha256Digest: [UInt8]

    /// Parses `SHA256:<43 base64 characters>`; nil if `text` is anything else
    /// (padding, another hash, a wrong length or non-canonical base64).
    public init?(_ text: String) {
        let prefix = "SHA256:"
        guard text.hasPrefix(prefix) else { return nil }
        let encoded = String(text.dropFirst(prefix.count))
        // 32 bytes are 43 base64 characters once the one '=' of padding is dropped.
        guard encoded.utf8.count == 43,
              let data = Data(base64Encoded: encoded + "="),
              data.count == 32,
              data.base64EncodedString() == encoded + "="
        else { return nil }
        sha256Digest = Array(data)
    }

    /// A fingerprint from a SHA-256 digest; nil unless it is 32 bytes long.
    public init?(sha256Digest: [UInt8]) {
        guard sha256Digest.count == 32 else { return nil }
        self.sha256Digest = sha256Digest
    }

    /// `SHA256:` and the unpadded base64 digest, as OpenSSH prints it.
    public var description: String {
        var encoded = Data(sha256Digest).base64EncodedString()
        while encoded.hasSuffix("=") { encoded.removeLast() }
        return "SHA256:" + encoded
    }
}

/// `path` with empty and `.` components removed. `..` is kept: resolving it
/// without the file system could be wrong when a component is a symbolic link.
func normalizedPath(_ path: String) -> String {
    let components = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    let joined = components.joined(separator: "/")
    return path.hasPrefix("/") ? "/" + joined : joined
}
