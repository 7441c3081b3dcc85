import Crypto
import Foundation
import Inventory
import Planner
import Resources

/// The SHA-256 of every secret file converge has written to a host, or found holding the
/// secret's current value, kept on the controller: a drift sweep compares the host's
/// files with these instead of reading the secrets, so a nightly job needs none of them
/// in its environment.
///
/// One JSON file per host (`{"PATH": "SHA256", …}`), named by the host's inventory name
/// and address (two inventories' `web1` are different machines), in a directory only its
/// owner can read: a digest of a short secret is as good as the secret to whoever can try
/// every value. A sweep never writes here.
public struct SecretDigestStore: Sendable {
    public let directory: String

    /// `$XDG_STATE_HOME/converge/secret-digests`, or `~/.local/state/converge/secret-digests`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        self.init(directory: base + "/converge/secret-digests")
    }

    public init(directory: String) {
        self.directory = directory
    }

    /// The digests recorded for `host`, by path; empty when none were (or the file is unreadable).
    public func digests(of host: Inventory.Host) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: file(for: host)),
            let digests = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [:] }
        return digests
    }

    /// Adds `digests` (path to SHA-256) to those recorded for `host`, replacing any for the
    /// same paths. Best effort, like ``RoleFactsCache``: a digest that cannot be written
    /// only makes the next sweep say it has none for that file.
    public func record(_ digests: [String: String], of host: Inventory.Host) {
        guard !digests.isEmpty else { return }
        let recorded = self.digests(of: host)
        let merged = recorded.merging(digests) { _, new in new }
        // Every plan records the digests it saw: most runs change none of them.
        guard merged != recorded else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(merged) else { return }
        let manager = FileManager.default
        try? manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = file(for: host)
        let temporary = "\(path).\(UUID().uuidString).tmp"
        guard manager.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// Inventory names are letters, digits, `-`, `_` and `.`; addresses are host names or
    /// IP addresses. A leading dot is escaped so that no host's file climbs out or hides.
    private func file(for host: Inventory.Host) -> String {
        let name = "\(host.name)@\(host.address)".replacingOccurrences(of: "/", with: "_")
        return "\(directory)/\(name.hasPrefix(".") ? "_" + name : name).json"
    }

}

extension SecretDigestStore {
    /// The secret files of `resources` that the host already holds with the secret's
    /// current value (the plan leaves their content alone), with the host's own SHA-256.
    static func digests(unchangedBy plan: HostPlan, resources: [any Resource], state: HostState) -> [String: String] {
        let rewritten = Set(plan.changes.filter { $0.content != nil }.map(\.resource))
        var digests: [String: String] = [:]
        for case let file as File in resources where file.content?.isSecret == true && !rewritten.contains(file.id) {
            guard let current = state.paths[file.path], current.kind == .file, let sha256 = current.sha256 else { continue }
            digests[file.path] = sha256
        }
        return digests
    }

    /// The secret files an apply wrote, each with the SHA-256 of the bytes written.
    static func digests(writtenBy plan: HostPlan, result: ApplyResult, secrets: SecretValues) -> [String: String] {
        var digests: [String: String] = [:]
        for (change, outcome) in zip(plan.changes, result.outcomes) where outcome == .succeeded {
            guard case .writeFile(let path, .secret(let text, _, _), _, _, _) = change.operation,
                let bytes = try? secrets.render(text, for: change.resource)
            else { continue }
            digests[path] = sha256Hex(bytes)
        }
        return digests
    }
}
