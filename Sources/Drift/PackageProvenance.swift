import Facts

/// Where a host's installed version of a package comes from, judged by what the host's own
/// release explains: across releases, versions differ as a matter of course, and only a
/// version the release does not account for is worth a line in the report.
public enum PackageProvenance: Hashable, Sendable {
    /// An archive of the host's own release offers it (the release itself, its
    /// `-security`, `-updates` or `-proposed-updates`), or an older version is installed
    /// and that archive offers a newer one (a pending upgrade).
    case release
    /// Held at its version (`apt-mark hold`): whatever the archives offer, it stays.
    case held
    /// Pinned in apt's preferences (to this version, when one matches the pin).
    case pinned(String?)
    /// Offered only by another repository: backports, another release, a third party
    /// (named by its label, origin or address).
    case repository(String)
    /// No configured repository offers it, nor anything newer: built locally, or left by
    /// a repository since removed.
    case noRepository

    /// Whether the host's release accounts for the version.
    public var isExplainedByRelease: Bool { self == .release }

    /// A few words for reports: `held`, `pinned to 1.0-1`, `from converge-lab`, `from no configured repository`.
    public var label: String {
        switch self {
        case .release: "from its release"
        case .held: "held"
        case .pinned(let version?): "pinned to \(version)"
        case .pinned(nil): "pinned"
        case .repository(let name): "from \(name)"
        case .noRepository: "from no configured repository"
        }
    }

    /// The provenance of an installed package on a host of release `codename`.
    ///
    /// - Parameters:
    ///   - name: apt's name of the package: `libc6`, or `libc6:i386` for a foreign architecture.
    ///   - package: apt's view of it.
    ///   - policy: The host's whole policy, for its package files and pins.
    ///   - isHeld: Whether dpkg holds it.
    public init(name: String, package: PackagePolicy, policy: AptPolicy, codename: String?, isHeld: Bool) {
        if isHeld {
            self = .held
        } else if let pin = policy.pins[name] {
            self = .pinned(pin)
        } else if !package.installedFrom.isEmpty {
            let sources = package.installedFrom.map { ($0, policy.sources[$0]) }
            if sources.contains(where: { Self.belongs($0.1, to: codename) }) {
                self = .release
            } else {
                let (description, source) = sources[0]
                self = .repository(source?.label ?? source?.origin ?? source?.site ?? description)
            }
        } else if let candidate = package.candidate, DebianVersion.compare(candidate, package.installed) > 0,
            package.candidateFrom.contains(where: { Self.belongs(policy.sources[$0], to: codename) })
        {
            self = .release
        } else {
            self = .noRepository
        }
    }

    /// Suites of a release besides the release itself: what its hosts install from as a rule.
    static let releaseSuffixes = ["", "-security", "-updates", "-proposed-updates", "/updates"]

    /// Whether `source` is an archive of the release `codename`: its codename (or, without
    /// one, its suite) is the release's or one of its update suites. Backports are not.
    static func belongs(_ source: AptPackageFile?, to codename: String?) -> Bool {
        guard let source, let codename, let name = source.codename ?? source.suite else { return false }
        return releaseSuffixes.contains { name == codename + $0 }
    }
}
