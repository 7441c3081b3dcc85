import Foundation

/// The top of a report, what a person reads first: which hosts drifted, what differs
/// between hosts of one release, hosts past support, unreachable, new and resolved since
/// the last sweep, who runs which release, security upgrades, reboots, and the rest in one
/// line. The text and HTML reports show the same items.
struct ReportOverview {
    /// How an item reads at a glance.
    enum Tone { case good, notice, bad }

    struct Item {
        /// E.g. `drift`, `past support`.
        var label: String
        /// The item's lines: usually one; a row per release for `releases`.
        var lines: [String]
        var tone: Tone
    }

    var items: [Item]

    init(_ report: DriftReport) {
        var items: [Item] = []
        func marked(_ names: [String]) -> String { list(names, limit: 10) }

        // drift: each host with what drifted, resources first, then conffiles.
        let drifted = report.hosts.compactMap { host -> String? in
            let conffiles = host.maintenance?.modifiedConffiles ?? []
            let things = host.drift.map(\.resource) + conffiles.map { "conffile \($0.path)" }
            guard !things.isEmpty else { return nil }
            return things.count <= 2 ? "\(host.name) (\(things.joined(separator: ", ")))" : "\(host.name) (\(things.count) resources)"
        }
        items.append(Item(label: "drift", lines: [drifted.isEmpty ? "none" : list(drifted, limit: 6)], tone: drifted.isEmpty ? .good : .bad))

        let discrepancies = report.discrepancyLabels
        items.append(Item(
            label: "discrepancies", lines: [discrepancies.isEmpty ? "none" : list(discrepancies, limit: 4)],
            tone: discrepancies.isEmpty ? .good : .bad))

        let pastLTS = report.hosts.filter { $0.support?.status.isPastLTS == true }.map(\.name)
        let lts = report.hosts.filter { $0.support?.status == .lts }.map(\.name)
        var support = pastLTS.isEmpty ? "none" : marked(pastLTS)
        if !lts.isEmpty { support += "; in LTS only: \(marked(lts))" }
        items.append(Item(label: "past support", lines: [support], tone: pastLTS.isEmpty ? (lts.isEmpty ? .good : .notice) : .bad))

        let unswept = report.hosts.filter { $0.status != .swept }.map { "\($0.name) (\($0.status.rawValue))" }
        items.append(Item(label: "unreachable", lines: [unswept.isEmpty ? "none" : list(unswept, limit: 6)], tone: unswept.isEmpty ? .good : .bad))

        if report.isComparedWithHistory {
            let new = report.findings.filter(\.isNew)
            let shown = new.prefix(3).map(\.summary).joined(separator: "; ")
            items.append(Item(
                label: "new", lines: [new.isEmpty ? "nothing since the last sweep" : "\(new.count) since the last sweep: \(shown)\(new.count > 3 ? "; …" : "")"],
                tone: new.contains(where: \.isDrift) ? .bad : new.isEmpty ? .good : .notice))
            let resolved = report.resolved
            items.append(Item(
                label: "resolved",
                lines: [resolved.isEmpty ? "nothing" : "\(resolved.count): " + resolved.prefix(3).map(\.summary).joined(separator: "; ") + (resolved.count > 3 ? "; …" : "")],
                tone: .good))
        }

        if let fleet = report.groups.last(where: { $0.name == DriftReport.fleetGroup }), !fleet.releases.isEmpty {
            let width = fleet.releases.map { $0.release.count }.max() ?? 0
            items.append(Item(
                label: "releases",
                lines: fleet.releases.map { $0.release.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + list($0.hosts, limit: 10) },
                tone: .good))
        }

        let maintained = report.hosts.filter { $0.maintenance != nil }
        if !maintained.isEmpty {
            let security = maintained.compactMap { host -> (String, Int)? in
                let count = host.maintenance!.securityUpgrades.count
                return count > 0 ? (host.name, count) : nil
            }
            let others = maintained.reduce(0) { $0 + $1.maintenance!.pendingUpgrades.count - $1.maintenance!.securityUpgrades.count }
            let total = security.reduce(0) { $0 + $1.1 }
            var line = security.isEmpty
                ? "no upgrades pending"
                : "\(total) upgrade\(total == 1 ? "" : "s") pending on \(security.count) host\(security.count == 1 ? "" : "s"): "
                    + list(security.map { "\($0.0) (\($0.1))" }, limit: 6)
            if others > 0 { line += "; \(others) other upgrade\(others == 1 ? "" : "s") pending" }
            items.append(Item(label: "security", lines: [line], tone: security.isEmpty ? .good : .notice))

            let reboot = maintained.compactMap { host -> String? in
                let kinds = host.maintenance!.reboot.map(\.kind.rawValue)
                return kinds.isEmpty ? nil : "\(host.name) (\(kinds.joined(separator: ", ")))"
            }
            items.append(Item(label: "reboot", lines: [reboot.isEmpty ? "none needed" : list(reboot, limit: 8)], tone: reboot.isEmpty ? .good : .notice))

            let stale = maintained.filter { $0.maintenance!.listsAreStale }.map { host in
                "\(host.name) (" + (host.maintenance!.listsMissing ? "no lists" : age(host.maintenance!.listsAge ?? 0)) + ")"
            }
            if !stale.isEmpty { items.append(Item(label: "apt lists", lines: ["stale on " + list(stale, limit: 8)], tone: .notice)) }
        }

        var also: [String] = []
        func addAlso(_ label: String, _ hosts: [(String, [String])]) {
            let named = hosts.filter { !$0.1.isEmpty }
            guard !named.isEmpty else { return }
            also.append("\(label): " + list(named.map { "\($0.0) (\(list($0.1, limit: 2)))" }, limit: 4))
        }
        addAlso("held", maintained.map { ($0.name, $0.maintenance!.heldPackages.map(\.package)) })
        addAlso("pinned", maintained.map { ($0.name, $0.maintenance!.pinnedPackages.map(\.package)) })
        addAlso("from no repository", maintained.map { ($0.name, $0.maintenance!.packagesFromNoRepository.map(\.package)) })
        addAlso("not checked", report.hosts.map { ($0.name, $0.unverified.map(\.resource)) })
        addAlso("facts missing", maintained.map { ($0.name, $0.maintenance!.unavailable.map { String($0.prefix { $0 != ":" }) }) })
        if !also.isEmpty { items.append(Item(label: "also", lines: [also.joined(separator: " · ")], tone: .notice)) }
        self.items = items
    }
}

extension DriftReport {
    /// One short label per group discrepancy, for the overview: `bookworm point release
    /// (lab05 behind)`, `openssl on bookworm (web)`, `curl missing on web02`, `hello across releases`.
    var discrepancyLabels: [String] {
        var labels: [String] = []
        for group in groups {
            let name = group.name
            for series in group.pointReleases {
                labels.append("\(series.series) point release (\(list(series.behind, limit: 3)) behind; group \(name))")
            }
            for series in group.kernelDifferences { labels.append("\(series.series) kernels (group \(name))") }
            for package in group.packageVersions { labels.append("\(package.package) on \(package.series) (group \(name))") }
            for package in group.missingPackages {
                labels.append("\(package.package) missing on \(list(package.missingOn, limit: 3)) (group \(name))")
            }
            for package in group.crossRelease { labels.append("\(package.package) across releases (group \(name))") }
        }
        return labels
    }
}

/// Hosts of one series with the same pending security upgrades: reports list those once
/// for all such hosts, where a line per host would repeat itself.
struct UpgradeBatch {
    var series: String
    var hosts: [String]
    /// The packages with security upgrades pending, by name.
    var packages: [String]
}

extension DriftReport {
    /// The swept hosts with security upgrades pending, batched by series and package set,
    /// oldest series first, then the largest batch first.
    var securityUpgradeBatches: [UpgradeBatch] {
        var batches: [String: UpgradeBatch] = [:]
        var order: [String: Int] = [:]
        let seriesOrder = (groups.last?.releases ?? []).map(\.series)
        for host in hosts {
            guard let maintenance = host.maintenance, let series = host.release?.series else { continue }
            let packages = maintenance.securityUpgrades.map(\.package).sorted()
            guard !packages.isEmpty else { continue }
            let key = series + "|" + packages.joined(separator: " ")
            batches[key, default: UpgradeBatch(series: series, hosts: [], packages: packages)].hosts.append(host.name)
            order[key] = seriesOrder.firstIndex(of: series) ?? seriesOrder.count
        }
        return batches.sorted { a, b in
            let (x, y) = (order[a.key]!, order[b.key]!)
            if x != y { return x < y }
            if a.value.hosts.count != b.value.hosts.count { return a.value.hosts.count > b.value.hosts.count }
            return a.key < b.key
        }.map(\.value)
    }
}

extension DriftReport {
    /// What the groups say about each host in particular: the point release it lags
    /// behind, by host. Reports show these among the host's details.
    var groupNotes: [String: [String]] {
        var notes: [String: [String]] = [:]
        for group in groups {
            for series in group.pointReleases {
                let newest = series.releases.last
                for variant in series.releases.dropLast() {
                    for host in variant.hosts {
                        notes[host, default: []].append(
                            "point release \(variant.release), behind \(newest?.release ?? "?") on \(list(newest?.hosts ?? [], limit: 4)) (group \(group.name))")
                    }
                }
            }
        }
        return notes
    }
}
