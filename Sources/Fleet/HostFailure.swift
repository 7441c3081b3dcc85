import SSH

/// Why a host could not be worked on: the phase that failed and the cause, ready to print.
public struct HostFailure: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    public var host: String
    /// `connect`, `host key`, `auth`, `exec`, `facts`, `config`, ...
    public var phase: String
    public var message: String
    /// True when the host could not be reached at all (as opposed to refusing or failing).
    public var unreachable: Bool

    public init(host: String, phase: String, message: String, unreachable: Bool = false) {
        self.host = host
        self.phase = phase
        self.message = message
        self.unreachable = unreachable
    }

    /// Classifies any error thrown while working on `host`.
    public init(_ error: any Error, host: String) {
        switch error {
        case let failure as HostFailure:
            self = failure
        case let lost as ApplyConnectionLost:
            self.init(lost.cause, host: host)
        case let ssh as SSHError:
            self.init(host: ssh.host, phase: ssh.phase.rawValue, message: ssh.message,
                      unreachable: [.unreachable, .timedOut, .disconnected].contains(ssh.kind))
        default:
            self.init(host: host, phase: "error", message: String(describing: error))
        }
    }

    /// "unreachable: connect: ..." or "auth: ...", without the host name (tables show it already).
    public var headline: String { (unreachable ? "unreachable: " : "") + "\(phase): \(message)" }

    public var description: String { "\(host): \(headline)" }
}
