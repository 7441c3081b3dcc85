import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libssh2 must be initialised once per process before any session exists.
private let libssh2Initialized: Int32 = libssh2_init(0)

/// One libssh2 session over one socket, driven non-blocking.
///
/// Confined to a single thread (its `SessionThread`): libssh2 sessions are not thread-safe.
/// Every call that would block waits on the socket with `poll(2)` until its deadline,
/// sending keepalives while it waits, so a dead peer or a stuck command surfaces as an error.
final class Session {
    /// The host's name as the operator knows it, for error messages.
    let host: String
    let raw: OpaquePointer
    private let socket: Socket

    init(host: String, socket: Socket) throws {
        guard libssh2Initialized == 0, let raw = cv_libssh2_session_init() else {
            throw SSHError(host: host, phase: .handshake, kind: .failed, message: "libssh2 could not create a session")
        }
        self.host = host
        self.raw = raw
        self.socket = socket
        libssh2_session_set_blocking(raw, 0)
    }

    deinit {
        // Best effort: a polite disconnect never blocks teardown.
        _ = cv_libssh2_session_disconnect(raw, "converge done")
        libssh2_session_free(raw)
    }

    var descriptor: Int32 { socket.descriptor }

    /// Whether waits send keepalives: only once the session is established, since a
    /// keepalive request in the middle of the key exchange breaks it.
    private var sendsKeepalives = false

    /// Sends keepalives every `interval` seconds while the established session waits on the network.
    func enableKeepalive(interval: UInt32) {
        libssh2_keepalive_config(raw, 1, interval)
        sendsKeepalives = true
    }

    /// Calls `body` until it stops answering `LIBSSH2_ERROR_EAGAIN`, waiting for the socket between tries.
    func retrying(_ phase: SSHPhase, until deadline: Deadline, _ body: () -> Int32) throws -> Int32 {
        while true {
            let code = body()
            if code != LIBSSH2_ERROR_EAGAIN { return code }
            try waitForSocket(phase, until: deadline)
        }
    }

    /// Like `retrying`, for calls that return a pointer and signal "would block" through the session.
    func retrying<T>(_ phase: SSHPhase, until deadline: Deadline, _ body: () -> T?) throws -> T? {
        while true {
            if let value = body() { return value }
            guard libssh2_session_last_errno(raw) == LIBSSH2_ERROR_EAGAIN else { return nil }
            try waitForSocket(phase, until: deadline)
        }
    }

    /// Blocks until the socket is ready in the direction libssh2 is waiting for, or throws at the deadline.
    func waitForSocket(_ phase: SSHPhase, until deadline: Deadline) throws {
        if deadline.hasPassed { throw timeout(phase) }
        var secondsToNextKeepalive: Int32 = 0
        if sendsKeepalives, libssh2_keepalive_send(raw, &secondsToNextKeepalive) != 0 { secondsToNextKeepalive = 0 }

        let directions = libssh2_session_block_directions(raw)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        if events == 0 { events = Int16(POLLIN) }

        var pfd = pollfd(fd: socket.descriptor, events: events, revents: 0)
        let cap: Int32? = secondsToNextKeepalive > 0 ? secondsToNextKeepalive * 1000 : nil
        let ready = poll(&pfd, 1, deadline.pollTimeout(cappedAt: cap))
        if ready < 0 && errno != EINTR {
            throw SSHError(host: host, phase: phase, kind: .disconnected, message: "poll(): \(errnoText())")
        }
        if ready == 0 && deadline.hasPassed { throw timeout(phase) }
    }

    /// libssh2's own description of its last error, e.g. "Unable to send FXP_OPEN*".
    var lastError: (code: Int32, message: String) {
        var buffer: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(raw, &buffer, &length, 0)
        let message = buffer.map { String(cString: $0) } ?? ""
        return (code, message.isEmpty ? "libssh2 error \(code)" : message)
    }

    /// Turns libssh2's last error into an `SSHError` for `phase`, classifying network failures.
    func error(_ phase: SSHPhase, _ context: String, code: Int32? = nil) -> SSHError {
        let (lastCode, message) = lastError
        let code = code ?? lastCode
        let kind: SSHError.Kind
        switch code {
        case LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND,
             LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_BANNER_SEND:
            kind = .disconnected
        case LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_SOCKET_TIMEOUT:
            kind = .timedOut
        default:
            kind = .failed
        }
        return SSHError(host: host, phase: phase, kind: kind, message: "\(context): \(message)", libssh2Code: code)
    }

    private func timeout(_ phase: SSHPhase) -> SSHError {
        SSHError(host: host, phase: phase, kind: .timedOut, message: "timed out waiting for the host",
                 libssh2Code: LIBSSH2_ERROR_TIMEOUT)
    }
}
