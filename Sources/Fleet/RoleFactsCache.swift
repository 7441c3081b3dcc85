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
        self.init(release: facts.release, architecture: facts.architecture, initSystem: facts.initSystem)
    }

    public init(release: DebianRelease, architecture: Architecture, initSystem: InitSystem) {
        self.init(codename: release.codename, majorVersion: release.majorVersion,
                  architecture: architecture.name, isContainer: initSystem.isContainer)
    }

    /// Adds the facts roles are evaluated with to `probe`: the release, the architecture and
    /// whether it is a container; not the kernel, the init system or the package list a
    /// full ``HostFacts`` has (a converge runs this probe on every host every time). One
    /// exec in all (`dpkg --print-architecture`): the rest are files the shell reads.
    public static func add(to probe: inout FactProbe) -> Keys {
        Keys(release: probe.add(DebianReleaseFact()), architecture: probe.add(PackageArchitectureFact()),
             container: probe.add(ContainerFact()))
    }

    /// Where the role facts are in a probe's results.
    public struct Keys: Sendable {
        let release: FactKey<DebianRelease>
        let architecture: FactKey<String>
        let container: FactKey<String?>

        public func roleFacts(from results: FactResults) throws(FactError) -> RoleFacts {
            let release = try results.value(for: release)
            return RoleFacts(codename: release.codename, majorVersion: release.majorVersion,
                             architecture: try results.value(for: architecture),
                             isContainer: try results.value(for: container) != nil)
        }
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
