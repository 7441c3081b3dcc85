import Facts
import Foundation

/// The facts roles are evaluated with: what a `HostContext` carries besides inventory data.
public struct RoleFacts: Codable, Hashable, Sendable {
    public var codename: String?
    public var majorVersion: Int?
    public var architecture: String
    public var isContainer: Bool

    public init(codename: String?, majorVersion: Int?, architecture: String, isContainer: Bool) {
        self.codename = codename
        self.majorVersion = majorVersion
        self.architecture = architecture
        self.isContainer = isContainer
    }

    public init(_ facts: HostFacts) {
        self.init(codename: facts.release.codename, majorVersion: facts.release.majorVersion,
                  architecture: facts.architecture.name, isContainer: facts.initSystem.isContainer)
    }
}

/// Each host's role facts from its last run, one small JSON file per host, so the next run
/// can evaluate the roles before it connects and gather everything in one round trip.
///
/// Only a hint: a run always checks the cached facts against the host's and replans on a
/// mismatch. Unreadable or missing files count as no cache.
public struct RoleFactsCache: Sendable {
    public let directory: String

    /// `$XDG_CACHE_HOME/converge/role-facts`, or `~/.cache/converge/role-facts`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        self.init(directory: base + "/converge/role-facts")
    }

    public init(directory: String) {
        self.directory = directory
    }

    public func roleFacts(of host: String) -> RoleFacts? {
        guard let data = FileManager.default.contents(atPath: file(for: host)) else { return nil }
        return try? JSONDecoder().decode(RoleFacts.self, from: data)
    }

    /// Best effort: a cache that cannot be written only costs the next run a round trip.
    public func save(_ facts: RoleFacts, of host: String) {
        guard let data = try? JSONEncoder().encode(facts) else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? data.write(to: URL(fileURLWithPath: file(for: host)), options: .atomic)
    }

    /// Inventory names are letters, digits, `-`, `_` and `.`, so they are safe file names
    /// once a leading dot is escaped (a host named `..` must not climb out).
    private func file(for host: String) -> String { "\(directory)/\(host.hasPrefix(".") ? "_" + host : host).json" }
}
