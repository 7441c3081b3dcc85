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

    public init(
        packages: [String: PackageState] = [:], aptLists: AptLists? = nil, paths: [String: PathState] = [:],
        services: [String: ServiceState] = [:], users: [String: UserState] = [:],
        groups: [String: GroupState] = [:], guards: [String: GuardState] = [:]
    ) {
        self.packages = packages
        self.aptLists = aptLists
        self.paths = paths
        self.services = services
        self.users = users
        self.groups = groups
        self.guards = guards
    }

    /// The SHA-256 (hex) of the state's canonical JSON, leaving out what changes without
    /// the host changing (the clock) or repeats another field (file contents, which
    /// their hashes cover, and which the probe reads only when they differ from the wanted
    /// ones). Equal fingerprints mean the planner would plan the same.
    public var fingerprint: String {
        var stable = self
        stable.aptLists?.now = 0
        for path in stable.paths.keys { stable.paths[path]?.content = nil }
        for unit in stable.services.keys { stable.services[unit]?.since = nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain values and dictionaries of them cannot fail.
        let data = (try? encoder.encode(stable)) ?? Data()
        return sha256Hex(data)
    }
}

/// The facts a host's resources need, to add to a ``FactProbe``.
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

    /// The query for `resources`.
    ///
    /// - Throws: ``PlanError/invalid(_:_:)`` for a name or path the facts cannot ask about.
    public init(resources: [any Resource]) throws(PlanError) {
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
        // Owners and groups of paths are asked about too: the plan checks that they exist.
        var pathOwners: [String] = []
        var pathGroups: [String] = []
        func owners(_ owner: String?, _ group: String?, of id: ResourceID) throws(PlanError) {
            try validateOwner(owner, "owner", of: id)
            try validateOwner(group, "group", of: id)
            // root is on every host: not asked about on every converge.
            if let owner, !isNumericID(owner), owner != "root" { pathOwners.append(owner) }
            if let group, !isNumericID(group), group != "root" { pathGroups.append(group) }
        }
        for resource in resources {
            switch resource {
            case let package as Package:
                try validatePackageName(package.name, of: package.id)
                packages.append(package.name)
                packageNeeds[package.name] = switch package.state {
                case .present: .installed
                case .absent: .never
                case .latest: .always
                case .version(let version): .version(version)
                }
            case let file as File:
                try validatePath(file.path, of: file.id)
                try owners(file.owner, file.group, of: file.id)
                paths.append(file.path)
                switch file.content {
                case .text(let text):
                    contentPaths.append(file.path)
                    contentSHA256[file.path] = sha256Hex(Data(text.utf8))
                case .data(let data):
                    contentPaths.append(file.path)
                    contentSHA256[file.path] = sha256Hex(data)
                case .secret, .controllerFile, nil:
                    break
                }
            case let directory as Directory:
                try validatePath(directory.path, of: directory.id)
                try owners(directory.owner, directory.group, of: directory.id)
                paths.append(directory.path)
            case let link as Symlink:
                try validatePath(link.path, of: link.id)
                paths.append(link.path)
            case let service as Service:
                guard ServiceStatesFact.isValidUnit(service.unit) else {
                    throw .invalid(service.id, "not a valid systemd unit name")
                }
                units.append(service.unit)
            case let user as User:
                try validateAccountName(user.name, of: user.id)
                users.append(user.name)
            case let group as Group:
                try validateAccountName(group.name, of: group.id)
                groups.append(group.name)
            case let command as Command:
                if command.creates != nil || command.unless != nil {
                    commands.append(command.name)
                    guards.append(.init(creates: command.creates, unless: command.unless))
                }
            default:
                throw .unsupported(resource.id, String(describing: type(of: resource)))
            }
        }
        for owner in pathOwners where !users.contains(owner) { users.append(owner) }
        for group in pathGroups where !groups.contains(group) { groups.append(group) }
    }

    private enum CodingKeys: String, CodingKey {
        case packages, packageNeeds, paths, contentPaths, contentSHA256, units, users, groups, commands, guards
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
            guards: guards.isEmpty ? nil : probe.add(CommandGuardsFact(guards: guards)))
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

        /// The host's state from `results`.
        ///
        /// - Throws: The first ``FactError``; ``FactResults/errors`` lists all.
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
            return state
        }
    }
}
