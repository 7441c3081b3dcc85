import Facts

/// A Debian package, installed with apt.
///
/// ```swift
/// Package("nginx")
/// Package("redis-server", .version("5:7.0.15-1~deb12u1"))
/// Package("curl", .latest)
/// Package("telnet", .absent)
/// Package("mariadb-server", .version("1:10.11.6-0+deb12u1"), hold: true)
/// ```
///
/// All packages of a host that need a change are installed and removed in one
/// `apt-get install` transaction.
///
/// `hold: true` holds the package (dpkg's selection `hold`, as `apt-mark hold` sets it), so
/// that no `apt-get upgrade` or unattended-upgrades moves it; converge itself still installs
/// the version the resource wants, through the hold. `hold: false` releases a hold, and
/// `nil` (the default) leaves the selection as it is: a package held by hand is then not
/// changed by converge either, as apt refuses to.
public struct Package: Resource, Hashable {
    /// What the host should have of the package.
    public enum State: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Installed, at any version.
        case present
        /// Not installed (removed, its configuration files kept).
        case absent
        /// Installed at apt's candidate version; apt's lists are refreshed when they are
        /// older than the planner allows (`PlanOptions.maximumListAge`) before the candidate is trusted.
        case latest
        /// Installed at exactly this version (`name=version`), downgrading if need be.
        case version(String)

        public var description: String {
            switch self {
            case .present: "present"
            case .absent: "absent"
            case .latest: "latest"
            case .version(let version): "version \(version)"
            }
        }
    }

    /// The package name, e.g. `nginx`; `name:arch` selects an architecture.
    public var name: String
    public var state: State
    /// Whether the package is held (`true`), not held (`false`), or either (`nil`).
    public var hold: Bool?
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, _ state: State = .present, hold: Bool? = nil, requires: [ResourceID] = [],
        notifies: [ResourceID] = []
    ) {
        self.name = name
        self.state = state
        self.hold = hold
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { .package(name) }
}

// MARK: Planning

extension Package {
    public static var stage: ConvergenceStage { .packages }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        // apt is asked only about packages whose installed version does not settle them.
        let need: PackageNeed = switch state {
        case .present: .installed
        case .absent: .never
        case .latest: .always
        case .version(let version): .version(version)
        }
        if hold == true, state == .absent { throw .invalid(id, "a package to be absent cannot be held") }
        try query.addPackage(name, need: need, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        guard let current = context.state.packages[name] else { throw .missingFacts(id) }
        try planVersion(current, in: &context)
        guard let hold, state != .absent else { return }
        let want = current.status?.want
        if hold != (want == .hold) {
            context.append(Change(
                resource: id, action: .update, reason: hold ? "not held, want held" : "held, want not held",
                fields: [FieldChange("selection", old: want?.rawValue, new: hold ? "hold" : "install")],
                operation: .holdPackage(name: name, hold: hold)))
        } else if hold, context.hasChanged(id) {
            // Installed through its hold (in the same apt step), and held after.
            context.append(Change(
                resource: id, action: .update, reason: "held: installed through its hold, and held again",
                operation: .holdPackage(name: name, hold: true)))
        }
    }

    private func planVersion(_ current: PackageState, in context: inout PlanContext) throws(PlanError) {
        let installed = current.installedVersion
        let lists = context.state.aptLists
        let noLists = lists.map { $0.packageIndexCount == 0 } ?? false
        func install(_ version: String?, _ action: Change.Action, _ reason: String, downgrade: Bool = false) {
            context.append(Change(
                resource: id, action: action, reason: reason,
                fields: [FieldChange("version", old: installed, new: version ?? "latest")],
                operation: .installPackage(name: name, version: version, allowDowngrade: downgrade)))
        }
        switch self.state {
        case .present:
            guard installed == nil else { return }
            if current.candidate == nil { context.refreshPackageLists(because: noLists ? "no apt lists" : "\(name) has no candidate in apt's lists") }
            install(nil, .create, "not installed")
        case .absent:
            guard let installed else { return }
            context.append(Change(
                resource: id, action: .remove, reason: "installed (\(installed))",
                fields: [FieldChange("version", old: installed, new: nil)],
                operation: .removePackage(name: name)))
        case .latest:
            let age = lists?.age
            let stale = noLists || age.map { $0 > context.options.maximumListAge } ?? true
            if let installed, !stale {
                guard let candidate = current.candidate, candidate != installed else { return }
                install(nil, .update, "version \(installed), candidate \(candidate)")
            } else if let installed {
                context.refreshPackageLists(because: noLists ? "no apt lists" : "apt lists are \(describeAge(age)) old (at most \(describeAge(context.options.maximumListAge)) for latest)")
                install(nil, .update, "version \(installed); apt lists refreshed to look for a newer one")
            } else {
                if stale || current.candidate == nil {
                    context.refreshPackageLists(because: noLists ? "no apt lists" : current.candidate == nil
                        ? "\(name) has no candidate in apt's lists"
                        : "apt lists are \(describeAge(age)) old (at most \(describeAge(context.options.maximumListAge)) for latest)")
                }
                install(nil, .create, "not installed")
            }
        case .version(let version):
            guard installed != version else { return }
            if !current.availableVersions.contains(version) {
                context.refreshPackageLists(because: noLists ? "no apt lists" : "\(name) \(version) is not in apt's lists")
            }
            if let installed {
                install(version, .update, "version \(installed), want \(version)", downgrade: true)
            } else {
                install(version, .create, "not installed, want \(version)")
            }
        }
    }
}
