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
                compared[sweep.host] = ComparedHost(name: sweep.host, facts: facts)
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
        groups = groupMembers.keys.sorted().map { group($0, groupMembers[$0]!) }
            + [group(Self.fleetGroup, sweeps)]

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

    /// Whether the fleet drifted: a resource differs from the playbooks on some host, a
    /// group's hosts differ from one another (release, kernel, package versions, missing
    /// packages), or a host runs a release past Debian LTS (``SupportStatus/isPastLTS``).
    /// A host in LTS only is reported but is no drift; unreachable hosts are not drift
    /// either (see ``hasUnreachable``).
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
/// Keys, by category:
///
/// | category | key |
/// | --- | --- |
/// | `unreachable` | `unreachable/HOST` |
/// | `failed` | `failed/HOST` |
/// | `drift` | `drift/HOST/RESOURCE`, e.g. `drift/lab01/file:/etc/motd` |
/// | `support` | `support/HOST` (a release in LTS only, past LTS, unreleased or unknown) |
/// | `release` | `release/GROUP` (hosts of the group on different releases) |
/// | `kernel` | `kernel/GROUP` |
/// | `package-version` | `package-version/GROUP/PACKAGE`, e.g. `package-version/web/libc6:i386` |
/// | `package-missing` | `package-missing/GROUP/PACKAGE` |
///
/// GROUP is an inventory group or `all`.
public struct Finding: Codable, Sendable, Hashable {
    public enum Category: String, Codable, Sendable, CaseIterable {
        case unreachable, failed, drift, support, release, kernel
        case packageVersion = "package-version"
        case packageMissing = "package-missing"
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
            switch host.status {
            case .unreachable:
                findings.append(Finding(
                    key: "unreachable/\(host.name)", category: .unreachable, host: host.name,
                    summary: "\(host.name) unreachable: \(host.error ?? "no answer")", isDrift: false))
            case .failed:
                findings.append(Finding(
                    key: "failed/\(host.name)", category: .failed, host: host.name,
                    summary: "\(host.name) sweep failed: \(host.error ?? "unknown error")", isDrift: false))
            case .swept:
                break
            }
            for drift in host.drift {
                findings.append(Finding(
                    key: "drift/\(host.name)/\(drift.resource)", category: .drift, host: host.name,
                    summary: "\(host.name): \(drift.resource) \(drift.reason)", isDrift: true))
            }
            if let support = host.support, support.status != .supported {
                findings.append(Finding(
                    key: "support/\(host.name)", category: .support, host: host.name,
                    summary: "\(host.name): \(support.summary)", isDrift: support.status.isPastLTS))
            }
        }
        for group in groups {
            let name = group.name
            if group.hasReleaseDiscrepancy {
                let kind = group.hasMajorReleaseDiscrepancy ? "releases" : "point releases"
                findings.append(Finding(
                    key: "release/\(name)", category: .release, group: name,
                    summary: "\(name): \(group.releases.count) \(kind): "
                        + group.releases.map { "\($0.release) on \(list($0.hosts))" }.joined(separator: "; "),
                    isDrift: true))
            }
            if group.hasKernelDiscrepancy {
                findings.append(Finding(
                    key: "kernel/\(name)", category: .kernel, group: name,
                    summary: "\(name): \(group.kernels.count) kernels: "
                        + group.kernels.map { "\($0.release) on \(list($0.hosts))" }.joined(separator: "; "),
                    isDrift: true))
            }
            for package in group.packageVersions {
                findings.append(Finding(
                    key: "package-version/\(name)/\(package.package)", category: .packageVersion, group: name,
                    summary: "\(name): \(package.package) at \(package.versions.count) versions: "
                        + package.versions.map { "\($0.version) on \(list($0.hosts))" }.joined(separator: "; "),
                    isDrift: true))
            }
            for package in group.missingPackages {
                findings.append(Finding(
                    key: "package-missing/\(name)/\(package.package)", category: .packageMissing, group: name,
                    summary: "\(name): \(package.package) missing on \(list(package.missingOn))"
                        + " (installed on \(list(package.installedOn)))",
                    isDrift: true))
            }
        }
        return findings
    }
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

    public init(
        name: String, address: String, groups: [String], status: Status, error: String? = nil,
        release: HostRelease? = nil, kernel: Kernel? = nil, architecture: String? = nil,
        installedPackages: Int? = nil, support: SupportAssessment? = nil, drift: [ResourceDrift] = []
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
                drift: drift.sorted { $0.resource < $1.resource })
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
    /// Hosts with at least one drifted resource.
    public var hostsWithDrift: Int
    /// Drifted resources over all hosts.
    public var driftedResources: Int
    /// Discrepancies over all groups, `all` included (``GroupReport/discrepancyCount``).
    public var discrepancies: Int
    /// Hosts whose release is past Debian LTS (``SupportStatus/isPastLTS``).
    public var endOfLifeHosts: Int
    /// Hosts whose release is in Debian LTS only.
    public var ltsHosts: Int
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
        hostsWithDrift = report.hosts.count { !$0.drift.isEmpty }
        driftedResources = report.hosts.reduce(0) { $0 + $1.drift.count }
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
