import Facts

/// What differs between the swept hosts of one group (or of the whole fleet, `all`).
///
/// Hosts are compared with the hosts of the same Debian release (the same *series*:
/// `bookworm`, whatever its point release): point releases, kernels and package versions
/// within each series, packages installed on some hosts and not others among the hosts
/// of one series that also have the same roles. Across series, versions differ as a rule:
/// the group says once which hosts run which release, and lists only the packages whose
/// versions differ for a reason the release does not explain (``crossRelease``).
///
/// A report shows each discrepancy once, in the first group that has it (named groups by
/// name, then `all`); see ``DriftReport``.
public struct GroupReport: Codable, Sendable, Equatable {
    /// The inventory group, or ``DriftReport/fleetGroup`` for every host.
    public var name: String
    /// Every member, swept or not, by name.
    public var hosts: [String]
    /// The members that were not swept (unreachable or failed); they take no part in the comparison.
    public var unswept: [String]
    /// The swept members' releases, oldest first, to the point release.
    public var releases: [ReleaseVariant]
    /// The swept members' running kernels, oldest first, each with its hosts' series.
    public var kernels: [KernelVariant]
    /// Installed packages at different versions on members of one series, by series and package.
    public var packageVersions: [PackageVersionDiscrepancy]
    /// Packages installed on some members of one series (with the same roles) and not on
    /// the others, by series and package.
    public var missingPackages: [MissingPackage]
    /// Packages whose versions differ across series for a reason the release does not
    /// explain (held, pinned, from another repository or none), by package.
    public var crossRelease: [CrossReleaseDifference]
    /// Swept members whose package provenance is unknown (no apt data): the cross-release
    /// comparison could not tell for them.
    public var crossReleaseUnchecked: [String]
    /// The series whose members run more than one point release, with their releases.
    public var pointReleases: [SeriesReleases]
    /// The series whose members run more than one kernel, with their kernels.
    public var kernelDifferences: [SeriesKernels]
    /// An earlier group with the same swept members, whose discrepancies these would only
    /// repeat: then this group shows none.
    public var sameMembersAs: String?
    /// How many of the group's discrepancies an earlier group shows (the same hosts at the
    /// same versions), and this one therefore does not.
    public var shownInOtherGroups: Int

    public init(
        name: String, hosts: [String], unswept: [String], releases: [ReleaseVariant],
        kernels: [KernelVariant], packageVersions: [PackageVersionDiscrepancy],
        missingPackages: [MissingPackage], crossRelease: [CrossReleaseDifference] = [],
        crossReleaseUnchecked: [String] = [], pointReleases: [SeriesReleases]? = nil,
        kernelDifferences: [SeriesKernels]? = nil, sameMembersAs: String? = nil, shownInOtherGroups: Int = 0
    ) {
        self.name = name
        self.hosts = hosts
        self.unswept = unswept
        self.releases = releases
        self.kernels = kernels
        self.packageVersions = packageVersions
        self.missingPackages = missingPackages
        self.crossRelease = crossRelease
        self.crossReleaseUnchecked = crossReleaseUnchecked
        self.pointReleases = pointReleases ?? Dictionary(grouping: releases, by: \.series)
            .filter { $0.value.count > 1 }.map { SeriesReleases(series: $0.key, releases: $0.value) }
            .sorted { $0.series < $1.series }
        self.kernelDifferences = kernelDifferences ?? Dictionary(grouping: kernels, by: \.series)
            .filter { $0.value.count > 1 }.map { SeriesKernels(series: $0.key, kernels: $0.value) }
            .sorted { $0.series < $1.series }
        self.sameMembersAs = sameMembersAs
        self.shownInOtherGroups = shownInOtherGroups
    }

    /// The swept members.
    public var swept: [String] { hosts.filter { !unswept.contains($0) } }

    /// The series the swept members run, oldest first, each with its members.
    public var series: [(series: String, hosts: [String])] {
        var seen: [String] = []
        var members: [String: [String]] = [:]
        for variant in releases {
            if members[variant.series] == nil { seen.append(variant.series) }
            members[variant.series, default: []] += variant.hosts
        }
        return seen.map { ($0, members[$0]!.sorted()) }
    }

    /// Whether the members run more than one release, point releases counted.
    public var hasReleaseDiscrepancy: Bool { releases.count > 1 }
    /// Whether the members run more than one series (jessie and stretch). Said once, and no
    /// drift: hosts on several releases are a fleet's normal state during an upgrade.
    public var hasMajorReleaseDiscrepancy: Bool { Set(releases.map(\.series)).count > 1 }
    /// Whether members of one series run different point releases.
    public var hasPointReleaseDiscrepancy: Bool { !pointReleases.isEmpty }
    /// Whether members of one series run different kernels.
    public var hasKernelDiscrepancy: Bool { !kernelDifferences.isEmpty }

    /// How many discrepancies the group has: one per series with several point releases or
    /// kernels, one per package (within a series, or across series unexplained).
    public var discrepancyCount: Int {
        pointReleases.count + kernelDifferences.count + packageVersions.count + missingPackages.count
            + crossRelease.count
    }
}

/// The point releases the members of one series run, when they differ.
public struct SeriesReleases: Codable, Sendable, Equatable {
    public var series: String
    /// Oldest first.
    public var releases: [ReleaseVariant]

    public init(series: String, releases: [ReleaseVariant]) {
        self.series = series
        self.releases = releases
    }

    /// The members not on the newest point release.
    public var behind: [String] { releases.dropLast().flatMap(\.hosts).sorted() }
}

/// The kernels the members of one series run, when they differ.
public struct SeriesKernels: Codable, Sendable, Equatable {
    public var series: String
    /// Oldest first.
    public var kernels: [KernelVariant]

    public init(series: String, kernels: [KernelVariant]) {
        self.series = series
        self.kernels = kernels
    }
}

/// A release some members of a group run, e.g. `8.11 (jessie)`.
public struct ReleaseVariant: Codable, Sendable, Equatable {
    /// The host's release as reports show it: ``HostRelease/name``.
    public var release: String
    public var codename: String?
    public var majorVersion: Int?
    /// The series it belongs to: ``HostRelease/series``.
    public var series: String
    /// The members running it, by name.
    public var hosts: [String]

    public init(release: String, codename: String?, majorVersion: Int?, series: String? = nil, hosts: [String]) {
        self.release = release
        self.codename = codename
        self.majorVersion = majorVersion
        self.series = series ?? HostRelease(name: release, codename: codename, majorVersion: majorVersion, pointRelease: nil).series
        self.hosts = hosts
    }
}

/// A kernel some members of a group run.
public struct KernelVariant: Codable, Sendable, Equatable {
    /// `uname -r`, e.g. `4.9.0-13-amd64`.
    public var release: String
    /// `uname -v`, e.g. `#1 SMP Debian 4.9.228-1 (2020-07-05)`: on Debian, the build within that ABI.
    public var version: String
    /// The series of the hosts running it: kernels are compared within a series.
    public var series: String
    public var hosts: [String]

    public init(release: String, version: String, series: String = "", hosts: [String]) {
        self.release = release
        self.version = version
        self.series = series
        self.hosts = hosts
    }
}

/// An installed package whose version differs between members of one series of a group.
public struct PackageVersionDiscrepancy: Codable, Sendable, Equatable {
    /// The package as dpkg names it: `openssl`, or `libc6:i386` for a foreign architecture.
    public var package: String
    public var name: String
    /// The foreign architecture (multi-arch), nil for the host's own architecture or `all`.
    public var architecture: String?
    /// The series whose members differ, e.g. `bookworm`.
    public var series: String
    /// Each version with the members that have it, oldest first (dpkg's order).
    public var versions: [VersionHosts]

    public init(package: String, name: String, architecture: String?, series: String = "", versions: [VersionHosts]) {
        self.package = package
        self.name = name
        self.architecture = architecture
        self.series = series
        self.versions = versions
    }
}

/// One version of a package and the hosts that have it installed.
public struct VersionHosts: Codable, Sendable, Equatable {
    public var version: String
    public var hosts: [String]

    public init(version: String, hosts: [String]) {
        self.version = version
        self.hosts = hosts
    }
}

/// A package installed on some members of a series (with the same roles) and not on the others.
public struct MissingPackage: Codable, Sendable, Equatable {
    /// As in ``PackageVersionDiscrepancy/package``.
    public var package: String
    public var name: String
    public var architecture: String?
    /// The series the members run.
    public var series: String
    /// The members that have it installed.
    public var installedOn: [String]
    /// The members that do not (never installed, removed, or only config files left).
    public var missingOn: [String]

    public init(
        package: String, name: String, architecture: String?, series: String = "", installedOn: [String],
        missingOn: [String]
    ) {
        self.package = package
        self.name = name
        self.architecture = architecture
        self.series = series
        self.installedOn = installedOn
        self.missingOn = missingOn
    }
}

/// A package whose versions differ between members on different series, where some
/// member's version is not explained by its release.
public struct CrossReleaseDifference: Codable, Sendable, Equatable {
    public var package: String
    public var name: String
    public var architecture: String?
    /// Each version with the members that have it, oldest first.
    public var versions: [VersionHosts]
    /// The members whose version their release does not explain, and why, by host.
    public var unexplained: [HostProvenance]

    public init(package: String, name: String, architecture: String?, versions: [VersionHosts], unexplained: [HostProvenance]) {
        self.package = package
        self.name = name
        self.architecture = architecture
        self.versions = versions
        self.unexplained = unexplained
    }
}

/// Why a host's version of a package is not its release's: ``PackageProvenance/label``.
public struct HostProvenance: Codable, Sendable, Equatable {
    public var host: String
    /// E.g. `held`, `pinned to 1.0-1`, `from converge-lab`, `from no configured repository`.
    public var provenance: String

    public init(host: String, provenance: String) {
        self.host = host
        self.provenance = provenance
    }
}

/// A package's identity across hosts: its name, and its architecture only when that is
/// foreign to the host (multi-arch `libc6:i386`). A package built for the host's own
/// architecture or for `all` is the same package on an amd64 and an arm64 host, and a
/// package that moves from `amd64` to `all` between releases stays one package.
struct PackageID: Hashable {
    var name: String
    var foreignArchitecture: String?

    init(_ package: DebianPackage, nativeArchitecture: String) {
        name = package.name
        let architecture = package.architecture
        foreignArchitecture =
            architecture.isEmpty || architecture == "all" || architecture == nativeArchitecture
            ? nil : architecture
    }

    /// `libc6:i386` or `openssl`, as dpkg prints it and finding keys use it.
    var qualifiedName: String { foreignArchitecture.map { "\(name):\($0)" } ?? name }

    static func < (a: PackageID, b: PackageID) -> Bool {
        a.name != b.name ? a.name < b.name : (a.foreignArchitecture ?? "") < (b.foreignArchitecture ?? "")
    }
}

/// A swept host reduced to what the fleet comparison needs, built once per host.
struct ComparedHost {
    var name: String
    var release: HostRelease
    var kernel: Kernel
    var roles: [String]
    /// Installed packages: version by package.
    var packages: [PackageID: String]
    /// Where each installed package's version comes from; nil without apt data.
    var provenance: [PackageID: PackageProvenance]?

    init(name: String, facts: HostFacts, roles: [String] = [], maintenance: MaintenanceFacts? = nil) {
        self.name = name
        self.roles = roles
        release = HostRelease(facts.release)
        kernel = facts.kernel
        let native = facts.architecture.name
        var packages: [PackageID: String] = [:]
        var held: Set<PackageID> = []
        packages.reserveCapacity(facts.packages.count)
        for package in facts.packages where package.isInstalled {
            // dpkg lists each name:arch once; should it not, the first entry stands.
            let id = PackageID(package, nativeArchitecture: native)
            if packages[id] == nil { packages[id] = package.version }
            if package.status.isHeld { held.insert(id) }
        }
        self.packages = packages
        provenance = maintenance?.aptPolicy.map { policy in
            var provenance: [PackageID: PackageProvenance] = [:]
            for id in packages.keys {
                // apt names a package of the native architecture without qualifier, as PackageID does.
                guard let package = policy.packages[id.qualifiedName] else { continue }
                provenance[id] = PackageProvenance(
                    name: id.qualifiedName, package: package, policy: policy, codename: facts.release.codename,
                    isHeld: held.contains(id))
            }
            return provenance
        }
    }
}

extension GroupReport {
    /// Compares the swept members of a group. `members` are the swept hosts, `unswept`
    /// the names of members that were not. Linear in the members' package counts: one
    /// dictionary pass per series, then one pass over the distinct packages.
    init(name: String, members: [ComparedHost], unswept: [String]) {
        let members = members.sorted { $0.name < $1.name }
        let memberNames = members.map(\.name)

        // Releases and kernels, each with its hosts (in name order, as members are).
        var releaseHosts: [HostRelease: [String]] = [:]
        var kernelHosts: [KernelKey: [String]] = [:]
        for member in members {
            releaseHosts[member.release, default: []].append(member.name)
            kernelHosts[KernelKey(release: member.kernel.release, version: member.kernel.version, series: member.release.series),
                        default: []].append(member.name)
        }
        let releases = releaseHosts
            .sorted { HostRelease.areInIncreasingOrder($0.key, $1.key) }
            .map {
                ReleaseVariant(release: $0.key.name, codename: $0.key.codename, majorVersion: $0.key.majorVersion,
                               series: $0.key.series, hosts: $0.value)
            }
        let kernels = kernelHosts
            .sorted { a, b in
                a.key.release != b.key.release
                    ? DebianVersion.areInIncreasingOrder(a.key.release, b.key.release)
                    : a.key.version < b.key.version
            }
            .map { KernelVariant(release: $0.key.release, version: $0.key.version, series: $0.key.series, hosts: $0.value) }

        // Within each series: versions among all its members, missing packages among those
        // with the same roles.
        let bySeries = Dictionary(grouping: members, by: \.release.series)
        var versionDiscrepancies: [(PackageID, PackageVersionDiscrepancy)] = []
        var missing: [String: [PackageID: (installedOn: Set<String>, missingOn: Set<String>)]] = [:]
        for (series, seriesMembers) in bySeries where seriesMembers.count > 1 {
            versionDiscrepancies += Self.versionDiscrepancies(seriesMembers).map { id, versions in
                (id, PackageVersionDiscrepancy(
                    package: id.qualifiedName, name: id.name, architecture: id.foreignArchitecture, series: series,
                    versions: versions))
            }
            for alike in Dictionary(grouping: seriesMembers, by: \.roles).values where alike.count > 1 {
                for (id, installedOn, missingOn) in Self.missingPackages(alike) {
                    missing[series, default: [:]][id, default: ([], [])].installedOn.formUnion(installedOn)
                    missing[series, default: [:]][id, default: ([], [])].missingOn.formUnion(missingOn)
                }
            }
        }
        let missingPackages = missing.flatMap { series, packages in
            packages.map { id, hosts in
                (series, id, MissingPackage(
                    package: id.qualifiedName, name: id.name, architecture: id.foreignArchitecture, series: series,
                    installedOn: hosts.installedOn.sorted(), missingOn: hosts.missingOn.sorted()))
            }
        }

        // Across series: versions that differ, where some member's release does not explain its own.
        var crossRelease: [(PackageID, CrossReleaseDifference)] = []
        var unchecked: [String] = []
        if bySeries.count > 1 {
            let withinSeries = Set(versionDiscrepancies.map(\.0))
            unchecked = members.filter { $0.provenance == nil }.map(\.name)
            var holders: [PackageID: [(member: Int, version: String)]] = [:]
            for (index, member) in members.enumerated() {
                for (id, version) in member.packages { holders[id, default: []].append((index, version)) }
            }
            for (id, entries) in holders where !withinSeries.contains(id) {
                guard Set(entries.map { members[$0.member].release.series }).count > 1,
                    Set(entries.map(\.version)).count > 1
                else { continue }
                let unexplained = entries.compactMap { entry -> HostProvenance? in
                    let member = members[entry.member]
                    guard let provenance = member.provenance?[id], !provenance.isExplainedByRelease else { return nil }
                    return HostProvenance(host: member.name, provenance: provenance.label)
                }
                guard !unexplained.isEmpty else { continue }
                crossRelease.append((id, CrossReleaseDifference(
                    package: id.qualifiedName, name: id.name, architecture: id.foreignArchitecture,
                    versions: Self.versionHosts(entries.map { (memberNames[$0.member], $0.version) }),
                    unexplained: unexplained.sorted { $0.host < $1.host })))
            }
        }

        let seriesOrder = Dictionary(uniqueKeysWithValues: Self.orderedSeries(releases).enumerated().map { ($1, $0) })
        self.init(
            name: name, hosts: (memberNames + unswept).sorted(), unswept: unswept.sorted(),
            releases: releases, kernels: kernels,
            packageVersions: versionDiscrepancies
                .sorted { (seriesOrder[$0.1.series] ?? 0, $0.1.package) < (seriesOrder[$1.1.series] ?? 0, $1.1.package) }
                .map(\.1),
            missingPackages: missingPackages
                .sorted { (seriesOrder[$0.0] ?? 0, $0.2.package) < (seriesOrder[$1.0] ?? 0, $1.2.package) }
                .map(\.2),
            crossRelease: crossRelease.sorted { $0.0 < $1.0 }.map(\.1),
            crossReleaseUnchecked: unchecked)
    }

    /// The series of `releases` (oldest first), each once.
    private static func orderedSeries(_ releases: [ReleaseVariant]) -> [String] {
        var seen: Set<String> = []
        return releases.map(\.series).filter { seen.insert($0).inserted }
    }

    /// Each version with its hosts, oldest first, hosts by name.
    private static func versionHosts(_ entries: [(host: String, version: String)]) -> [VersionHosts] {
        let byVersion = Dictionary(grouping: entries, by: \.version)
        return byVersion.keys.sorted(by: DebianVersion.areInIncreasingOrder).map { version in
            VersionHosts(version: version, hosts: byVersion[version]!.map(\.host).sorted())
        }
    }

    /// The packages installed at more than one version among `members`.
    private static func versionDiscrepancies(_ members: [ComparedHost]) -> [(PackageID, [VersionHosts])] {
        var holders: [PackageID: [(host: String, version: String)]] = [:]
        for member in members {
            for (id, version) in member.packages { holders[id, default: []].append((member.name, version)) }
        }
        return holders.compactMap { id, entries in
            let first = entries[0].version
            guard entries.contains(where: { $0.version != first }) else { return nil }
            return (id, versionHosts(entries))
        }
    }

    /// The packages installed on some of `members` and not on the others.
    private static func missingPackages(_ members: [ComparedHost]) -> [(PackageID, [String], [String])] {
        var holders: [PackageID: [String]] = [:]
        for member in members {
            for id in member.packages.keys { holders[id, default: []].append(member.name) }
        }
        return holders.compactMap { id, installedOn in
            guard installedOn.count < members.count else { return nil }
            let has = Set(installedOn)
            return (id, installedOn, members.map(\.name).filter { !has.contains($0) })
        }
    }
}

private struct KernelKey: Hashable {
    var release: String
    var version: String
    var series: String
}

/// The release a host runs, as reports show it.
public struct HostRelease: Codable, Sendable, Hashable {
    /// E.g. `8.11 (jessie)`, `forky` (testing), `ubuntu 22.04 (jammy)`.
    public var name: String
    public var codename: String?
    public var majorVersion: Int?
    /// E.g. `8.11`; nil on testing and unstable.
    public var pointRelease: String?

    /// What hosts are compared within: the codename (`bookworm`), else `debian 12`, else the name.
    public var series: String { codename ?? majorVersion.map { "debian \($0)" } ?? name }

    public init(name: String, codename: String?, majorVersion: Int?, pointRelease: String?) {
        self.name = name
        self.codename = codename
        self.majorVersion = majorVersion
        self.pointRelease = pointRelease
    }

    public init(_ release: DebianRelease) {
        let number = release.pointRelease ?? release.versionID
        var name =
            switch (number, release.codename) {
            case let (number?, codename?): "\(number) (\(codename))"
            case let (number?, nil): number
            case let (nil, codename?): codename
            case (nil, nil): release.prettyName ?? "unknown"
            }
        if let id = release.id, id != "debian" { name = "\(id) \(name)" }
        self.init(
            name: name, codename: release.codename, majorVersion: release.majorVersion,
            pointRelease: release.pointRelease)
    }

    /// Older major version first, then older point release; then by name.
    static func areInIncreasingOrder(_ a: HostRelease, _ b: HostRelease) -> Bool {
        switch (a.majorVersion, b.majorVersion) {
        case let (x?, y?) where x != y: return x < y
        case (_?, nil): return true
        case (nil, _?): return false
        default: break
        }
        if let x = a.pointRelease, let y = b.pointRelease, DebianVersion.compare(x, y) != 0 {
            return DebianVersion.compare(x, y) < 0
        }
        return a.name < b.name
    }
}
