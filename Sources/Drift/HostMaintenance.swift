import Facts
import Foundation

/// How a host stands with its own package management, as the report shows it: pending
/// upgrades (security ones marked) from its own lists and how old those are, why it should
/// reboot, and the packages that are held, pinned, from no configured repository, or whose
/// conffiles were modified.
public struct HostMaintenance: Codable, Sendable, Equatable {
    /// Installed packages with a newer candidate in the host's lists, held ones left out
    /// (an upgrade keeps them back), by package.
    public var pendingUpgrades: [PendingUpgrade]
    /// Whether apt has no lists at all (`apt-get update` never ran, or they were cleaned).
    public var listsMissing: Bool
    /// When the lists were last updated, as far as the host can tell; see ``AptLists/lastUpdate``.
    public var listsUpdated: Date?
    /// How old the lists were at the sweep, in seconds.
    public var listsAge: Int?
    /// Why the host should reboot; empty when nothing says it should.
    public var reboot: [RebootReason]
    /// Packages held at their version, by package.
    public var heldPackages: [HeldPackage]
    /// Packages pinned in apt's preferences, by package.
    public var pinnedPackages: [PinnedPackage]
    /// Installed packages that no configured repository offers, nor anything newer:
    /// locally built, or left by a repository since removed.
    public var packagesFromNoRepository: [PackageVersion]
    /// Modified conffiles of the packages the playbooks manage, except the files the
    /// playbooks write themselves.
    public var modifiedConffiles: [ModifiedConffile]
    /// What could not be found out, each a failed fact's error.
    public var unavailable: [String]

    public init(
        pendingUpgrades: [PendingUpgrade] = [], listsMissing: Bool = false, listsUpdated: Date? = nil,
        listsAge: Int? = nil, reboot: [RebootReason] = [], heldPackages: [HeldPackage] = [],
        pinnedPackages: [PinnedPackage] = [], packagesFromNoRepository: [PackageVersion] = [],
        modifiedConffiles: [ModifiedConffile] = [], unavailable: [String] = []
    ) {
        self.pendingUpgrades = pendingUpgrades
        self.listsMissing = listsMissing
        self.listsUpdated = listsUpdated
        self.listsAge = listsAge
        self.reboot = reboot
        self.heldPackages = heldPackages
        self.pinnedPackages = pinnedPackages
        self.packagesFromNoRepository = packagesFromNoRepository
        self.modifiedConffiles = modifiedConffiles
        self.unavailable = unavailable
    }

    /// Lists older than this (seven days) make pending-upgrade counts doubtful: a finding.
    public static let staleListsAge = 7 * 24 * 3600

    /// The pending upgrades from a security archive.
    public var securityUpgrades: [PendingUpgrade] { pendingUpgrades.filter(\.isSecurity) }

    /// Whether the lists are missing or older than ``staleListsAge``.
    public var listsAreStale: Bool { listsMissing || (listsAge ?? 0) > Self.staleListsAge }

    /// Whether there is anything about this host in particular that a person should look
    /// at: a reboot, stale lists, held, pinned or unknown packages, modified conffiles,
    /// missing facts. Pending upgrades are not: reports show them by release, as hosts of
    /// one release share them.
    public var needsAttention: Bool {
        !reboot.isEmpty || listsAreStale || !heldPackages.isEmpty
            || !pinnedPackages.isEmpty || !packagesFromNoRepository.isEmpty || !modifiedConffiles.isEmpty
            || !unavailable.isEmpty
    }

    private enum CodingKeys: String, CodingKey {
        case pendingUpgrades, listsMissing, listsUpdated, listsAge = "listsAgeSeconds", reboot, heldPackages
        case pinnedPackages, packagesFromNoRepository, modifiedConffiles, unavailable
    }
}

/// A package apt would upgrade.
public struct PendingUpgrade: Codable, Sendable, Hashable {
    /// apt's name: `openssl`, or `libc6:i386` for a foreign architecture.
    public var package: String
    public var installed: String
    public var candidate: String
    /// Whether a security archive offers the candidate.
    public var isSecurity: Bool

    public init(package: String, installed: String, candidate: String, isSecurity: Bool) {
        self.package = package
        self.installed = installed
        self.candidate = candidate
        self.isSecurity = isSecurity
    }

    private enum CodingKeys: String, CodingKey { case package, installed, candidate, isSecurity = "security" }
}

/// A package held at its version, and what apt would otherwise install.
public struct HeldPackage: Codable, Sendable, Hashable {
    public var package: String
    public var version: String
    /// A newer candidate that the hold keeps back, if any.
    public var available: String?
    /// Whether that candidate comes from a security archive.
    public var availableIsSecurity: Bool

    public init(package: String, version: String, available: String? = nil, availableIsSecurity: Bool = false) {
        self.package = package
        self.version = version
        self.available = available
        self.availableIsSecurity = availableIsSecurity
    }

    private enum CodingKeys: String, CodingKey { case package, version, available, availableIsSecurity = "availableSecurity" }
}

/// A package pinned in apt's preferences.
public struct PinnedPackage: Codable, Sendable, Hashable {
    public var package: String
    public var installed: String
    /// The version the pin selects; nil when none matches it.
    public var pinnedTo: String?

    public init(package: String, installed: String, pinnedTo: String?) {
        self.package = package
        self.installed = installed
        self.pinnedTo = pinnedTo
    }
}

/// An installed package and its version.
public struct PackageVersion: Codable, Sendable, Hashable {
    public var package: String
    public var version: String

    public init(package: String, version: String) {
        self.package = package
        self.version = version
    }
}

/// One reason a host should reboot.
public struct RebootReason: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable {
        /// `/var/run/reboot-required` exists.
        case flagged
        /// A newer kernel (or a newer build of the running one) is installed.
        case kernel
        /// Processes run a C library that an upgrade replaced.
        case libc
    }

    public var kind: Kind
    /// E.g. `kernel 6.1.0-30-amd64 installed, 6.1.0-28-amd64 running`.
    public var detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }
}

extension HostMaintenance {
    /// The report's view of a host's maintenance facts.
    ///
    /// - Parameters:
    ///   - managedPackages: The packages the playbooks declare: only their conffiles count.
    ///   - managedFiles: The files the playbooks write: not counted as modified conffiles.
    public init(facts: HostFacts, maintenance: MaintenanceFacts, managedPackages: Set<String>, managedFiles: Set<String>) {
        self.init(unavailable: maintenance.errors)
        let native = facts.architecture.name
        // apt's names of the held packages: foreign architectures qualified, as apt prints them.
        let held = Set(facts.packages.lazy.filter { $0.isInstalled && $0.status.isHeld }.map {
            PackageID($0, nativeArchitecture: native).qualifiedName
        })
        if let policy = maintenance.aptPolicy {
            func isSecurity(_ descriptions: [String]) -> Bool {
                descriptions.contains { policy.sources[$0]?.isSecurity == true }
            }
            for (name, package) in policy.packages.sorted(by: { $0.key < $1.key }) {
                let newer = package.candidate.flatMap { DebianVersion.compare($0, package.installed) > 0 ? $0 : nil }
                if held.contains(name) {
                    heldPackages.append(HeldPackage(
                        package: name, version: package.installed, available: newer,
                        availableIsSecurity: newer != nil && isSecurity(package.candidateFrom)))
                } else if let newer {
                    pendingUpgrades.append(PendingUpgrade(
                        package: name, installed: package.installed, candidate: newer,
                        isSecurity: isSecurity(package.candidateFrom)))
                }
                if let pin = policy.pins[name] {
                    pinnedPackages.append(PinnedPackage(package: name, installed: package.installed, pinnedTo: pin))
                }
                if package.installedFrom.isEmpty, newer == nil {
                    packagesFromNoRepository.append(PackageVersion(package: name, version: package.installed))
                }
            }
        }
        if let lists = maintenance.aptLists {
            listsMissing = lists.packageIndexCount == 0
            listsUpdated = lists.lastUpdate.map { Date(timeIntervalSince1970: Double($0)) }
            listsAge = lists.age
        }
        if let signals = maintenance.reboot {
            reboot = Self.rebootReasons(signals, facts: facts)
        }
        modifiedConffiles = (maintenance.modifiedConffiles ?? []).filter { conffile in
            let name = conffile.package.split(separator: ":").first.map(String.init) ?? conffile.package
            return managedPackages.contains(name) && !managedFiles.contains(conffile.path)
        }
    }

    /// Why the host should reboot: the flag file; a newer kernel than the running one (not
    /// in a container, whose kernel is its machine's); processes on a replaced libc, or,
    /// when their maps cannot be read, a libc6 installed after boot.
    static func rebootReasons(_ signals: RebootSignals, facts: HostFacts) -> [RebootReason] {
        var reasons: [RebootReason] = []
        if signals.flagged {
            let packages = signals.flaggedBy.isEmpty ? "" : " (\(list(signals.flaggedBy, limit: 4)))"
            reasons.append(RebootReason(kind: .flagged, detail: "/var/run/reboot-required\(packages)"))
        }
        if !facts.initSystem.isContainer, let kernel = kernelReason(signals, facts: facts) {
            reasons.append(kernel)
        }
        let processes = signals.processesUsingReplacedLibc
        if !processes.isEmpty {
            let names = list(Array(Set(processes.map(\.name))).sorted(), limit: 5)
            reasons.append(RebootReason(
                kind: .libc,
                detail: "libc replaced: \(processes.count) process\(processes.count == 1 ? "" : "es") still use the old one (\(names))"))
        } else if !signals.mapsReadable, let installed = signals.libcInstalled, let boot = signals.bootTime, installed > boot {
            reasons.append(RebootReason(kind: .libc, detail: "libc6 upgraded after boot (process maps not readable to tell which still use it)"))
        }
        return reasons
    }

    private static func kernelReason(_ signals: RebootSignals, facts: HostFacts) -> RebootReason? {
        let running = facts.kernel.release
        let flavour = kernelFlavour(running)
        let installed = signals.installedKernels.filter { kernelFlavour($0) == flavour }
        if let newest = installed.max(by: DebianVersion.areInIncreasingOrder),
            DebianVersion.compare(newest, running) > 0
        {
            return RebootReason(kind: .kernel, detail: "kernel \(newest) installed, \(running) running")
        }
        // The same ABI rebuilt: linux-image-RELEASE upgraded in place, uname -v still the old build.
        let build = runningBuild(facts.kernel.version)
        if let build, let package = facts.packages.first(where: {
            $0.isInstalled && ($0.name == "linux-image-\(running)" || $0.name == "linux-image-\(running)-unsigned")
        }), package.version != build {
            return RebootReason(kind: .kernel, detail: "\(package.name) upgraded to \(package.version), \(build) running")
        }
        return nil
    }

    /// `amd64` of `6.1.0-28-amd64`, `cloud-amd64` of `5.10.0-33-cloud-amd64`: the parts
    /// after the version, so that kernels of one flavour are compared.
    static func kernelFlavour(_ release: String) -> String {
        release.split(separator: "-").drop { $0.contains { $0.isNumber } }.joined(separator: "-")
    }

    /// `6.1.119-1` of `#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)`.
    static func runningBuild(_ version: String) -> String? {
        let words = version.split(separator: " ")
        guard let index = words.firstIndex(of: "Debian"), index + 1 < words.count else { return nil }
        return String(words[index + 1])
    }
}
