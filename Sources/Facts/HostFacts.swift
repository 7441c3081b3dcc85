/// What `converge facts` reports about a host.
public struct HostFacts: Codable, Equatable, Sendable {
    public var release: DebianRelease
    public var kernel: Kernel
    public var architecture: Architecture
    public var initSystem: InitSystem
    /// Every package dpkg knows, installed or not; see ``installedPackages``.
    public var packages: [DebianPackage]

    public init(
        release: DebianRelease, kernel: Kernel, architecture: Architecture,
        initSystem: InitSystem, packages: [DebianPackage]
    ) {
        self.release = release
        self.kernel = kernel
        self.architecture = architecture
        self.initSystem = initSystem
        self.packages = packages
    }

    /// The packages that are installed (``DebianPackage/isInstalled``).
    public var installedPackages: [DebianPackage] { packages.filter(\.isInstalled) }

    /// Adds the facts that make up ``HostFacts`` to `probe`, which may hold other facts too.
    ///
    /// ```swift
    /// var probe = FactProbe()
    /// let keys = HostFacts.add(to: &probe)
    /// let facts = try keys.facts(from: probe.results(from: output))
    /// ```
    public static func add(to probe: inout FactProbe) -> Keys {
        Keys(
            release: probe.add(DebianReleaseFact()),
            kernel: probe.add(KernelFact()),
            architecture: probe.add(ArchitectureFact()),
            initSystem: probe.add(InitSystemFact()),
            packages: probe.add(DebianPackagesFact()))
    }

    /// Where the parts of ``HostFacts`` are in a probe's results.
    public struct Keys: Sendable {
        public let release: FactKey<DebianRelease>
        public let kernel: FactKey<Kernel>
        public let architecture: FactKey<Architecture>
        public let initSystem: FactKey<InitSystem>
        public let packages: FactKey<[DebianPackage]>

        /// The host facts from `results`.
        ///
        /// - Throws: The first ``FactError`` among them; ``FactResults/errors`` lists all.
        public func facts(from results: FactResults) throws(FactError) -> HostFacts {
            HostFacts(
                release: try results.value(for: release),
                kernel: try results.value(for: kernel),
                architecture: try results.value(for: architecture),
                initSystem: try results.value(for: initSystem),
                packages: try results.value(for: packages))
        }
    }
}
