import CLibSSH2
import Foundation
import Logging

/// Where to connect: the address and port, and the name errors should use.
public struct SSHTarget: Sendable, Equatable {
    /// The host's name in the inventory, used in every message about it.
    public var name: String
    public var address: String
    public var port: Int

    public init(name: String, address: String, port: Int = 22) {
        self.name = name
        self.address = address
        self.port = port
    }
}

/// How to connect: credentials, host key trust and time limits.
public struct SSHOptions: Sendable {
    public var credentials: SSHCredentials
    public var hostKeyPolicy: HostKeyPolicy
    /// The OpenSSH known_hosts file to check (and, under `.acceptNew`, extend).
    public var knownHostsFile: String
    /// The limit for connecting, the handshake and authentication together.
    public var connectTimeout: Duration
    /// Seconds between keepalive messages while waiting on the host.
    public var keepaliveInterval: UInt32
    /// How long a running command's host may send nothing before it counts as gone: TCP
    /// keepalives do not see a stopped sshd, and see a cut link only after minutes.
    /// converge's own scripts say they are alive every 10 s.
    public var silenceLimit: Duration?

    public init(credentials: SSHCredentials, hostKeyPolicy: HostKeyPolicy = .strict,
                knownHostsFile: String, connectTimeout: Duration = .seconds(10), keepaliveInterval: UInt32 = 15,
                silenceLimit: Duration? = .seconds(60)) {
        self.credentials = credentials
        self.hostKeyPolicy = hostKeyPolicy
        self.knownHostsFile = knownHostsFile
        self.connectTimeout = connectTimeout
        self.keepaliveInterval = keepaliveInterval
        self.silenceLimit = silenceLimit
    }
}

/// An authenticated SSH session to one host, reused for every command of a run.
///
/// All libssh2 work happens on the connection's own thread, one operation at a time,
/// so callers may use it from any task; concurrent calls are queued in order.
public final class SSHConnection: Sendable {
    static let logger = Logger(label: "converge.ssh")

    public let target: SSHTarget
    /// The key the host proved it holds.
    public let hostKey: HostKey
    private let thread: SessionThread
    private let session: SessionBox

    private let silenceLimit: Duration?

    private init(target: SSHTarget, hostKey: HostKey, thread: SessionThread, session: SessionBox, silenceLimit: Duration?) {
        self.target = target
        self.hostKey = hostKey
        self.thread = thread
        self.session = session
        self.silenceLimit = silenceLimit
    }

    deinit {
        let session = session
        thread.submit { session.close() }
        thread.stopAndWait()
    }

    /// Connects, verifies the host key under `options.hostKeyPolicy`, and authenticates.
    public static func connect(to target: SSHTarget, options: SSHOptions) async throws -> SSHConnection {
        let thread = SessionThread(name: "ssh \(target.name)")
        do {
            let (session, key) = try await thread.run {
                let (session, key) = try establish(target, options)
                return (SessionBox(session, host: target.name), key)
            }
            return SSHConnection(target: target, hostKey: key, thread: thread, session: session,
                                 silenceLimit: options.silenceLimit)
        } catch {
            thread.stop()
            throw error
        }
    }

    /// Connects from the host to `host`:`port` as the host reaches them (`ssh -L`), sends
    /// `input`, and returns what the service answers until it closes the connection: an
    /// HTTP/1.0 request to a web server of the host, whatever interface it listens on.
    public func forward(to host: String, port: Int, input: Data, timeout: Duration) async throws -> Data {
        let session = session
        let name = target.name
        Self.logger.debug("\(name): forwarding \(input.count) bytes to \(host):\(port)")
        return try await thread.run {
            try Channel.forward(to: host, port: port, input: input, on: session.get(), until: .after(timeout))
        }
    }

    /// Opens a connection from the host to `host`:`port` and closes it at once; throws when
    /// nothing accepts it there (a TCP health check).
    public func connect(to host: String, port: Int, timeout: Duration) async throws {
        let session = session
        try await thread.run {
            try Channel.connect(to: host, port: port, on: session.get(), until: .after(timeout))
        }
    }

    /// Runs `command` with the login user's shell and returns its output and exit status.
    /// A non-zero exit status is a result, not an error; errors are transport failures.
    ///
    /// - Parameter onStdout: Called with each piece of standard output as it arrives, on the
    ///   connection's thread: it must return quickly (hand the data on, never block).
    public func run(_ command: String, input: Data = Data(), timeout: Duration? = nil,
                    onStdout: (@Sendable (Data) -> Void)? = nil) async throws -> CommandResult {
        let session = session
        let silence = silenceLimit
        let name = target.name
        let shown = command.count > 120 ? command.prefix(120) + "…" : command
        Self.logger.debug("\(name): running \(shown)\(input.isEmpty ? "" : " with \(input.count) bytes on stdin")")
        return try await thread.run {
            let clock = ContinuousClock()
            let started = clock.now
            let result = try Channel.execute(command, input: input, on: session.get(), until: .after(timeout), silence: silence,
                                             onStdout: onStdout)
            Self.logger.debug("\(name): exit status \(result.exitStatus) after \(clock.now - started), \(result.stdout.count) bytes of output")
            return result
        }
    }

    /// Closes the session now rather than when the connection is released.
    public func close() async {
        let session = session
        _ = try? await thread.run { session.close() }
    }

    /// Cuts the connection at once, from any thread: a command running on it ends with a
    /// `disconnected` error (what runs on the host is left to sshd, which hangs it up).
    /// For a second Ctrl-C; ``close()`` is the orderly way.
    public func abort() {
        session.abort()
    }

    private static func establish(_ target: SSHTarget, _ options: SSHOptions) throws -> (Session, HostKey) {
        let deadline = Deadline.after(options.connectTimeout)
        let clock = ContinuousClock()
        var phaseStarted = clock.now
        /// Says at debug level how long the phase that just ended took.
        func phaseDone(_ phase: String) {
            let now = clock.now
            logger.debug("\(target.name): \(phase) in \(now - phaseStarted)")
            phaseStarted = now
        }
        let socket = try Socket.connect(host: target.name, address: target.address, port: target.port,
                                        deadline: deadline, timeout: options.connectTimeout)
        phaseDone("TCP connect to \(target.address) port \(target.port)")
        let session = try Session(host: target.name, socket: socket)
        let knownHosts = try KnownHosts(path: options.knownHostsFile, session: session)
        try session.preferHostKeyTypes(knownHosts.recordedKeyTypes(host: target.address, port: target.port))

        let code = try session.retrying(.handshake, until: deadline) { libssh2_session_handshake(session.raw, session.descriptor) }
        guard code == 0 else { throw session.error(.handshake, "SSH handshake with \(target.address) port \(target.port) failed", code: code) }
        phaseDone("SSH handshake")

        guard let key = HostKey(session: session) else { throw session.error(.hostKey, "the host sent no usable host key") }
        try verify(key, of: target, policy: options.hostKeyPolicy, knownHosts: knownHosts)
        phaseDone("host key \(key.fingerprint) checked")
        try session.authenticate(options.credentials, until: deadline)
        phaseDone("authenticated as \(options.credentials.user)")
        session.enableKeepalive(interval: options.keepaliveInterval)
        return (session, key)
    }

    private static func verify(_ key: HostKey, of target: SSHTarget, policy: HostKeyPolicy, knownHosts: KnownHosts) throws {
        let name = target.port == 22 ? target.address : "[\(target.address)]:\(target.port)"
        func refuse(_ kind: SSHError.Kind, _ message: String) -> SSHError {
            SSHError(host: target.name, phase: .hostKey, kind: kind, message: message)
        }
        if case .pinned(let expected) = policy {
            guard key.fingerprint == expected else {
                throw refuse(.changedHostKey, "the \(key.displayName) key of \(name) has fingerprint \(key.fingerprint), "
                             + "not the pinned \(expected): refusing to connect")
            }
            return
        }
        switch knownHosts.verdict(for: key, host: target.address, port: target.port) {
        case .match:
            return
        case .mismatch:
            throw refuse(.changedHostKey, "REMOTE HOST IDENTIFICATION HAS CHANGED: the \(key.displayName) key of \(name) "
                         + "has fingerprint \(key.fingerprint), which differs from the key recorded in \(knownHosts.path). "
                         + "Someone could be intercepting the connection, or the host was reinstalled; if so, remove "
                         + "the old key with `ssh-keygen -R \(name) -f \(knownHosts.path)`")
        case .notFound:
            guard policy == .acceptNew else {
                throw refuse(.unknownHostKey, "host key of \(name) is not in \(knownHosts.path) "
                             + "(\(key.displayName) key fingerprint is \(key.fingerprint)); refusing under strict host key checking: "
                             + "add it with ssh-keyscan, pin the fingerprint, or use hostKeyPolicy accept-new")
            }
            try KnownHosts.record(key, host: target.address, port: target.port, in: knownHosts.path)
        }
    }
}

/// Holds the session so it can be handed to the connection's thread; only that thread touches it.
/// The session, used on its thread; `abort` may come from any thread, so the socket it
/// shuts down is guarded by a lock against the session's close (and its descriptor's reuse).
private final class SessionBox: @unchecked Sendable {
    private var session: Session?
    private let host: String
    private let lock = NSLock()
    private var aborted = false

    init(_ session: Session, host: String) {
        self.session = session
        self.host = host
    }

    func get() throws -> Session {
        lock.lock()
        defer { lock.unlock() }
        guard let session else {
            throw SSHError(host: host, phase: .exec, kind: .disconnected, message: "the connection was closed")
        }
        guard !aborted else {
            throw SSHError(host: host, phase: .exec, kind: .disconnected, message: "the connection was cut on request")
        }
        return session
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        session = nil
    }

    func abort() {
        lock.lock()
        defer { lock.unlock() }
        aborted = true
        if let session { shutdown(session.descriptor, Int32(SHUT_RDWR)) }
    }
}

extension Session {
    /// Asks the server for a host key of a type known_hosts holds for it first, then the rest,
    /// in OpenSSH's order (ED25519 before ECDSA before RSA), limited to what libssh2 supports.
    func preferHostKeyTypes(_ recorded: [HostKeyType]) throws {
        var supported: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        let count = libssh2_session_supported_algs(raw, LIBSSH2_METHOD_HOSTKEY, &supported)
        guard count > 0, let supported else { return }
        defer { libssh2_free(raw, supported) }
        let available = Set((0..<Int(count)).compactMap { supported[$0].map { String(cString: $0) } })
        let ordered = recorded + HostKeyType.allCases.filter { !recorded.contains($0) }
        let algorithms = ordered.flatMap(\.algorithms).filter(available.contains)
        guard !algorithms.isEmpty else { return }
        let code = libssh2_session_method_pref(raw, LIBSSH2_METHOD_HOSTKEY, algorithms.joined(separator: ","))
        if code != 0 { throw error(.handshake, "cannot set host key preferences", code: code) }
    }
}

extension SSHConnection {
    /// Records the host key this connection verified in an OpenSSH known_hosts file, as
    /// `ssh` would on a first connection, unless the file already trusts it.
    public func recordHostKey(in knownHostsFile: String) async throws {
        let (key, target, session) = (hostKey, target, session)
        try await thread.run {
            let knownHosts = try KnownHosts(path: knownHostsFile, session: session.get())
            if knownHosts.verdict(for: key, host: target.address, port: target.port) != .match {
                try KnownHosts.record(key, host: target.address, port: target.port, in: knownHostsFile)
            }
        }
    }
}
