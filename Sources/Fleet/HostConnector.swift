import Foundation
import Inventory
import SSH

/// Turns an inventory host's settings into an SSH connection.
///
/// Secrets named by the inventory (`passwordEnv`, `passphraseEnv`) are read here, on the
/// controller, from the environment: the inventory file never holds them.
public struct HostConnector: Sendable {
    private let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func target(for host: Inventory.Host) -> SSHTarget {
        SSHTarget(name: host.name, address: host.address, port: host.ssh.port)
    }

    /// The connection options for `host`; throws when a variable the inventory names is unset.
    public func options(for host: Inventory.Host) throws -> SSHOptions {
        let settings = host.ssh
        let identityFiles = settings.identityFiles.isEmpty ? defaultIdentityFiles() : settings.identityFiles
        let credentials = SSHCredentials(
            user: settings.user,
            identityFiles: identityFiles,
            passphrase: try secret(settings.passphraseEnvironmentVariable, for: host, purpose: "key passphrase"),
            agentSocket: settings.usesAgent ? environment["SSH_AUTH_SOCK"] : nil,
            password: try secret(settings.passwordEnvironmentVariable, for: host, purpose: "password"))
        let policy: SSH.HostKeyPolicy
        if let fingerprint = settings.fingerprint {
            policy = .pinned(fingerprint: fingerprint.description)
        } else {
            policy = settings.hostKeyPolicy == .acceptNew ? .acceptNew : .strict
        }
        return SSHOptions(credentials: credentials, hostKeyPolicy: policy, knownHostsFile: settings.knownHostsFile,
                          connectTimeout: settings.connectTimeout)
    }

    /// The public halves (`KEY.pub`) of the private keys `host` logs in with, as
    /// authorized_keys lines.
    public func publicKeys(for host: Inventory.Host) -> [String] {
        let files = host.ssh.identityFiles.isEmpty ? defaultIdentityFiles() : host.ssh.identityFiles
        return files.compactMap { try? String(contentsOfFile: $0 + ".pub", encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }

    public func connect(to host: Inventory.Host) async throws -> SSHConnection {
        try await SSHConnection.connect(to: target(for: host), options: options(for: host))
    }

    private func secret(_ variable: String?, for host: Inventory.Host, purpose: String) throws -> String? {
        guard let variable else { return nil }
        guard let value = environment[variable] else {
            throw HostFailure(host: host.name, phase: "config",
                              message: "the inventory takes the \(purpose) from $\(variable), which is not set")
        }
        return value
    }

    /// OpenSSH's default identities, those that exist.
    private func defaultIdentityFiles() -> [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        return ["id_ed25519", "id_ecdsa", "id_rsa"].map { "\(home)/.ssh/\($0)" }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }
}
