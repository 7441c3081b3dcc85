import Facts
import Foundation
import Inventory

/// The facts roles are evaluated with: what a `HostContext` carries besides inventory data.
///
/// Cached per host (``RoleFactsCache``) and compared with the host's on each run: see
/// ``hasSameStableFacts(as:)`` for what counts. The hardware facts are optional only so
/// that the files of an older converge, which lack them, still decode (and are then no
/// cache: ``isComplete``).
public struct RoleFacts: Codable, Hashable, Sendable {
    public var codename: String?
    public var majorVersion: Int?
    public var architecture: String
    public var isContainer: Bool
    /// The memory the host's processes may use, in bytes (``Memory/usableBytes``).
    public var memoryBytes: Int?
    /// The CPUs the host's processes may run on.
    public var cpuCount: Int?
    /// The network interfaces that have addresses.
    public var interfaces: [NetworkInterface]?
    /// The local filesystems that live on disks (not tmpfs), with their space.
    public var mounts: [MountedFilesystem]?
    /// What the host runs in: `none`, `kvm`, `systemd-nspawn`, ... (``Virtualization``).
    public var virtualization: String?

    public init(codename: String?, majorVersion: Int?, architecture: String, isContainer: Bool,
                memoryBytes: Int? = nil, cpuCount: Int? = nil, interfaces: [NetworkInterface]? = nil,
                mounts: [MountedFilesystem]? = nil, virtualization: String? = nil) {
        self.codename = codename
        self.majorVersion = majorVersion
        self.architecture = architecture
        self.isContainer = isContainer
        self.memoryBytes = memoryBytes
        self.cpuCount = cpuCount
        self.interfaces = interfaces
        self.mounts = mounts
        self.virtualization = virtualization
    }

    /// The release, architecture and container of a full host facts probe, without the
    /// hardware facts (which ``add(to:)`` gathers).
    public init(_ facts: HostFacts) {
        self.init(release: facts.release, architecture: facts.architecture, initSystem: facts.initSystem)
    }

    public init(release: DebianRelease, architecture: Architecture, initSystem: InitSystem) {
        self.init(codename: release.codename, majorVersion: release.majorVersion,
                  architecture: architecture.name, isContainer: initSystem.isContainer)
    }

    /// Whether every fact a role may read is there: false for a cache file written by a
    /// converge that did not gather the hardware facts yet.
    public var isComplete: Bool {
        memoryBytes != nil && cpuCount != nil && interfaces != nil && mounts != nil && virtualization != nil
    }

    /// Whether roles evaluated with `other` would see the same host: everything equal but
    /// the space of the filesystems, which changes all the time (were it compared, every
    /// run would be a cache miss and a second probe). Their used and free space are not
    /// compared at all and their size only within 1% (a pool-backed filesystem, ZFS or
    /// btrfs subvolumes, reports a size that moves with the pool): a resized disk still
    /// counts. Roles therefore see the free space of the run that last refreshed the cache.
    ///
    /// Interfaces and mounts are compared only when both have them: a run that checks a
    /// cached host reads only the cheap facts (``add(to:details:)``).
    public func hasSameStableFacts(as other: RoleFacts) -> Bool {
        let bothHaveDetails = interfaces != nil && other.interfaces != nil && mounts != nil && other.mounts != nil
        func stable(_ facts: RoleFacts) -> RoleFacts {
            var facts = facts
            if !bothHaveDetails {
                facts.interfaces = nil
                facts.mounts = nil
            }
            facts.mounts = facts.mounts?.map {
                MountedFilesystem(mountPoint: $0.mountPoint, device: $0.device, type: $0.type,
                                  sizeBytes: 0, usedBytes: 0, availableBytes: 0)
            }
            return facts
        }
        guard stable(self) == stable(other) else { return false }
        guard bothHaveDetails else { return true }
        return zip(mounts ?? [], other.mounts ?? []).allSatisfy { mine, theirs in
            abs(mine.sizeBytes - theirs.sizeBytes) <= max(mine.sizeBytes, theirs.sizeBytes) / 100
        }
    }

    /// Adds the facts roles are evaluated with to `probe`: the release, the architecture,
    /// the virtualization, memory and CPUs, which the shell reads itself, and with
    /// `details`, the network interfaces and mounts (an `ip` and a `df`, where the rest
    /// starts no process beyond `dpkg --print-architecture`); not the kernel, the init
    /// system or the package list a full ``HostFacts`` has.
    ///
    /// A converge runs this probe on every host every time, so a run that has the host's
    /// facts cached checks only the cheap ones (without `details`): interfaces and mounts
    /// are read again when those changed and when the cache is old (``RoleFactsCache``).
    public static func add(to probe: inout FactProbe, details: Bool = true) -> Keys {
        Keys(release: probe.add(DebianReleaseFact()), architecture: probe.add(PackageArchitectureFact()),
             virtualization: probe.add(VirtualizationFact()), memory: probe.add(MemoryFact()),
             processors: probe.add(ProcessorCountFact()),
             interfaces: details ? probe.add(NetworkInterfacesFact()) : nil,
             mounts: details ? probe.add(MountsFact()) : nil)
    }

    /// Where the role facts are in a probe's results.
    public struct Keys: Sendable {
        let release: FactKey<DebianRelease>
        let architecture: FactKey<String>
        let virtualization: FactKey<Virtualization>
        let memory: FactKey<Memory>
        let processors: FactKey<Int>
        let interfaces: FactKey<[NetworkInterface]>?
        let mounts: FactKey<[MountedFilesystem]>?

        /// The role facts; without interfaces and mounts unless the probe had them (`details`).
        public func roleFacts(from results: FactResults) throws(FactError) -> RoleFacts {
            let release = try results.value(for: release)
            let virtualization = try results.value(for: virtualization)
            var facts = RoleFacts(codename: release.codename, majorVersion: release.majorVersion,
                                  architecture: try results.value(for: architecture),
                                  isContainer: virtualization.isContainer,
                                  memoryBytes: try results.value(for: memory).usableBytes,
                                  cpuCount: try results.value(for: processors),
                                  virtualization: virtualization.name)
            if let interfaces { facts.interfaces = try results.value(for: interfaces) }
            if let mounts { facts.mounts = try results.value(for: mounts).filter { !$0.isInMemory } }
            return facts
        }
    }
}

/// Each host's role facts from its last run, one small JSON file per host, so the next run
/// can evaluate the roles before it connects and gather everything in one round trip.
///
/// Only a hint: a run always checks the cached facts against the host's and replans on a
/// mismatch. Unreadable or missing files count as no cache, and so do files older than
/// ``maximumAge``: a run checks only the cheap facts (``RoleFacts/add(to:details:)``), so
/// the interfaces and mounts roles see are read again at least that often.
public struct RoleFactsCache: Sendable {
    public let directory: String
    /// How long cached facts are used: an hour.
    public var maximumAge: Duration = .seconds(3600)

    /// `$XDG_CACHE_HOME/converge/role-facts`, or `~/.cache/converge/role-facts`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        self.init(directory: base + "/converge/role-facts")
    }

    public init(directory: String) {
        self.directory = directory
    }

    /// The host's cached role facts; nil when there are none, when they are older than
    /// ``maximumAge``, or only an older converge's, which lack facts roles may read
    /// (evaluating roles with them would be wasted).
    public func roleFacts(of host: String) -> RoleFacts? {
        let path = file(for: host)
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
            Date().timeIntervalSince(modified) < Double(maximumAge.components.seconds),
            let data = FileManager.default.contents(atPath: path),
            let facts = try? JSONDecoder().decode(RoleFacts.self, from: data), facts.isComplete
        else { return nil }
        return facts
    }

    /// The file a host's facts are kept in: by name and address, so that a replica of the
    /// fleet (`converge lab`: same names, lab addresses) never shares production's.
    public static func key(for host: Inventory.Host) -> String { key(name: host.name, address: host.address) }

    public static func key(name: String, address: String) -> String { name + "@" + address }

    /// The release the host ran at its last run from this controller, however old that
    /// run (`converge lab up` boots a replica's host on it).
    public func recordedRelease(of host: String) -> String? {
        guard let data = FileManager.default.contents(atPath: file(for: host)) else { return nil }
        return (try? JSONDecoder().decode(RoleFacts.self, from: data))?.codename
    }

    /// Best effort: a cache that cannot be written only costs the next run a round trip.
    public func save(_ facts: RoleFacts, of host: String) {
        guard let data = try? JSONEncoder().encode(facts) else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? data.write(to: URL(fileURLWithPath: file(for: host)), options: .atomic)
    }

    /// Inventory names are letters, digits, `-`, `_` and `.`, and addresses have no `/`, so
    /// keys are safe file names once a leading dot is escaped (`..` must not climb out).
    private func file(for host: String) -> String { "\(directory)/\(host.hasPrefix(".") ? "_" + host : host).json" }
}
