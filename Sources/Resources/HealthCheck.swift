import Foundation

/// How converge tells that a host serves again after a change restarted or reloaded
/// something on it: checked after the host's changes are applied, tried until it passes or
/// its tries run out; a host that stays unhealthy fails, and a rollout in batches
/// (`--serial`) starts no further batch.
///
/// ```swift
/// let web = Role("web") { host in
///     Package("apache2")
///     Service("apache2", reload: true)
/// }
/// .healthChecks { host in
///     [.http(port: 80, path: "/health.php", expecting: "ok")]
/// }
/// ```
///
/// Checks run from the host itself, through converge's SSH connection to it: an HTTP check
/// is a connection the host's sshd opens to the port (as `ssh -L` would), so a service bound
/// to a private interface or to loopback is reached, and nothing beyond sshd is needed on the
/// host; a command check runs like any command converge sends.
public struct HealthCheck: Hashable, Sendable, CustomStringConvertible {
    /// What is asked of the host.
    public enum Probe: Hashable, Sendable {
        /// An HTTP/1.0 `GET` of `path` from `address`:`port` as the host reaches it, answered
        /// with `status` and, when given, a body that holds `body`.
        case http(address: String, port: Int, path: String, hostHeader: String?, status: Int, body: String?)
        /// The same over TLS: sent by `openssl s_client` on the host (the certificate is not
        /// verified: a health check asks whether the service answers, as `curl -k` does).
        case https(address: String, port: Int, path: String, hostHeader: String?, status: Int, body: String?)
        /// A TCP connection to `address`:`port` as the host reaches it, accepted.
        case tcp(address: String, port: Int)
        /// A command that exits 0 when the host is healthy, run through the login shell.
        case command(String)
    }

    public var probe: Probe
    /// How long one try may take.
    public var timeout: Duration
    /// How many times it is tried before the host counts as unhealthy.
    public var tries: Int
    /// How long to wait between two tries.
    public var interval: Duration

    public init(_ probe: Probe, timeout: Duration = .seconds(5), tries: Int = 30, interval: Duration = .seconds(1)) {
        self.probe = probe
        self.timeout = timeout
        self.tries = tries
        self.interval = interval
    }

    /// An HTTP `GET` of `path` on the host's `port` (its loopback by default) that must
    /// answer `status`, with a body that holds `body` when given.
    public static func http(
        port: Int, path: String = "/", address: String = "127.0.0.1", hostHeader: String? = nil, status: Int = 200,
        expecting body: String? = nil, timeout: Duration = .seconds(5), tries: Int = 30, interval: Duration = .seconds(1)
    ) -> HealthCheck {
        HealthCheck(.http(address: address, port: port, path: path, hostHeader: hostHeader, status: status, body: body),
                    timeout: timeout, tries: tries, interval: interval)
    }

    /// A TCP port of the host (its loopback by default) that accepts a connection, e.g.
    /// redis' 6379.
    public static func tcp(
        port: Int, address: String = "127.0.0.1", timeout: Duration = .seconds(5), tries: Int = 30, interval: Duration = .seconds(1)
    ) -> HealthCheck {
        HealthCheck(.tcp(address: address, port: port), timeout: timeout, tries: tries, interval: interval)
    }

    /// An HTTPS `GET` of `path` on the host's `port` (its loopback by default), answered
    /// `status`, with a body that holds `body` when given; `hostHeader` is also the name
    /// asked for in the TLS handshake (SNI). Needs `openssl` on the host.
    public static func https(
        port: Int = 443, path: String = "/", address: String = "127.0.0.1", hostHeader: String? = nil, status: Int = 200,
        expecting body: String? = nil, timeout: Duration = .seconds(5), tries: Int = 30, interval: Duration = .seconds(1)
    ) -> HealthCheck {
        HealthCheck(.https(address: address, port: port, path: path, hostHeader: hostHeader, status: status, body: body),
                    timeout: timeout, tries: tries, interval: interval)
    }

    /// The parts of an HTTP or HTTPS check.
    public struct WebRequest: Hashable, Sendable {
        public var address: String
        public var port: Int
        public var path: String
        public var hostHeader: String?
        public var status: Int
        public var body: String?
        public var tls: Bool
    }

    /// The request of an HTTP or HTTPS check; nil for others.
    public var web: WebRequest? {
        switch probe {
        case .http(let address, let port, let path, let hostHeader, let status, let body):
            WebRequest(address: address, port: port, path: path, hostHeader: hostHeader, status: status, body: body, tls: false)
        case .https(let address, let port, let path, let hostHeader, let status, let body):
            WebRequest(address: address, port: port, path: path, hostHeader: hostHeader, status: status, body: body, tls: true)
        case .tcp, .command: nil
        }
    }

    /// A command that exits 0 when the host is healthy, e.g. `systemctl is-active mariadb`.
    public static func command(
        _ command: String, timeout: Duration = .seconds(5), tries: Int = 30, interval: Duration = .seconds(1)
    ) -> HealthCheck {
        HealthCheck(.command(command), timeout: timeout, tries: tries, interval: interval)
    }

    /// `http://127.0.0.1:80/health.php` or `command: systemctl is-active mariadb`, as reports name it.
    public var description: String {
        switch probe {
        case .http(let address, let port, let path, _, _, _):
            "http://\(address.contains(":") ? "[\(address)]" : address):\(port)\(path)"
        case .https(let address, let port, let path, _, _, _):
            "https://\(address.contains(":") ? "[\(address)]" : address):\(port)\(path)"
        case .tcp(let address, let port):
            "tcp://\(address.contains(":") ? "[\(address)]" : address):\(port)"
        case .command(let command):
            "command: \(command)"
        }
    }

    /// The request an HTTP check sends.
    public var request: String? {
        guard let web else { return nil }
        let host = web.hostHeader ?? (web.address.contains(":") ? "[\(web.address)]" : web.address) + ":\(web.port)"
        return "GET \(web.path) HTTP/1.0\r\nHost: \(host)\r\nUser-Agent: converge-health-check\r\nConnection: close\r\n\r\n"
    }

    /// Whether an HTTP check's `response` passes; nil when it does, else why not (`status
    /// 503, want 200`), as the report shows it.
    public func verdict(onResponse response: String) -> String? {
        guard let status = web?.status else { return nil }
        let body = web?.body
        let head = response.prefix { !$0.isNewline }
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let answered = Int(parts[1]) else {
            return response.isEmpty ? "no answer (the connection closed)" : "not an HTTP answer: \(head.prefix(80))"
        }
        guard answered == status else { return "status \(answered), want \(status)" }
        if let body {
            let content = response.range(of: "\r\n\r\n").map { response[$0.upperBound...] }
                ?? response.range(of: "\n\n").map { response[$0.upperBound...] } ?? ""
            guard content.contains(body) else {
                return "status \(answered), but the body does not hold \(body.debugDescription): \(content.prefix(80).debugDescription)"
            }
        }
        return nil
    }

    /// Checks the values: a port, a path, tries.
    public func validate() throws(HealthCheckError) {
        guard tries >= 1, timeout > .zero, interval >= .zero else {
            throw HealthCheckError(check: description, message: "needs one try or more, a timeout and an interval")
        }
        if let web {
            let (address, port, path, hostHeader, status) = (web.address, web.port, web.path, web.hostHeader, web.status)
            guard (1...65535).contains(port) else { throw HealthCheckError(check: description, message: "port \(port) is not 1 to 65535") }
            guard path.hasPrefix("/"), !(path + address + (hostHeader ?? "")).contains(where: { $0.isWhitespace || $0.isNewline }) else {
                throw HealthCheckError(check: description, message: "needs a path starting with / and no spaces in the path, address or host")
            }
            guard (100...599).contains(status) else { throw HealthCheckError(check: description, message: "status \(status) is not an HTTP status") }
        }
        if case .tcp(let address, let port) = probe {
            guard (1...65535).contains(port) else { throw HealthCheckError(check: description, message: "port \(port) is not 1 to 65535") }
            guard !address.isEmpty, !address.contains(where: { $0.isWhitespace }) else {
                throw HealthCheckError(check: description, message: "needs an address with no spaces")
            }
        }
        if case .command(let command) = probe, command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw HealthCheckError(check: description, message: "has an empty command")
        }
    }
}

/// A health check declared wrong.
public struct HealthCheckError: Error, Hashable, Sendable, CustomStringConvertible {
    public var check: String
    public var message: String

    public var description: String { "health check \(check): \(message)" }
}
