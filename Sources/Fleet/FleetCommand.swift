import Foundation
import Inventory
import SSH

/// One ad hoc command run on many hosts at once, as `converge exec` does (Ansible's
/// `ansible all -a`, pyinfra's `exec`): every host answers on its own, a host that
/// cannot be reached does not stop the others.
public struct FleetCommand: Sendable {
    /// What one host answered.
    public struct Outcome: Sendable {
        public var host: String
        /// The command's result, or why it did not run.
        public var result: Result<CommandResult, HostFailure>
        /// From connecting to the end of the command.
        public var duration: Duration

        public var succeeded: Bool { (try? result.get())?.succeeded == true }
    }

    public let command: String
    private let connector: any HostConnecting

    public init(_ command: String, connector: any HostConnecting = HostConnector()) {
        self.command = command
        self.connector = connector
    }

    /// Runs the command on every host, at most `parallel` at a time, in host order.
    public func run(on hosts: [Inventory.Host], parallel: Int) async -> [Outcome] {
        await hosts.concurrentMap(limit: parallel) { host in
            let clock = ContinuousClock()
            let started = clock.now
            do {
                let connection = try await connector.connection(to: host)
                let result = try await connection.run(command, input: Data(), timeout: nil)
                await connection.close()
                return Outcome(host: host.name, result: .success(result), duration: clock.now - started)
            } catch {
                return Outcome(host: host.name, result: .failure(HostFailure(error, host: host.name)),
                               duration: clock.now - started)
            }
        }
    }

    /// Each host's output, its lines prefixed with the host's name, then a summary line:
    ///
    /// ```
    /// web1: up 3 days
    /// web2: exit status 1: no such file
    /// db1: unreachable: connect: no answer from 192.0.2.5 port 22 within 10 s
    /// 3 hosts: 1 succeeded, 1 failed, 1 unreachable in 0.42 s
    /// ```
    public static func report(_ outcomes: [Outcome], duration: Duration) -> String {
        var text = ""
        for outcome in outcomes {
            switch outcome.result {
            case .success(let result):
                for line in result.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).dropLast(result.stdoutText.hasSuffix("\n") ? 1 : 0) {
                    text += "\(outcome.host): \(line)\n"
                }
                let stderr = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
                if !result.succeeded {
                    let how = result.exitSignal.map { "killed by signal \($0)" } ?? "exit status \(result.exitStatus)"
                    text += "\(outcome.host): \(how)" + (stderr.isEmpty ? "" : ": \(stderr)") + "\n"
                } else if !stderr.isEmpty {
                    for line in stderr.split(separator: "\n") { text += "\(outcome.host): \(line)\n" }
                }
            case .failure(let failure):
                text += "\(failure.host): \(failure.headline)\n"
            }
        }
        let succeeded = outcomes.filter(\.succeeded).count
        let unreachable = outcomes.filter { if case .failure(let failure) = $0.result { failure.unreachable } else { false } }.count
        text += "\(outcomes.count) host(s): \(succeeded) succeeded, \(outcomes.count - succeeded - unreachable) failed, "
            + "\(unreachable) unreachable in \(duration.seconds)\n"
        return text
    }
}
