import Facts
import Foundation

/// What a drift sweep found across the fleet: per host, the resources that drifted from
/// the playbooks and the support status of its Debian release; per group and fleet-wide,
/// what differs between hosts (releases, kernels, package versions, missing packages);
/// unreachable and failed hosts; and every finding under a stable key, so that a history
/// of sweeps can say what is new and what was resolved.
///
/// ```swift
/// var report = DriftReport(sweeps: sweeps, sweptAt: start, duration: elapsed)
/// report.apply(FindingHistory(newKeys: …, resolved: …))  // from the history store; see FindingHistory
/// print(report.text(colored: isatty(1) != 0))
/// exit(report.exitStatus.rawValue)
/// ```
///
/// A pure value: building and rendering it reads nothing but ``DistroInfo/load(path:)``
/// (which the caller may replace).
public struct DriftReport: Sendable, Equatable {
    /// The name of the fleet-wide group, which every host belongs to.
    public static let fleetGroup = "all"

    /// When the sweep started, to the second.
    public var sweptAt: Date
    /// How long the sweep took, in seconds.
    public var duration: Double
    /// Every host of the sweep, by name.
    public var hosts: [HostReport]
    /// Each inventory group of the swept hosts, by name, then ``fleetGroup``.
    public var groups: [GroupReport]
    /// Everything worth attention, each under a stable key; see ``Finding``.
    public var findings: [Finding]
    /// Findings of the last sweep that this one no longer has, by key.
    public var resolved: [ResolvedFinding]
    /// Whether a history comparison was applied: only then do ``Finding/isNew`` and
    /// ``resolved`` mean anything (without one, nothing is marked new).
    public var isComparedWithHistory: Bool
    /// Where the support dates came from: ``DistroInfo/source``.
    public var supportDataSource: String

    /// Builds the report of a sweep.
    ///
    /// - Parameters:
    ///   - sweeps: One per host; the order does not matter.
    ///   - sweptAt: When the sweep started; support status is judged on its UTC day.
    ///   - duration: How long the sweep took, in seconds.
    ///   - distroInfo: Debian's release table, by default the controller's or the embedded one.
    ///   - history: New and resolved keys from the history store, if it has a previous sweep.
    public init(
        sweeps: [HostSweep], sweptAt: Date, duration: Double,
        distroInfo: DistroInfo = .load(), history: FindingHistory? = nil
    ) {
        // Whole seconds: the JSON's ISO 8601 time has no fraction, so the report round-trips.
        self.sweptAt = Date(timeIntervalSince1970: sweptAt.timeIntervalSince1970.rounded(.down))
        self.duration = duration
        supportDataSource = distroInfo.source

        let sweeps = sweeps.sorted { $0.host < $1.host }
        var hosts: [HostReport] = []
        var compared: [String: ComparedHost] = [:]
        for sweep in sweeps {
            hosts.append(HostReport(sweep, distroInfo: distroInfo, on: self.sweptAt))
            if case .swept(let facts, _) = sweep.outcome {
                compared[sweep.host] = ComparedHost(
                    name: sweep.host, facts: facts, roles: sweep.roles, maintenance: sweep.maintenance)
            }
        }
        self.hosts = hosts

        var groupMembers: [String: [HostSweep]] = [:]
        for sweep in sweeps {
            for group in Set(sweep.groups) where group != Self.fleetGroup {
                groupMembers[group, default: []].append(sweep)
            }
        }
        func group(_ name: String, _ members: [HostSweep]) -> GroupReport {
            GroupReport(
                name: name, members: members.compactMap { compared[$0.host] },
                unswept: members.filter { compared[$0.host] == nil }.map(\.host))
        }
        groups = Self.withoutRepeats(groupMembers.keys.sorted().map { group($0, groupMembers[$0]!) }
            + [group(Self.fleetGroup, sweeps)])

        findings = Self.findings(hosts: hosts, groups: groups)
        resolved = []
        isComparedWithHistory = false
        if let history { apply(history) }
    }

    /// Marks the findings whose keys are new since the last sweep and records what was
    /// resolved; replaces any comparison applied before.
    public mutating func apply(_ history: FindingHistory) {
        for index in findings.indices {
            findings[index].isNew = history.newKeys.contains(findings[index].key)
        }
        resolved = history.resolved.sorted { $0.key < $1.key }
        isComparedWithHistory = true
    }

    /// The report with `history` applied; see ``apply(_:)``.
    public func applying(_ history: FindingHistory) -> DriftReport {
        var report = self
        report.apply(history)
        return report
    }

    /// The hosts that were not swept (unreachable or failed), whose earlier findings a
    /// history should keep as unverified rather than count as resolved.
    public var unsweptHosts: Set<String> { Set(hosts.lazy.filter { $0.status != .swept }.map(\.name)) }

    /// The finding with `key`, if any.
    public func finding(forKey key: String) -> Finding? { findings.first { $0.key == key } }

    /// Whether the fleet drifted: a resource differs from the playbooks on some host (or a
    /// conffile of a package they manage was modified), hosts of one release differ from
    /// one another (point release, kernel, package versions, missing packages), a package
    /// differs across releases for a reason the release does not explain, or a host runs a
    /// release past Debian LTS (``SupportStatus/isPastLTS``).
    ///
    /// Reported but no drift: hosts on several releases, a release in LTS only, pending
    /// upgrades, reboots, stale lists, held, pinned and unknown packages, resources that
    /// could not be checked. Unreachable hosts are not drift either (see ``hasUnreachable``).
    public var hasDrift: Bool { findings.contains(where: \.isDrift) }

    /// Whether some hosts were not swept: unreachable, or the sweep failed on them. Their
    /// state is unknown, so the report cannot vouch for them.
    public var hasUnreachable: Bool { hosts.contains { $0.status != .swept } }

    /// The exit status for cron and scripts; see ``ExitStatus``.
    public var exitStatus: ExitStatus {
        hasUnreachable ? .unreachable : hasDrift ? .drift : .clean
    }

    /// Counts for summaries and dashboards.
    public var summary: Summary { Summary(self) }

    /// `groups` with each discrepancy only in the first group that has it: a group with
    /// the same swept members as an earlier one keeps none (``GroupReport/sameMembersAs``),
    /// and any other repeats the same hosts at the same versions under another name.
    static func withoutRepeats(_ groups: [GroupReport]) -> [GroupReport] {
        var seen: Set<String> = []
        var members: [[String]: String] = [:]
        return groups.map { group in
            var group = group
            let swept = group.swept
            if swept.count > 1, let earlier = members[swept] {
                group.sameMembersAs = earlier
                (group.pointReleases, group.kernelDifferences, group.packageVersions) = ([], [], [])
                (group.missingPackages, group.crossRelease) = ([], [])
                return group
            }
            if members[swept] == nil { members[swept] = group.name }
            let before = group.discrepancyCount
            func first(_ signature: String) -> Bool { seen.insert(signature).inserted }
            func hosts(_ versions: [VersionHosts]) -> String {
                versions.map { "\($0.version)=\($0.hosts.joined(separator: ","))" }.joined(separator: ";")
            }
            group.pointReleases = group.pointReleases.filter { series in
                first("point-release|\(series.series)|" + series.releases.map { "\($0.release)=\($0.hosts)" }.joined(separator: ";"))
            }
            group.kernelDifferences = group.kernelDifferences.filter { series in
                first("kernel|\(series.series)|" + series.kernels.map { "\($0.release) \($0.version)=\($0.hosts)" }.joined(separator: ";"))
            }
            group.packageVersions = group.packageVersions.filter {
                first("package-version|\($0.series)|\($0.package)|\(hosts($0.versions))")
            }
            group.missingPackages = group.missingPackages.filter {
                first("package-missing|\($0.series)|\($0.package)|\($0.installedOn)|\($0.missingOn)")
            }
            // Across releases the reason is what matters: the same hosts' same provenance
            // again (with more hosts around them in a larger group) is no news.
            group.crossRelease = group.crossRelease.filter {
                first("package-release|\($0.package)|" + $0.unexplained.map { "\($0.host)=\($0.provenance)" }.joined(separator: ","))
            }
            group.shownInOtherGroups = before - group.discrepancyCount
            return group
        }
    }
}

/// The exit status of `converge drift`.
///
/// ``unreachable`` takes precedence over ``drift``: a sweep that missed hosts cannot
/// vouch for the fleet, and a host that does not answer is the more urgent news; the
/// report still lists every drift found on the hosts that did answer.
public enum ExitStatus: Int32, Codable, Sendable {
    /// Every host swept, no drift.
    case clean = 0
    /// Every host swept, drift found (``DriftReport/hasDrift``).
    case drift = 1
    /// Reserved for errors: the sweep could not run (bad inventory, …). Never returned by a report.
    case error = 2
    /// Some hosts unreachable or failed, with or without drift elsewhere.
    case unreachable = 3
}

/// New and resolved finding keys since the last sweep, from the history store
/// (`DriftHistory`'s `HistoryComparison`, which this module does not depend on):
///
/// ```swift
/// let (_, comparison) = try history.record(
///     startedAt: report.sweptAt, duration: report.duration, inventory: inventoryName,
///     hostCount: report.hosts.count, unreachableCount: report.unsweptHosts.count,
///     findings: report.findings.map {
///         RecordedFinding(key: $0.key, category: $0.category.rawValue, subject: $0.subject, summary: $0.summary)
///     },
///     unverifiedSubjects: report.unsweptHosts)
/// report.apply(FindingHistory(
///     newKeys: Set(comparison.new.map(\.key)),
///     resolved: comparison.resolved.map { ResolvedFinding(key: $0.key, summary: $0.summary) }))
/// ```
public struct FindingHistory: Codable, Sendable, Equatable {
    /// Keys of this sweep's findings that the last sweep did not have.
    public var newKeys: Set<String>
    /// Findings of the last sweep that this one does not have, with their summaries then.
    public var resolved: [ResolvedFinding]

    public init(newKeys: Set<String>, resolved: [ResolvedFinding]) {
        self.newKeys = newKeys
        self.resolved = resolved
    }
}

/// A finding of the last sweep that this sweep no longer has.
public struct ResolvedFinding: Codable, Sendable, Hashable {
    public var key: String
    /// The finding's summary when it was last seen.
    public var summary: String

    public init(key: String, summary: String) {
        self.key = key
        self.summary = summary
    }
}

/// One thing the sweep found, under a key that stays the same from sweep to sweep as
/// long as the thing itself persists (it names the host or group and the resource or
/// package, never versions or counts), so a history store can tell new from known.
///
/// Keys, by category (drift: whether the finding counts as drift):
///
/// | category | key | drift |
/// | --- | --- | --- |
/// | `unreachable` | `unreachable/HOST` | no |
/// | `failed` | `failed/HOST` | no |
/// | `drift` | `drift/HOST/RESOURCE`, e.g. `drift/lab01/file:/etc/motd` | yes |
/// | `conffile` | `conffile/HOST/PATH`: a managed package's conffile modified | yes |
/// | `unverified` | `unverified/HOST/RESOURCE`: could not be checked | no |
/// | `support` | `support/HOST` (a release in LTS only, past LTS, unreleased or unknown) | past LTS |
/// | `security-upgrades` | `security-upgrades/HOST` | no |
/// | `reboot` | `reboot/HOST` | no |
/// | `apt-lists` | `apt-lists/HOST`: missing, or older than a week | no |
/// | `held` | `held/HOST/PACKAGE` | no |
/// | `pinned` | `pinned/HOST/PACKAGE` | no |
/// | `no-repository` | `no-repository/HOST/PACKAGE` | no |
/// | `release` | `release/GROUP`: hosts of the group on several releases | no |
/// | `point-release` | `point-release/GROUP/SERIES`, e.g. `point-release/web/bookworm` | yes |
/// | `kernel` | `kernel/GROUP/SERIES` | yes |
/// | `package-version` | `package-version/GROUP/SERIES/PACKAGE`, e.g. `package-version/web/jessie/libc6:i386` | yes |
/// | `package-missing` | `package-missing/GROUP/SERIES/PACKAGE` | yes |
/// | `package-release` | `package-release/GROUP/PACKAGE`: across series, not explained by the release | yes |
///
/// GROUP is an inventory group or `all`; SERIES a release's codename.
public struct Finding: Codable, Sendable, Hashable {
    public enum Category: String, Codable, Sendable, CaseIterable {
        case unreachable, failed, drift, conffile, unverified, support
        case securityUpgrades = "security-upgrades"
        case reboot
        case aptLists = "apt-lists"
        case held, pinned
        case noRepository = "no-repository"
        case release
        case pointRelease = "point-release"
        case kernel
        case packageVersion = "package-version"
        case packageMissing = "package-missing"
        case packageRelease = "package-release"
    }

    public var key: String
    public var category: Category
    /// The host, for host findings.
    public var host: String?
    /// The group, for discrepancies.
    public var group: String?
    /// One line, e.g. `openssl: 1.0.1t-1+deb8u8 on web01, web02; 1.1.0l-1~deb9u1 on web03`.
    public var summary: String
    /// Whether it counts as drift (``DriftReport/hasDrift``).
    public var isDrift: Bool
    /// Whether the last sweep did not have it; false without a history comparison.
    public var isNew: Bool

    public init(
        key: String, category: Category, host: String? = nil, group: String? = nil, summary: String,
        isDrift: Bool, isNew: Bool = false
    ) {
        self.key = key
        self.category = category
        self.host = host
        self.group = group
        self.summary = summary
        self.isDrift = isDrift
        self.isNew = isNew
    }

    /// The host or group the finding is about: ``host`` for host findings, else ``group``.
    public var subject: String { host ?? group ?? "" }

    private enum CodingKeys: String, CodingKey {
        case key, category, host, group, summary
        case isDrift = "drift"
        case isNew = "new"
    }
}

extension DriftReport {
    /// Every finding: host findings by host, then group findings by group, each in category order.
    static func findings(hosts: [HostReport], groups: [GroupReport]) -> [Finding] {
        var findings: [Finding] = []
        for host in hosts {
            findings += hostFindings(host)
        }
        for group in groups {
            let name = group.name
            func add(_ category: Finding.Category, _ key: String, _ summary: String, drift: Bool = true) {
                findings.append(Finding(
                    key: "\(category.rawValue)/\(name)/\(key)", category: category, group: name,
                    summary: "\(name): \(summary)", isDrift: drift))
            }
            if group.hasMajorReleaseDiscrepancy, group.sameMembersAs == nil {
                findings.append(Finding(
                    key: "release/\(name)", category: .release, group: name,
                    summary: "\(name): \(Set(group.releases.map(\.series)).count) releases: "
                        + group.series.map { "\($0.series) on \(list($0.hosts))" }.joined(separator: "; "),
                    isDrift: false))
            }
            for series in group.pointReleases {
                add(.pointRelease, series.series, "\(series.series) hosts on \(series.releases.count) point releases: "
                    + series.releases.map { "\($0.release) on \(list($0.hosts))" }.joined(separator: "; "))
            }
            for series in group.kernelDifferences {
                add(.kernel, series.series, "\(series.series) hosts on \(series.kernels.count) kernels: "
                    + series.kernels.map { "\($0.release) on \(list($0.hosts))" }.joined(separator: "; "))
            }
            for package in group.packageVersions {
                add(.packageVersion, "\(package.series)/\(package.package)",
                    "\(package.package) at \(package.versions.count) versions on \(package.series): "
                        + package.versions.map { "\($0.version) on \(list($0.hosts))" }.joined(separator: "; "))
            }
            for package in group.missingPackages {
                add(.packageMissing, "\(package.series)/\(package.package)",
                    "\(package.package) missing on \(list(package.missingOn)) (installed on \(list(package.installedOn)))")
            }
            for package in group.crossRelease {
                add(.packageRelease, package.package,
                    "\(package.package) differs across releases: "
                        + package.versions.map { "\($0.version) on \(list($0.hosts))" }.joined(separator: "; ")
                        + " (" + package.unexplained.map { "\($0.host) \($0.provenance)" }.joined(separator: ", ") + ")")
            }
        }
        return findings
    }

    /// The findings of one host, in category order.
    private static func hostFindings(_ host: HostReport) -> [Finding] {
        var findings: [Finding] = []
        let name = host.name
        func add(_ category: Finding.Category, _ key: String?, _ summary: String, drift: Bool = false) {
            findings.append(Finding(
                key: "\(category.rawValue)/\(name)" + (key.map { "/\($0)" } ?? ""), category: category, host: name,
                summary: summary, isDrift: drift))
        }
        switch host.status {
        case .unreachable: add(.unreachable, nil, "\(name) unreachable: \(host.error ?? "no answer")")
        case .failed: add(.failed, nil, "\(name) sweep failed: \(host.error ?? "unknown error")")
        case .swept: break
        }
        for drift in host.drift {
            add(.drift, drift.resource, "\(name): \(drift.resource) \(drift.reason)", drift: true)
        }
        if let maintenance = host.maintenance {
            for conffile in maintenance.modifiedConffiles {
                add(.conffile, conffile.path,
                    "\(name): \(conffile.package)'s \(conffile.path) \(conffile.isMissing ? "deleted" : "modified")", drift: true)
            }
        }
        for resource in host.unverified {
            add(.unverified, resource.resource, "\(name): \(resource.resource) \(resource.reason)")
        }
        if let support = host.support, support.status != .supported {
            add(.support, nil, "\(name): \(support.summary)", drift: support.status.isPastLTS)
        }
        guard let maintenance = host.maintenance else { return findings }
        let security = maintenance.securityUpgrades
        if !security.isEmpty {
            add(.securityUpgrades, nil,
                "\(name): \(security.count) security upgrade\(security.count == 1 ? "" : "s") pending: \(list(security.map(\.package), limit: 5))")
        }
        if !maintenance.reboot.isEmpty {
            add(.reboot, nil, "\(name): reboot needed: " + maintenance.reboot.map(\.detail).joined(separator: "; "))
        }
        if maintenance.listsAreStale {
            add(.aptLists, nil, maintenance.listsMissing
                ? "\(name): apt has no package lists"
                : "\(name): apt lists \(age(maintenance.listsAge ?? 0)) old")
        }
        for package in maintenance.heldPackages {
            add(.held, package.package, "\(name): \(package.package) held at \(package.version)"
                + (package.available.map { " (\($0) available\(package.availableIsSecurity ? ", security" : ""))" } ?? ""))
        }
        for package in maintenance.pinnedPackages {
            add(.pinned, package.package,
                "\(name): \(package.package) pinned" + (package.pinnedTo.map { " to \($0)" } ?? "") + " (\(package.installed) installed)")
        }
        for package in maintenance.packagesFromNoRepository {
            add(.noRepository, package.package, "\(name): \(package.package) \(package.version) from no configured repository")
        }
        return findings
    }
}

/// `3 days`, `5 hours`, `20 minutes`.
func age(_ seconds: Int) -> String {
    if seconds >= 2 * 86400 { return "\(seconds / 86400) days" }
    if seconds >= 2 * 3600 { return "\(seconds / 3600) hours" }
    if seconds >= 3600 { return "1 hour" }
    if seconds >= 120 { return "\(seconds / 60) minutes" }
    return "\(seconds) seconds"
}

/// `a, b, c`, or the first few and a count for long lists, for one-line summaries.
func list(_ names: [String], limit: Int = 8) -> String {
    guard names.count > limit else { return names.joined(separator: ", ") }
    return names.prefix(limit).joined(separator: ", ") + " and \(names.count - limit) more"
}

/// One host of the sweep as the report shows it.
public struct HostReport: Codable, Sendable, Equatable {
    /// How the host's sweep ended.
    public enum Status: String, Codable, Sendable {
        case swept, unreachable, failed
    }

    public var name: String
    public var address: String
    public var groups: [String]
    public var status: Status
    /// Why the host is unreachable or failed.
    public var error: String?
    /// The host's release; nil unless swept.
    public var release: HostRelease?
    public var kernel: Kernel?
    /// The Debian architecture, e.g. `amd64`.
    public var architecture: String?
    /// How many packages are installed.
    public var installedPackages: Int?
    /// Where the release stands in Debian's support; nil unless swept.
    public var support: SupportAssessment?
    /// The resources that differ from the playbooks, by resource; empty unless swept.
    public var drift: [ResourceDrift]
    /// The resources that could not be checked, by resource; empty unless swept.
    public var unverified: [UnverifiedResource]
    /// How the host stands with apt, dpkg and reboots; nil unless swept with maintenance facts.
    public var maintenance: HostMaintenance?

    public init(
        name: String, address: String, groups: [String], status: Status, error: String? = nil,
        release: HostRelease? = nil, kernel: Kernel? = nil, architecture: String? = nil,
        installedPackages: Int? = nil, support: SupportAssessment? = nil, drift: [ResourceDrift] = [],
        unverified: [UnverifiedResource] = [], maintenance: HostMaintenance? = nil
    ) {
        self.name = name
        self.address = address
        self.groups = groups
        self.status = status
        self.error = error
        self.release = release
        self.kernel = kernel
        self.architecture = architecture
        self.installedPackages = installedPackages
        self.support = support
        self.drift = drift
        self.unverified = unverified
        self.maintenance = maintenance
    }

    /// Whether the report has anything to say of this host in particular: unreachable or
    /// failed, drift, resources not checked, a release past LTS (or unreleased, or
    /// unknown), or maintenance that needs attention (``HostMaintenance/needsAttention``).
    /// A release in LTS only and pending upgrades are shown for all hosts at once.
    public var hasSomethingToShow: Bool {
        status != .swept || !drift.isEmpty || !unverified.isEmpty
            || (support.map { ![.supported, .lts].contains($0.status) } ?? false)
            || (maintenance?.needsAttention ?? false)
    }

    init(_ sweep: HostSweep, distroInfo: DistroInfo, on date: Date) {
        switch sweep.outcome {
        case .swept(let facts, let drift):
            self.init(
                name: sweep.host, address: sweep.address, groups: sweep.groups, status: .swept,
                release: HostRelease(facts.release), kernel: facts.kernel,
                architecture: facts.architecture.name,
                installedPackages: facts.packages.reduce(0) { $0 + ($1.isInstalled ? 1 : 0) },
                support: distroInfo.support(for: facts.release, on: date),
                // Drift keys name the resource, so one entry per resource, in a stable order.
                drift: drift.sorted { $0.resource < $1.resource },
                unverified: sweep.unverified.sorted { $0.resource < $1.resource },
                maintenance: sweep.maintenance.map {
                    HostMaintenance(
                        facts: facts, maintenance: $0, managedPackages: sweep.managedPackages,
                        managedFiles: sweep.managedFiles)
                })
        case .unreachable(let message):
            self.init(
                name: sweep.host, address: sweep.address, groups: sweep.groups, status: .unreachable,
                error: message)
        case .failed(let message):
            self.init(
                name: sweep.host, address: sweep.address, groups: sweep.groups, status: .failed,
                error: message)
        }
    }
}

/// Counts over a report.
public struct Summary: Codable, Sendable, Equatable {
    public var hosts: Int
    public var swept: Int
    public var unreachable: Int
    public var failed: Int
    /// Hosts with at least one drifted resource or modified conffile.
    public var hostsWithDrift: Int
    /// Drifted resources over all hosts.
    public var driftedResources: Int
    /// Discrepancies over all groups, `all` included (``GroupReport/discrepancyCount``).
    public var discrepancies: Int
    /// Hosts whose release is past Debian LTS (``SupportStatus/isPastLTS``).
    public var endOfLifeHosts: Int
    /// Hosts whose release is in Debian LTS only.
    public var ltsHosts: Int
    /// Modified conffiles of managed packages, over all hosts.
    public var modifiedConffiles: Int
    /// Resources that could not be checked, over all hosts.
    public var unverifiedResources: Int
    /// Pending upgrades over all hosts, and those from a security archive.
    public var pendingUpgrades: Int
    public var securityUpgrades: Int
    /// Hosts with security upgrades pending.
    public var hostsWithSecurityUpgrades: Int
    /// Hosts that should reboot.
    public var hostsNeedingReboot: Int
    /// Hosts behind the Debian release the playbook or inventory gives them: their drift is
    /// the next step of their release upgrade (``ReleaseUpgrade``).
    public var hostsBehindTargetRelease: Int
    /// Hosts whose apt lists are missing or older than a week.
    public var hostsWithStaleLists: Int
    public var findings: Int
    public var newFindings: Int
    public var resolvedFindings: Int
    public var hasDrift: Bool
    public var hasUnreachable: Bool
    public var exitStatus: Int32

    init(_ report: DriftReport) {
        hosts = report.hosts.count
        swept = report.hosts.count { $0.status == .swept }
        unreachable = report.hosts.count { $0.status == .unreachable }
        failed = report.hosts.count { $0.status == .failed }
        hostsWithDrift = report.hosts.count { !$0.drift.isEmpty || !($0.maintenance?.modifiedConffiles.isEmpty ?? true) }
        driftedResources = report.hosts.reduce(0) { $0 + $1.drift.count }
        let maintenance = report.hosts.compactMap(\.maintenance)
        modifiedConffiles = maintenance.reduce(0) { $0 + $1.modifiedConffiles.count }
        unverifiedResources = report.hosts.reduce(0) { $0 + $1.unverified.count }
        pendingUpgrades = maintenance.reduce(0) { $0 + $1.pendingUpgrades.count }
        securityUpgrades = maintenance.reduce(0) { $0 + $1.securityUpgrades.count }
        hostsWithSecurityUpgrades = maintenance.count { !$0.securityUpgrades.isEmpty }
        hostsNeedingReboot = maintenance.count { !$0.reboot.isEmpty }
        hostsBehindTargetRelease = report.hosts.count { $0.drift.contains { $0.resource.hasPrefix("release:") } }
        hostsWithStaleLists = maintenance.count(where: \.listsAreStale)
        discrepancies = report.groups.reduce(0) { $0 + $1.discrepancyCount }
        endOfLifeHosts = report.hosts.count { $0.support?.status.isPastLTS == true }
        ltsHosts = report.hosts.count { $0.support?.status == .lts }
        findings = report.findings.count
        newFindings = report.findings.count(where: \.isNew)
        resolvedFindings = report.resolved.count
        hasDrift = report.hasDrift
        hasUnreachable = report.hasUnreachable
        exitStatus = report.exitStatus.rawValue
    }
}
