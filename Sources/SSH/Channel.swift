import CLibSSH2
import Foundation

/// What a command printed and how it ended.
public struct CommandResult: Sendable, Equatable {
    /// The command's exit status; -1 when it was killed by a signal.
    public var exitStatus: Int32
    /// The signal that killed the command, e.g. `KILL`, if any.
    public var exitSignal: String?
    public var stdout: Data
    public var stderr: Data

    public init(exitStatus: Int32, exitSignal: String? = nil, stdout: Data, stderr: Data) {
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.stdout = stdout
        self.stderr = stderr
    }

    public var succeeded: Bool { exitStatus == 0 && exitSignal == nil }
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// One SSH channel running one command; freed when dropped.
final class Channel {
    private let raw: OpaquePointer
    private let session: Session

    private init(raw: OpaquePointer, session: Session) {
        self.raw = raw
        self.session = session
    }

    deinit { libssh2_channel_free(raw) }

    /// Runs `command` through the login user's shell, feeding it `input`, and collects both output streams.
    ///
    /// Reading stdout, stderr and writing stdin are interleaved in one loop: a command that
    /// fills one stream's window while we wait on another can never deadlock the session.
    /// - Parameters:
    ///   - silence: How long the host may send nothing at all before it counts as gone (a
    ///     stopped sshd, a cut link that TCP has not noticed); nil waits as long as
    ///     `deadline` allows.
    ///   - onStdout: Called on the session's thread with each piece of standard output as
    ///     it arrives (a script's step reports, while it runs); it must return quickly.
    static func execute(_ command: String, input: Data, on session: Session, until deadline: Deadline,
                        silence: Duration? = nil, onStdout: (@Sendable (Data) -> Void)? = nil) throws -> CommandResult {
        guard let raw = try session.retrying(.exec, until: deadline, { cv_libssh2_channel_open_session(session.raw) }) else {
            throw session.error(.exec, "cannot open a channel")
        }
        let channel = Channel(raw: raw, session: session)
        let bytes = Array(command.utf8)
        let started = try session.retrying(.exec, until: deadline) {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { cv_libssh2_channel_exec(raw, $0.baseAddress, UInt32($0.count)) }
            }
        }
        guard started == 0 else { throw session.error(.exec, "the host refused to start the command", code: started) }
        return try channel.exchange(input: input, deadline: deadline, silence: silence, onStdout: onStdout)
    }

    /// Opens a TCP connection from the host to `host`:`port` (`ssh -L`), sends `input`, half
    /// closes, and returns all it answers until it closes: an HTTP/1.0 exchange with a
    /// service of the host, say, whatever interface it listens on.
    static func forward(to host: String, port: Int, input: Data, on session: Session, until deadline: Deadline) throws -> Data {
        let raw = try session.retrying(.exec, until: deadline) { () -> OpaquePointer? in
            host.withCString { cv_libssh2_channel_direct_tcpip(session.raw, $0, Int32(port)) }
        }
        guard let raw else {
            throw session.error(.exec, "the host did not open a connection to \(host):\(port) for us "
                + "(nothing listening there, or its sshd forbids forwarding: AllowTcpForwarding)")
        }
        // No end of input after the request: some servers take a half-closed connection
        // for a client gone, and answer nothing; an HTTP/1.0 server closes once it answered.
        return try Channel(raw: raw, session: session)
            .exchange(input: input, deadline: deadline, silence: nil, onStdout: nil, endsInput: false).stdout
    }

    /// Opens a connection from the host to `host`:`port` and closes it at once: whether
    /// something accepts connections there (sshd confirms the channel only once its own
    /// connection is made).
    static func connect(to host: String, port: Int, on session: Session, until deadline: Deadline) throws {
        let raw = try session.retrying(.exec, until: deadline) { () -> OpaquePointer? in
            host.withCString { cv_libssh2_channel_direct_tcpip(session.raw, $0, Int32(port)) }
        }
        guard let raw else {
            throw session.error(.exec, "the host did not open a connection to \(host):\(port) for us "
                + "(nothing listening there, or its sshd forbids forwarding: AllowTcpForwarding)")
        }
        let channel = Channel(raw: raw, session: session)
        _ = try session.retrying(.exec, until: deadline) { libssh2_channel_close(channel.raw) }
    }

    private func exchange(input: Data, deadline: Deadline, silence: Duration?,
                          onStdout: (@Sendable (Data) -> Void)?, endsInput: Bool = true) throws -> CommandResult {
        var stdout = Data()
        var stderr = Data()
        do {
            return try exchange(input: input, deadline: deadline, silence: silence, onStdout: onStdout, endsInput: endsInput,
                                stdout: &stdout, stderr: &stderr)
        } catch var error as SSHError {
            // The connection failed while the command ran: what it said so far is kept (an
            // apply script's reports of the steps it made).
            error.partialOutput = CommandResult(exitStatus: -1, stdout: stdout, stderr: stderr)
            throw error
        }
    }

    private func exchange(input: Data, deadline: Deadline, silence: Duration?, onStdout: (@Sendable (Data) -> Void)?,
                          endsInput: Bool, stdout: inout Data, stderr: inout Data) throws -> CommandResult {
        var lastHeard = ContinuousClock.now
        let input = [UInt8](input)
        var written = 0
        var inputClosed = false
        var buffer = [CChar](repeating: 0, count: 64 * 1024)

        while true {
            var progressed = false
            if !inputClosed {
                if written < input.count {
                    let count = input.withUnsafeBufferPointer { all in
                        all.withMemoryRebound(to: CChar.self) {
                            cv_libssh2_channel_write(raw, $0.baseAddress! + written, $0.count - written)
                        }
                    }
                    if count > 0 {
                        written += count
                        progressed = true
                    } else if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN) {
                        // The command exited without reading all of its input: not an error of ours.
                        guard libssh2_channel_eof(raw) != 0 || count == Int(LIBSSH2_ERROR_CHANNEL_CLOSED)
                            || count == Int(LIBSSH2_ERROR_CHANNEL_EOF_SENT) else {
                            throw session.error(.exec, "cannot send input", code: Int32(count))
                        }
                        inputClosed = true
                    }
                }
                if written == input.count && !inputClosed && !endsInput {
                    inputClosed = true
                }
                if written == input.count && !inputClosed {
                    let code = libssh2_channel_send_eof(raw)
                    if code == 0 {
                        inputClosed = true
                        progressed = true
                    } else if code != LIBSSH2_ERROR_EAGAIN {
                        inputClosed = true  // the remote side already closed: nothing left to signal
                    }
                }
            }

            let stdoutBefore = stdout.count
            let outCount = try read(into: &buffer, stderr: false, appendingTo: &stdout)
            if outCount > 0, let onStdout { onStdout(stdout.subdata(in: stdout.startIndex + stdoutBefore..<stdout.endIndex)) }
            let errCount = try read(into: &buffer, stderr: true, appendingTo: &stderr)
            if outCount > 0 || errCount > 0 {
                progressed = true
                lastHeard = .now
            }
            if outCount == 0 && errCount == 0 && libssh2_channel_eof(raw) != 0 { break }
            if !progressed {
                guard let silence else {
                    try session.waitForSocket(.exec, until: deadline)
                    continue
                }
                let quietUntil = lastHeard.advanced(by: silence)
                let wait = deadline.instant.map { min($0, quietUntil) } ?? quietUntil
                do {
                    try session.waitForSocket(.exec, until: Deadline(instant: wait))
                } catch let error as SSHError where error.kind == .timedOut && !deadline.hasPassed {
                    throw SSHError(host: error.host, phase: .exec, kind: .timedOut,
                                   message: "the host sent nothing for \(silence.humanReadable) while the command ran: "
                                       + "its sshd or the network stopped answering", libssh2Code: error.libssh2Code)
                }
            }
        }

        _ = try session.retrying(.exec, until: deadline) { libssh2_channel_close(raw) }
        _ = try session.retrying(.exec, until: deadline) { libssh2_channel_wait_closed(raw) }
        return CommandResult(exitStatus: libssh2_channel_get_exit_status(raw), exitSignal: exitSignal(),
                             stdout: stdout, stderr: stderr)
    }

    /// Reads what is available; returns the byte count, 0 at end of stream, -1 when it would block.
    private func read(into buffer: inout [CChar], stderr: Bool, appendingTo output: inout Data) throws -> Int {
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBufferPointer { chunk in
                stderr ? cv_libssh2_channel_read_stderr(raw, chunk.baseAddress, chunk.count)
                       : cv_libssh2_channel_read(raw, chunk.baseAddress, chunk.count)
            }
            if count > 0 {
                buffer.withUnsafeBytes { output.append(contentsOf: $0.prefix(count)) }
                total += count
                continue
            }
            if count == Int(LIBSSH2_ERROR_EAGAIN) { return total > 0 ? total : -1 }
            if count < 0 { throw session.error(.exec, "lost the connection while reading output", code: Int32(count)) }
            return total
        }
    }

    private func exitSignal() -> String? {
        var name: UnsafeMutablePointer<CChar>?
        var length = 0
        guard libssh2_channel_get_exit_signal(raw, &name, &length, nil, nil, nil, nil) == 0, let name else { return nil }
        defer { libssh2_free(session.raw, name) }
        return length > 0 ? String(cString: name) : nil
    }
}
