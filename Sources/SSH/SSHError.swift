/// The step of talking to a host that failed, so an operator knows where to look.
public enum SSHPhase: String, Sendable, Codable {
    case resolve = "resolve"
    case connect = "connect"
    case handshake = "handshake"
    case hostKey = "host key"
    case authentication = "auth"
    case exec = "exec"
    case upload = "upload"
}

/// Every failure of the SSH transport: which host, which phase, and why.
///
/// `libssh2Code` carries libssh2's error number when the cause came from libssh2,
/// so callers can tell a timeout from a refusal without parsing text.
public struct SSHError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Nothing answered, or the connection was refused or reset.
        case unreachable
        /// The operation did not finish before its deadline.
        case timedOut
        /// The host key is not in known_hosts and the policy does not allow adding it.
        case unknownHostKey
        /// The host key differs from the one recorded or pinned: possibly an attack.
        case changedHostKey
        /// Every configured credential was refused.
        case authenticationFailed
        /// The session broke while in use (peer closed, socket error).
        case disconnected
        /// Anything else libssh2 or the target reported.
        case failed
    }

    public var host: String
    public var phase: SSHPhase
    public var kind: Kind
    public var message: String
    public var libssh2Code: Int32?
    /// What the command had sent before the connection failed under it (its standard output
    /// and error so far; no exit status), when the failure came while a command ran.
    public var partialOutput: CommandResult?

    public init(host: String, phase: SSHPhase, kind: Kind, message: String, libssh2Code: Int32? = nil) {
        self.host = host
        self.phase = phase
        self.kind = kind
        self.message = message
        self.libssh2Code = libssh2Code
    }

    public var description: String { "\(host): \(phase.rawValue): \(message)" }
}
