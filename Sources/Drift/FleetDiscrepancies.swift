import Facts

/// What differs between the swept hosts of one group (or of the whole fleet, `all`).
public struct GroupReport: Codable, Sendable, Equatable {
    /// The inventory group, or ``DriftReport/fleetGroup`` for every host.
    public var name: String
    /// Every member, swept or not, by name.
    public var hosts: [String]
    /// The members that were not swept (unreachable or failed); they take no part in the comparison.
    public var unswept: [String]
    /// The swept members' releases, oldest first; more than one is a discrepancy.
    public var releases: [ReleaseVariant]
    /// The swept members' running kernels, oldest first; more than one is a discrepancy.
    public var kernels: [KernelVariant]
    /// Installed packages at different versions on different members, by package.
    public var packageVersions: [PackageVersionDiscrepancy]
    /// Packages installed on some members and not on others, by package.
    public var missingPackages: [MissingPackage]

    public init(
        name: String, hosts: [String], unswept: [String], releases: [ReleaseVariant],
        kernels: [KernelVariant], packageVersions: [PackageVersionDiscrepancy],
        missingPackages: [MissingPackage]
    ) {
        self.name = name
        self.hosts = hosts
        self.unswept = unswept
        self.releases = releases
        self.kernels = kernels
        self.packageVersions = packageVersions
        self.missingPackages = missingPackages
    }

    /// Whether the members run more than one release (point releases count).
    public var hasReleaseDiscrepancy: Bool { releases.count > 1 }
    /// Whether the members run different major versions (jessie and stretch), not only point releases.
    public var hasMajorReleaseDiscrepancy: Bool {
        Set(releases.map { $0.majorVersion.map(String.init) ?? $0.codename ?? $0.release }).count > 1
    }
    /// Whether the members run more than one kernel.
    public var hasKernelDiscrepancy: Bool { kernels.count > 1 }

    /// How many discrepancies the group has: one for releases, one for kernels, one per package.
    public var discrepancyCount: Int {
        (hasReleaseDiscrepancy ? 1 : 0) + (hasKernelDiscrepancy ? 1 : 0)
            + packageVersions.count + missingPackages.count
    }
}

/// A release some members of a group run, e.g. `8.11 (jessie)`.
public struct ReleaseVariant: Codable, Sendable, Equatable {
    /// The host's release as reports show it: ``HostRelease/name``.
    public var release: String
    public var codename: String?
    public var majorVersion: Int?
    /// The members running it, by name.
    public var hosts: [String]

    public init(release: String, codename: String?, majorVersion: Int?, hosts: [String]) {
        self.release = release
        self.codename = codename
        self.majorVersion = majorVersion
        self.hosts = hosts
    }
}

/// A kernel some members of a group run.
public struct KernelVariant: Codable, Sendable, Equatable {
    /// `uname -r`, e.g. `4.9.0-13-amd64`.
    public var release: String
    /// `uname -v`, e.g. `#1 SMP Debian 4.9.228-1 (2020-07-05)`: on Debian, the build within that ABI.
    public var version: String
    public var hosts: [String]

    public init(release: String, version: String, hosts: [String]) {
        self.release = release
        self.version = version
        self.hosts = hosts
    }
}

/// An installed package whose version differs between members of a group.
public struct PackageVersionDiscrepancy: Codable, Sendable, Equatable {
    /// The package as dpkg names it: `openssl`, or `libc6:i386` for a foreign architecture.
    public var package: String
    public var name: String
    /// The foreign architecture (multi-arch), nil for the host's own architecture or `all`.
    public var architecture: String?
    /// Each version with the members that have it, oldest first (dpkg's order).
    public var versions: [VersionHosts]

    public init(package: String, name: String, architecture: String?, versions: [VersionHosts]) {
        self.package = package
        self.name = name
        self.architecture = architecture
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

/// A package installed on some members of a group and not on the others.
public struct MissingPackage: Codable, Sendable, Equatable {
    /// As in ``PackageVersionDiscrepancy/package``.
    public var package: String
    public var name: String
    public var architecture: String?
    /// The members that have it installed.
    public var installedOn: [String]
    /// The members that do not (never installed, removed, or only config files left).
    public var missingOn: [String]

    public init(package: String, name: String, architecture: String?, installedOn: [String], missingOn: [String]) {
        self.package = package
        self.name = name
        self.architecture = architecture
        self.installedOn = installedOn
        self.missingOn = missingOn
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
    /// Installed packages: version by package.
    var packages: [PackageID: String]

    init(name: String, facts: HostFacts) {
        self.name = name
        release = HostRelease(facts.release)
        kernel = facts.kernel
        let native = facts.architecture.name
        var packages: [PackageID: String] = [:]
        packages.reserveCapacity(facts.packages.count)
        for package in facts.packages where package.isInstalled {
            // dpkg lists each name:arch once; should it not, the first entry stands.
            let id = PackageID(package, nativeArchitecture: native)
            if packages[id] == nil { packages[id] = package.version }
        }
        self.packages = packages
    }
}

extension GroupReport {
    /// Compares the swept members of a group. `members` are the swept hosts, `unswept`
    /// the names of members that were not. Linear in the members' package counts: one
    /// dictionary pass, then one pass over the distinct packages.
    init(name: String, members: [ComparedHost], unswept: [String]) {
        let members = members.sorted { $0.name < $1.name }
        let memberNames = members.map(\.name)

        // Releases and kernels, each with its hosts (in name order, as members are).
        var releaseHosts: [HostRelease: [String]] = [:]
        var kernelHosts: [KernelKey: [String]] = [:]
        for member in members {
            releaseHosts[member.release, default: []].append(member.name)
            kernelHosts[KernelKey(release: member.kernel.release, version: member.kernel.version), default: []]
                .append(member.name)
        }
        let releases = releaseHosts
            .sorted { HostRelease.areInIncreasingOrder($0.key, $1.key) }
            .map { ReleaseVariant(release: $0.key.name, codename: $0.key.codename, majorVersion: $0.key.majorVersion, hosts: $0.value) }
        let kernels = kernelHosts
            .sorted { a, b in
                a.key.release != b.key.release
                    ? DebianVersion.areInIncreasingOrder(a.key.release, b.key.release)
                    : a.key.version < b.key.version
            }
            .map { KernelVariant(release: $0.key.release, version: $0.key.version, hosts: $0.value) }

        // Packages: for each package, the index of every member that has it and its version.
        var holders: [PackageID: [(member: Int, version: String)]] = [:]
        for (index, member) in members.enumerated() {
            for (id, version) in member.packages {
                holders[id, default: []].append((index, version))
            }
        }
        var versionDiscrepancies: [(PackageID, PackageVersionDiscrepancy)] = []
        var missing: [(PackageID, MissingPackage)] = []
        for (id, entries) in holders {
            if entries.count < members.count {
                var has = [Bool](repeating: false, count: members.count)
                for entry in entries { has[entry.member] = true }
                missing.append((id, MissingPackage(
                    package: id.qualifiedName, name: id.name, architecture: id.foreignArchitecture,
                    installedOn: entries.map { memberNames[$0.member] }.sorted(),
                    missingOn: memberNames.indices.filter { !has[$0] }.map { memberNames[$0] })))
            }
            let first = entries[0].version
            guard entries.contains(where: { $0.version != first }) else { continue }
            let byVersion = Dictionary(grouping: entries, by: \.version)
            let versions = byVersion.keys
                .sorted(by: DebianVersion.areInIncreasingOrder)
                .map { version in
                    VersionHosts(version: version, hosts: byVersion[version]!.map { memberNames[$0.member] }.sorted())
                }
            versionDiscrepancies.append((id, PackageVersionDiscrepancy(
                package: id.qualifiedName, name: id.name, architecture: id.foreignArchitecture, versions: versions)))
        }

        self.init(
            name: name, hosts: (memberNames + unswept).sorted(), unswept: unswept.sorted(),
            releases: releases, kernels: kernels,
            packageVersions: versionDiscrepancies.sorted { $0.0 < $1.0 }.map(\.1),
            missingPackages: missing.sorted { $0.0 < $1.0 }.map(\.1))
    }
}

private struct KernelKey: Hashable {
    var release: String
    var version: String
}

/// The release a host runs, as reports show it.
public struct HostRelease: Codable, Sendable, Hashable {
    /// E.g. `8.11 (jessie)`, `forky` (testing), `ubuntu 22.04 (jammy)`.
    public var name: String
    public var codename: String?
    public var majorVersion: Int?
    /// E.g. `8.11`; nil on testing and unstable.
    public var pointRelease: String?

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
