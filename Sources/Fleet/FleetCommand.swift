import Foundation
import Inventory
import SSH

/// One ad hoc command run on many hosts at once, as `converge exec` does (Ansible's
/// `ansible all -a`, pyinfra's `exec`): every host answers on its own, a host that
/// cannot be reached does not stop the others.
public struct FleetCommand: Sendable {
    public let command: String
    private let connector: any HostConnecting

    public init(_ command: String, connector: any HostConnecting = HostConnector()) {
        self.command = command
        self.connector = connector
    }

    /// Runs the command on every host with `runner`; each host's value is what the
    /// command printed and how it ended (also told as an ``FleetEvent/output(host:output:)`` event).
    public func run(on hosts: [Inventory.Host], with runner: FleetRunner) async -> FleetResult<CommandOutput> {
        await runner.run("exec", hosts: hosts) { [command, connector] run in
            run.enter(.connect)
            let connection = try await connector.connection(to: run.host)
            run.track(connection)
            run.enter(.exec)
            let result: CommandResult
            do {
                result = try await connection.run(command, input: Data(), timeout: nil)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
            let output = CommandOutput(result)
            run.emit(.output(host: run.host.name, output: output))
            return HostResult(status: result.succeeded ? .ok : .failed, value: output)
        }
    }

    /// Each host's output, its lines prefixed with the host's name, then a summary line:
    ///
    /// ```
    /// web1: up 3 days
    /// web2: exit status 1: no such file
    /// db1: unreachable: connect: no answer from 192.0.2.5 port 22 within 10 s
    /// 3 host(s): 1 succeeded, 1 failed, 1 unreachable in 0.42 s
    /// ```
    public static func report(_ result: FleetResult<CommandOutput>) -> String {
        var text = ""
        for host in result.hosts {
            if let output = host.value {
                text += ExecLog.lines(of: output).map { "\(host.host): \($0)\n" }.joined()
            } else if let failure = host.report.failure {
                text += "\(host.host): \(failure.headline)\n"
            }
        }
        return text + summary(result.report)
    }

    /// `3 host(s): 1 succeeded, 1 failed, 1 unreachable in 0.42 s`
    public static func summary(_ report: RunReport) -> String {
        let succeeded = report.count(.ok), unreachable = report.count(.unreachable)
        return "\(report.hosts.count) host(s): \(succeeded) succeeded, \(report.hosts.count - succeeded - unreachable) failed, "
            + "\(unreachable) unreachable in \(formattedSeconds(report.seconds))\n"
    }
}

extension CommandOutput {
    public init(_ result: CommandResult) {
        self.init(stdout: result.stdoutText, stderr: result.stderrText, exitStatus: result.exitStatus, signal: result.exitSignal)
    }

    public var succeeded: Bool { exitStatus == 0 && signal == nil }
}

/// How `converge exec` shows what a command printed on one host.
enum ExecLog {
    /// Its standard output line by line; then, when it failed, how it ended and its
    /// standard error; when it succeeded, its standard error's lines.
    static func lines(of output: CommandOutput) -> [String] {
        var lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast(output.stdout.hasSuffix("\n") ? 1 : 0).map(String.init)
        if output.stdout.isEmpty { lines = [] }
        let stderr = output.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if !output.succeeded {
            let how = output.signal.map { "killed by signal \($0)" } ?? "exit status \(output.exitStatus)"
            lines.append(how + (stderr.isEmpty ? "" : ": \(stderr)"))
        } else if !stderr.isEmpty {
            lines += stderr.split(separator: "\n").map(String.init)
        }
        return lines
    }
}
