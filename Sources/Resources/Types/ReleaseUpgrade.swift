import Facts

/// One step of a host's upgrade to its target Debian release: from the release it runs to
/// the next, as Debian supports them (bullseye to bookworm, then bookworm to trixie).
///
/// A fleet does not list it in a role: a host behind the target its group is given
/// (``UpgradePolicies/releases``, or the inventory's `release` var) gets it from converge,
/// in place of its roles. The plan shows the step's packages (upgraded, installed and
/// removed), worked out on the host by apt's simulation with the next release's sources in
/// a scratch directory, so nothing on the host changes (`ReleaseSimulationFact`).
///
/// What would make the step fail stops it before anything changes, with one message naming
/// each cause: held packages, a source with no suite for the next release (a third
/// party's), apt unable to work out the upgrade, too little free disk space, or an unclean
/// `dpkg --audit`.
///
/// The apply rewrites the sources (`DebianSuites`) and runs `upgrade`, then
/// `full-upgrade`, keeping the host's configuration files; the reboot it notifies follows,
/// and converge plans the host again on its new release: its roles, evaluated with the new
/// facts (PHP's version and package names change), then the next step if there is one.
public struct ReleaseUpgrade: Resource, Hashable {
    /// The release the host runs.
    public var from: String
    /// The release after it.
    public var to: String
    /// The release the host is to reach, `to` or a later one.
    public var target: String
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    /// The step from `from` to the release after it, on the way to `target`.
    public init(from: String, target: String, requires: [ResourceID] = [], notifies: [ResourceID] = []) {
        self.from = from
        self.to = DebianSuites.release(after: from) ?? target
        self.target = target
        self.requires = requires
        self.notifies = notifies
    }

    /// `release:bookworm`: the release the step reaches.
    public var id: ResourceID { ResourceID(kind: "release", name: to) }

    /// The room the step wants on a filesystem beyond what apt says it needs (and 10% more):
    /// dpkg's own temporary copies, logs.
    static let diskMargin = 200_000_000
}

// MARK: Planning

extension ReleaseUpgrade {
    public static var stage: ConvergenceStage { .packages }

    var simulation: ReleaseSimulationFact { ReleaseSimulationFact(from: from, to: to) }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard DebianSuites.releases.contains(from) else { throw .invalid(id, "converge knows no release after \(from)") }
        guard DebianSuites.release(after: from) == to, DebianSuites.path(from: from, to: target).first == to else {
            throw .invalid(id, "\(target) is not a release after \(from)")
        }
        try query.add(simulation, for: id)
        try query.add(HeldPackagesFact(), for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let simulation = try context.value(of: simulation, for: id)
        let held = try context.value(of: HeldPackagesFact(), for: id)
        let blockers = Self.blockers(simulation, held: held, to: to)
        guard blockers.isEmpty else {
            throw .conflict(id, "the upgrade from \(from) to \(to) is blocked, and nothing was changed: " + blockers.joined(separator: "; "))
        }
        let counts = [("upgraded", simulation.upgrades.count), ("installed", simulation.installs.count), ("removed", simulation.removals.count)]
            .map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        let download = simulation.downloadBytes.map { ", \(Self.megabytes($0)) to download" } ?? ""
        let path = DebianSuites.path(from: from, to: target)
        let later = path.count > 1 ? "; then " + path.dropFirst().joined(separator: ", then ") + ", each once the one before is done" : ""
        context.append(Change(
            resource: id, action: .update,
            reason: "\(from) → \(to): \(counts)\(download), then apt's autoremove; the roles are planned again on \(to) after the reboot\(later)",
            fields: simulation.packages.map { FieldChange($0.name, old: $0.installed, new: $0.candidate) },
            operation: .upgradeRelease(from: from, to: to)))
    }

    /// What stops the step, each said in a sentence; empty when nothing does.
    static func blockers(_ simulation: ReleaseSimulation, held: Set<String>, to: String) -> [String] {
        var blockers: [String] = []
        if !held.isEmpty {
            blockers.append("held packages \(held.sorted().joined(separator: ", ")) (apt-mark unhold them, or the roles pin them)")
        }
        if !simulation.sourceErrors.isEmpty {
            blockers.append("a source has no \(to) suite: " + simulation.sourceErrors.joined(separator: " "))
        }
        if !simulation.simulationErrors.isEmpty {
            blockers.append("apt cannot work out the upgrade: " + simulation.simulationErrors.joined(separator: " "))
        }
        if !simulation.audit.isEmpty {
            blockers.append("dpkg --audit is not clean: " + simulation.audit.prefix(3).joined(separator: " ")
                + (simulation.audit.count > 3 ? " …" : ""))
        }
        if let short = shortOfSpace(simulation) { blockers.append(short) }
        return blockers
    }

    /// The downloads go to the archives' filesystem, what is unpacked to `/usr`'s: one
    /// disk needs room for both.
    static func shortOfSpace(_ simulation: ReleaseSimulation) -> String? {
        guard let download = simulation.downloadBytes, simulation.freeSpace.count == 2 else { return nil }
        let (archives, usr) = (simulation.freeSpace[0], simulation.freeSpace[1])
        let unpacked = max(simulation.additionalBytes ?? 0, 0)
        var needs: [(ReleaseSimulation.FreeSpace, Int)] = archives.filesystem == usr.filesystem
            ? [(archives, download + unpacked)] : [(archives, download), (usr, unpacked)]
        needs = needs.map { ($0.0, $0.1 + $0.1 / 10 + diskMargin) }
        let short = needs.filter { $0.0.availableBytes < $0.1 }
        guard !short.isEmpty else { return nil }
        return "too little free disk space: " + short.map { free, needed in
            "\(megabytes(needed)) needed on \(free.mountPoint), \(megabytes(free.availableBytes)) free"
        }.joined(separator: ", ")
    }

    static func megabytes(_ bytes: Int) -> String { "\((bytes + 500_000) / 1_000_000) MB" }
}
