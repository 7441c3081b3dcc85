import Crypto
import Facts
import Foundation

/// What the planner knows of a host: the facts about the things its resources name.
///
/// Built from a fact probe by ``HostStateQuery``, or directly in tests. A missing entry
/// means the thing does not exist (a path, a user, a group).
public struct HostState: Codable, Hashable, Sendable {
    /// Packages by name as the resources give them.
    public var packages: [String: PackageState]
    /// apt's lists, when a package resource needed them.
    public var aptLists: AptLists?
    /// Paths that exist.
    public var paths: [String: PathState]
    /// Units by unit name, e.g. `nginx.service`.
    public var services: [String: ServiceState]
    /// Users that exist.
    public var users: [String: UserState]
    /// Groups that exist.
    public var groups: [String: GroupState]
    /// Command guards by command name.
    public var guards: [String: GuardState]
    /// The running kernel's settings by `sysctl` key; a key the kernel lacks has no entry.
    public var kernelSettings: [String: String]
    /// What the commands of other facts printed, by fact name (``HostStateQuery/add(_:for:)``).
    public var factOutputs: [String: FactOutput]

    public init(
        packages: [String: PackageState] = [:], aptLists: AptLists? = nil, paths: [String: PathState] = [:],
        services: [String: ServiceState] = [:], users: [String: UserState] = [:],
        groups: [String: GroupState] = [:], guards: [String: GuardState] = [:],
        kernelSettings: [String: String] = [:], factOutputs: [String: FactOutput] = [:]
    ) {
        self.kernelSettings = kernelSettings
        self.factOutputs = factOutputs
        self.packages = packages
        self.aptLists = aptLists
        self.paths = paths
        self.services = services
        self.users = users
        self.groups = groups
        self.guards = guards
    }

    private enum CodingKeys: String, CodingKey {
        case packages, aptLists, paths, services, users, groups, guards, kernelSettings, factOutputs
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        packages = try container.decode([String: PackageState].self, forKey: .packages)
        aptLists = try container.decodeIfPresent(AptLists.self, forKey: .aptLists)
        paths = try container.decode([String: PathState].self, forKey: .paths)
        services = try container.decode([String: ServiceState].self, forKey: .services)
        users = try container.decode([String: UserState].self, forKey: .users)
        groups = try container.decode([String: GroupState].self, forKey: .groups)
        guards = try container.decode([String: GuardState].self, forKey: .guards)
        kernelSettings = try container.decodeIfPresent([String: String].self, forKey: .kernelSettings) ?? [:]
        factOutputs = try container.decodeIfPresent([String: FactOutput].self, forKey: .factOutputs) ?? [:]
    }

    // Without kernel settings and factOutputs when there are none, so fingerprints of hosts
    // whose resources ask for neither stay what they were before there were any.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(packages, forKey: .packages)
        try container.encodeIfPresent(aptLists, forKey: .aptLists)
        try container.encode(paths, forKey: .paths)
        try container.encode(services, forKey: .services)
        try container.encode(users, forKey: .users)
        try container.encode(groups, forKey: .groups)
        try container.encode(guards, forKey: .guards)
        if !kernelSettings.isEmpty { try container.encode(kernelSettings, forKey: .kernelSettings) }
        if !factOutputs.isEmpty { try container.encode(factOutputs, forKey: .factOutputs) }
    }

    /// The SHA-256 (hex) of the state's canonical JSON, leaving out what changes without
    /// the host changing (the clock) or repeats another field (file contents, which
    /// their hashes cover, and which the probe reads only when they differ from the wanted
    /// ones). Equal fingerprints mean the planner would plan the same.
    public var fingerprint: String {
        var stable = self
        stable.aptLists?.now = 0
        // The package baseline reads apt's lists as a fact of its own: without its clock too.
        let lists = AptListsFact()
        if let output = stable.factOutputs[lists.name] { stable.factOutputs[lists.name]?.stdout = lists.withoutClock(output.stdout) }
        for path in stable.paths.keys { stable.paths[path]?.content = nil }
        for unit in stable.services.keys { stable.services[unit]?.since = nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain values and dictionaries of them cannot fail.
        let data = (try? encoder.encode(stable)) ?? Data()
        return sha256Hex(data)
    }
}

/// The facts a host's resources need, to add to a `FactProbe`.
///
/// Codable, so a saved plan can gather the same facts again at apply time and compare
/// fingerprints.
///
/// ```swift
/// let query = try HostStateQuery(resources: resources)
/// var probe = FactProbe()
/// let keys = query.add(to: &probe)
/// let state = try keys.state(from: probe.results(from: output))
/// ```
public struct HostStateQuery: Codable, Hashable, Sendable {
    public var packages: [String]
    /// When each package's apt view is needed (the planner asks apt only about packages
    /// whose installed version does not settle them); empty in documents written before
    /// it existed, which ask apt about every package.
    public var packageNeeds: [String: PackageNeed]
    public var paths: [String]
    /// Paths whose current content is fetched for diffs (non-secret file contents).
    public var contentPaths: [String]
    /// The SHA-256 (hex) of the content wanted at each content path: the probe reads a
    /// file's content only when its hash differs, since only then is there a diff to show.
    /// Empty in documents written before it existed, which fetch every content path.
    public var contentSHA256: [String: String]
    public var units: [String]
    public var users: [String]
    public var groups: [String]
    public var commands: [String]
    public var guards: [CommandGuardsFact.Guard]
    /// `sysctl` keys of the running kernel; empty in documents written before it existed.
    public var kernelSettings: [String]
    /// The commands of other facts by fact name (``add(_:for:)``); empty in documents
    /// written before it existed.
    public var facts: [String: String]

    /// The facts of none.
    public init() {
        packages = []
        packageNeeds = [:]
        paths = []
        contentPaths = []
        contentSHA256 = [:]
        units = []
        users = []
        groups = []
        commands = []
        guards = []
        kernelSettings = []
        facts = [:]
    }

    /// The query for `resources`: each adds the facts it plans from
    /// (``Resource/addFacts(to:)``).
    ///
    /// - Throws: ``PlanError/invalid(_:_:)`` for a name or path the facts cannot ask about.
    public init(resources: [any Resource]) throws(PlanError) {
        self.init()
        for resource in resources { try resource.addFacts(to: &self) }
    }

    /// Asks for a package: its dpkg state, and apt's view of it when `need` calls for it.
    public mutating func addPackage(_ name: String, need: PackageNeed, for id: ResourceID) throws(PlanError) {
        try validatePackageName(name, of: id)
        if !packages.contains(name) { packages.append(name) }
        packageNeeds[name] = need
    }

    /// Asks for what is at `path`; with `content`, the SHA-256 (hex) of the content wanted
    /// there, for the current content too when it differs (for a diff).
    public mutating func addPath(_ path: String, wantedContentSHA256 content: String? = nil, for id: ResourceID) throws(PlanError) {
        try validatePath(path, of: id)
        if !paths.contains(path) { paths.append(path) }
        if let content {
            if !contentPaths.contains(path) { contentPaths.append(path) }
            contentSHA256[path] = content
        }
    }

    /// Asks whether a path's owner and group exist (root and numeric ids need not be asked).
    public mutating func addOwner(_ owner: String?, group: String?, for id: ResourceID) throws(PlanError) {
        try validateOwner(owner, "owner", of: id)
        try validateOwner(group, "group", of: id)
        if let owner, !isNumericID(owner), owner != "root", !users.contains(owner) { users.append(owner) }
        if let group, !isNumericID(group), group != "root", !groups.contains(group) { groups.append(group) }
    }

    /// Asks for a systemd unit's state.
    public mutating func addUnit(_ unit: String, for id: ResourceID) throws(PlanError) {
        guard ServiceStatesFact.isValidUnit(unit) else { throw .invalid(id, "not a valid systemd unit name") }
        if !units.contains(unit) { units.append(unit) }
    }

    /// Asks for a user account.
    public mutating func addUser(_ name: String, for id: ResourceID) throws(PlanError) {
        try validateAccountName(name, of: id)
        if !users.contains(name) { users.append(name) }
    }

    /// Asks for a group.
    public mutating func addGroup(_ name: String, for id: ResourceID) throws(PlanError) {
        try validateAccountName(name, of: id)
        if !groups.contains(name) { groups.append(name) }
    }

    /// Asks whether a command's guard holds: `creates` exists, or `unless` exits 0.
    public mutating func addGuard(creates: String?, unless: String?, forCommand name: String) {
        commands.append(name)
        guards.append(.init(creates: creates, unless: unless))
    }

    /// Asks for a setting of the running kernel (a `sysctl` key).
    public mutating func addKernelSetting(_ key: String, for id: ResourceID) throws(PlanError) {
        guard KernelSettingsFact.isValidKey(key) else { throw .invalid(id, "not a kernel setting (sysctl key): \(key)") }
        if !kernelSettings.contains(key) { kernelSettings.append(key) }
    }

    /// Asks for a fact of any other kind; ``PlanContext/value(of:for:)`` reads it.
    ///
    /// - Throws: ``PlanError/invalid(_:_:)`` when another resource asked for a fact of the
    ///   same name with another command.
    public mutating func add<F: Fact>(_ fact: F, for id: ResourceID) throws(PlanError) {
        if let command = facts[fact.name], command != fact.command {
            throw .invalid(id, "asks for the fact \(fact.name) with another command than another resource of the host does")
        }
        facts[fact.name] = fact.command
    }

    private enum CodingKeys: String, CodingKey {
        case packages, packageNeeds, paths, contentPaths, contentSHA256, units, users, groups, commands, guards, kernelSettings, facts
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        packages = try container.decode([String].self, forKey: .packages)
        packageNeeds = try container.decodeIfPresent([String: PackageNeed].self, forKey: .packageNeeds) ?? [:]
        paths = try container.decode([String].self, forKey: .paths)
        contentPaths = try container.decode([String].self, forKey: .contentPaths)
        contentSHA256 = try container.decodeIfPresent([String: String].self, forKey: .contentSHA256) ?? [:]
        units = try container.decode([String].self, forKey: .units)
        users = try container.decode([String].self, forKey: .users)
        groups = try container.decode([String].self, forKey: .groups)
        commands = try container.decode([String].self, forKey: .commands)
        guards = try container.decode([CommandGuardsFact.Guard].self, forKey: .guards)
        kernelSettings = try container.decodeIfPresent([String].self, forKey: .kernelSettings) ?? []
        facts = try container.decodeIfPresent([String: String].self, forKey: .facts) ?? [:]
    }

    /// Adds the facts to `probe`, which may hold other facts too.
    public func add(to probe: inout FactProbe) -> Keys {
        Keys(
            query: self,
            packages: packages.isEmpty ? nil : probe.add(PackageStatesFact(names: packages, needs: packageNeeds)),
            paths: paths.isEmpty
                ? nil
                : probe.add(PathStatesFact(paths: paths, contentPaths: Set(contentPaths), desiredSHA256: contentSHA256)),
            services: units.isEmpty ? nil : probe.add(ServiceStatesFact(units: units)),
            users: users.isEmpty ? nil : probe.add(UsersFact(names: users)),
            groups: groups.isEmpty ? nil : probe.add(GroupsFact(names: groups)),
            guards: guards.isEmpty ? nil : probe.add(CommandGuardsFact(guards: guards)),
            kernelSettings: kernelSettings.isEmpty ? nil : probe.add(KernelSettingsFact(keys: kernelSettings)),
            facts: facts.sorted { $0.key < $1.key }.map { ($0.key, probe.add(ShellFact(name: $0.key, command: $0.value))) })
    }

    /// Where the query's facts are in a probe's results.
    public struct Keys: Sendable {
        let query: HostStateQuery
        let packages: FactKey<PackageStates>?
        let paths: FactKey<[String: PathState]>?
        let services: FactKey<[String: ServiceState]>?
        let users: FactKey<[String: UserState]>?
        let groups: FactKey<[String: GroupState]>?
        let guards: FactKey<[GuardState]>?
        let kernelSettings: FactKey<[String: String]>?
        let facts: [(name: String, key: FactKey<String>)]

        /// The host's state from `results`.
        ///
        /// - Throws: The first `FactError`; `FactResults.errors` lists all.
        public func state(from results: FactResults) throws(FactError) -> HostState {
            var state = HostState()
            if let packages {
                let found = try results.value(for: packages)
                state.packages = found.states
                state.aptLists = found.lists
            }
            if let paths { state.paths = try results.value(for: paths) }
            if let services { state.services = try results.value(for: services) }
            if let users { state.users = try results.value(for: users) }
            if let groups { state.groups = try results.value(for: groups) }
            if let guards {
                let values = try results.value(for: guards)
                state.guards = Dictionary(
                    zip(query.commands, values).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
            }
            if let kernelSettings { state.kernelSettings = try results.value(for: kernelSettings) }
            // Kept as they came, failed or not: the resource that asked reads them.
            for (name, key) in facts {
                guard let output = results.output(for: key) else { throw .missingOutput(fact: name) }
                state.factOutputs[name] = output
            }
            return state
        }
    }
}
