import Foundation
import Planner
import Resources
import Shell

/// Waits after a host's changes until it passes its roles' health checks (``HealthCheck``),
/// each tried until it passes or its tries run out, through the host's own connection.
struct HealthGate {
    let checks: [HealthCheck]

    /// Whether `plan` restarts, reloads, starts, installs or reboots something: only then
    /// may the host have stopped serving, and is waited for. A plan that only writes files
    /// nothing restarts for is not.
    static func isNeeded(after plan: HostPlan) -> Bool {
        plan.changes.contains { change in
            switch change.action {
            case .restart, .reload: return true
            default: break
            }
            switch change.operation {
            case .ensureService, .systemctl, .installPackage, .upgradePackage, .removePackage, .upgradeRelease, .reboot: return true
            default: return false
            }
        }
    }

    /// Nil once every check passed; else why the host is unhealthy, naming the check, its
    /// tries and its last answer. Stops early (and says so) when the run is interrupted.
    func wait(on connection: any HostConnection, interruption: Interruption) async -> String? {
        for check in checks {
            var last = ""
            for attempt in 1...check.tries {
                guard let problem = await Self.probe(check, on: connection) else { last = ""; break }
                last = problem
                guard attempt < check.tries else { break }
                guard interruption.level == .none else { return "health check \(check): interrupted while waiting; last answer: \(last)" }
                try? await Task.sleep(for: check.interval)
            }
            if !last.isEmpty {
                return "health check \(check) failed \(check.tries) time\(check.tries == 1 ? "" : "s"); last answer: \(last)"
            }
        }
        return nil
    }

    /// Whether the host passes every check at the first try: whether it serves now.
    func passes(on connection: any HostConnection) async -> Bool {
        for check in checks where await Self.probe(check, on: connection) != nil { return false }
        return true
    }

    /// Sends its stdin to `address`:`port` over TLS and prints the answer until the server
    /// closes (`-quiet`: no session details, and no hang-up at the end of the request);
    /// `serverName`'s host part, when it is a name, goes in the handshake (SNI).
    static func tlsCommand(address: String, port: Int, serverName: String?) -> String {
        let target = (address.contains(":") ? "[\(address)]" : address) + ":\(port)"
        var command = "openssl s_client -quiet -connect \(shellQuote(target))"
        if let name = serverName?.split(separator: ":").first.map(String.init), name.contains(where: \.isLetter) {
            command += " -servername \(shellQuote(name))"
        }
        return command
    }

    /// Nil when `check` passes once; else what it got instead.
    static func probe(_ check: HealthCheck, on connection: any HostConnection) async -> String? {
        switch check.probe {
        case .https(let address, let port, _, let hostHeader, _, _):
            do {
                let result = try await connection.run(Self.tlsCommand(address: address, port: port, serverName: hostHeader),
                                                      input: Data((check.request ?? "").utf8), timeout: check.timeout)
                guard result.stdout.isEmpty else { return check.verdict(onResponse: result.stdoutText) }
                let said = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
                return "no answer over TLS (openssl exit status \(result.exitStatus))" + (said.isEmpty ? "" : ": \(said.suffix(200))")
            } catch {
                return HostFailure(error, host: "").message
            }
        case .http(let address, let port, _, _, _, _):
            do {
                let response = try await connection.forward(to: address, port: port, input: Data((check.request ?? "").utf8),
                                                             timeout: check.timeout)
                return check.verdict(onResponse: String(decoding: response, as: UTF8.self))
            } catch {
                return HostFailure(error, host: "").message
            }
        case .tcp(let address, let port):
            do {
                try await connection.connect(to: address, port: port, timeout: check.timeout)
                return nil
            } catch {
                return HostFailure(error, host: "").message
            }
        case .command(let command):
            do {
                let result = try await connection.run(command, input: Data(), timeout: check.timeout)
                guard !result.succeeded else { return nil }
                let said = (result.stderrText + result.stdoutText).trimmingCharacters(in: .whitespacesAndNewlines)
                return "exit status \(result.exitStatus)" + (said.isEmpty ? "" : ": \(said.prefix(200))")
            } catch {
                return HostFailure(error, host: "").message
            }
        }
    }
}
