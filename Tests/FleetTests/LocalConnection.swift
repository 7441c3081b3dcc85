import Fleet
import Foundation
import Inventory
import SSH

/// A "host" that is this machine: commands run in a local `/bin/sh`, and ``abort()``
/// stops them with everything they started (the command's error then carries what it had
/// printed, as a lost SSH connection's does). What converge
/// does over SSH, minus SSH: for testing runs, interruptions and reports.
final class LocalConnection: HostConnection, @unchecked Sendable {
    /// PATH for the commands, e.g. with a stand-in sudo first; the process's own when nil.
    private let path: String?
    private let lock = NSLock()
    private var running: Set<pid_t> = []
    private var aborted = false

    init(path: String? = nil) {
        self.path = path
    }

    func run(_ command: String, input: Data, timeout: Duration?,
             onStdout: (@Sendable (Data) -> Void)?) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try self.runBlocking(command, input: input, onStdout: onStdout) })
            }
        }
    }

    private func runBlocking(_ command: String, input: Data, onStdout: (@Sendable (Data) -> Void)?) throws -> CommandResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("local-connection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stdin = directory.appendingPathComponent("in"), stdout = directory.appendingPathComponent("out")
        let stderr = directory.appendingPathComponent("err")
        try input.write(to: stdin)
        FileManager.default.createFile(atPath: stdout.path, contents: nil)
        FileManager.default.createFile(atPath: stderr.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        if let path { process.environment = ProcessInfo.processInfo.environment.merging(["PATH": path]) { $1 } }
        process.standardInput = try FileHandle(forReadingFrom: stdin)
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        lock.lock()
        if aborted {
            lock.unlock()
            throw SSHError(host: "local", phase: .exec, kind: .disconnected, message: "the connection was cut on request")
        }
        try process.run()
        running.insert(process.processIdentifier)
        lock.unlock()
        // What the command prints, handed on as it comes, as an SSH channel does.
        let reader = try FileHandle(forReadingFrom: stdout)
        defer { try? reader.close() }
        while process.isRunning {
            if let onStdout, let data = try reader.readToEnd(), !data.isEmpty { onStdout(data) }
            // A process forked while abort() walked the tree escaped it: kill again until all are gone.
            if lock.withLock({ aborted }) { killRunning() }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()
        if let onStdout, let data = try reader.readToEnd(), !data.isEmpty { onStdout(data) }
        lock.lock()
        running.remove(process.processIdentifier)
        let wasAborted = aborted
        lock.unlock()
        if wasAborted {
            // As SSHConnection does: what the command printed until the cut comes with the error.
            var error = SSHError(host: "local", phase: .exec, kind: .disconnected, message: "lost the connection while reading output")
            error.partialOutput = CommandResult(exitStatus: -1, stdout: try Data(contentsOf: stdout), stderr: try Data(contentsOf: stderr))
            throw error
        }
        let signal = process.terminationReason == .uncaughtSignal ? "\(process.terminationStatus)" : nil
        return CommandResult(exitStatus: signal == nil ? process.terminationStatus : -1, exitSignal: signal,
                             stdout: try Data(contentsOf: stdout), stderr: try Data(contentsOf: stderr))
    }

    /// The tests run over local connections check locks, interruptions and sudo, none a
    /// service of the host: a forward here is a test's mistake, and says so.
    func forward(to host: String, port: Int, input: Data, timeout: Duration) async throws -> Data {
        throw SSHError(host: "localhost", phase: .exec, kind: .failed, message: "LocalConnection forwards nothing (\(host):\(port))")
    }

    func connect(to host: String, port: Int, timeout: Duration) async throws {
        throw SSHError(host: "localhost", phase: .exec, kind: .failed, message: "LocalConnection connects nowhere (\(host):\(port))")
    }

    func close() async {}

    /// Kills the running commands and every process they started (a step under `timeout`
    /// has a process group of its own, so the whole tree is walked).
    func abort() {
        lock.withLock { aborted = true }
        killRunning()
    }

    private func killRunning() {
        lock.lock()
        defer { lock.unlock() }
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // Fields after "(comm)": state ppid …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(pid) }
        }
        var pending = Array(running)
        while let pid = pending.popLast() {
            kill(pid, SIGKILL)
            pending += children[pid] ?? []
        }
    }
}

/// Connects every host to this machine.
struct LocalConnector: HostConnecting {
    func connection(to host: Inventory.Host) async throws -> any HostConnection { LocalConnection() }
}

/// A scratch directory removed when the test ends.
final class Scratch: Sendable {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-tests-\(UUID().uuidString)").path
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
