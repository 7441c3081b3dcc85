import Drift
import Foundation
import Inventory

/// A lab inventory made from a team's inventory: the same hosts, groups, roles and vars,
/// on the lab's network, reached with the lab's key, with the lab's secrets.
///
/// - Addresses: a host's IPv4 address `a.b.c.d` becomes `NET.c.d` on the lab's network
///   (`10.231.c.d` for the default lab), so that the mapping reads at a glance. Every
///   address of the same /16s written in a var (a floating address, a writer's address,
///   an admin network) is mapped the same way. A host named by DNS, or on `x.y.0.d`, gets
///   the next free address of `NET.250.0/24`.
/// - Releases: each host's release as its last run from this controller recorded it, else
///   its `release` var, else the lab's default; through `--release OLD=NEW` for a release
///   the lab cannot boot (the replica's `release` vars are mapped the same way).
/// - Secrets: never production's. The lab's own store, or a directory the team names.
/// - SSH: root with the lab's key and known hosts; per group and per host SSH settings
///   (a port, a user, a jump host) are production's and are dropped.
/// - Overrides: vars of the team's own for the lab (a smaller cache, a smarthost in the
///   lab), in `{"vars": {}, "groups": {"NAME": {"vars": {}}}, "hosts": {"NAME": {"vars": {}}}}`;
///   `${LAB_GATEWAY}` and `${LAB_NETWORK}` in their strings name this machine's lab address
///   and the lab's first two octets.
public struct LabReplica: Sendable {
    /// The release a host without a `release` var boots (scripts/lab's default).
    public static let defaultRelease = "bookworm"
    /// Debian's oldest release whose packages deb.debian.org still serves; older ones are
    /// on archive.debian.org only, which the lab does not bootstrap from.
    public static let oldestBootableMajorVersion = 11

    public struct Options: Sendable {
        public var lab: LabInstance
        /// `OLD=NEW`: hosts of release OLD boot NEW.
        public var releaseMap: [String: String] = [:]
        /// The lab's secret store; nil for the lab's own (``LabInstance/secretStore``).
        public var secretStore: String?
        /// The overrides file's JSON.
        public var overrides: Data?
        /// Each host's release at its last run, by host name (`RoleFactsCache`).
        public var recordedReleases: [String: String] = [:]

        public init(lab: LabInstance, releaseMap: [String: String] = [:], secretStore: String? = nil, overrides: Data? = nil,
                    recordedReleases: [String: String] = [:]) {
            self.lab = lab
            self.releaseMap = releaseMap
            self.secretStore = secretStore
            self.overrides = overrides
            self.recordedReleases = recordedReleases
        }
    }

    /// One host of the replica.
    public struct Host: Sendable, Equatable {
        public var name: String
        public var groups: [String]
        public var address: String
        public var labAddress: String
        public var release: String
        /// The release production runs, when the lab boots another (`--release`).
        public var productionRelease: String?
        /// Where the release comes from: `recorded` (the last run), `release var`, `default`.
        public var releaseSource: String
    }

    public let lab: LabInstance
    public let hosts: [Host]
    /// Every address mapped: the hosts', then those found in vars, in order.
    public let addresses: [(production: String, lab: String)]
    /// The lab inventory, as JSON.
    public let document: Data
    /// The hosts as scripts/lab boots them (`up --fleet`): name, lab address, and the
    /// release to boot as each host's `release` var.
    public let bootTable: Data

    /// The replica of the inventory at `path`.
    public init(of path: String, options: Options) throws(LabError) {
        let inventory: Inventory
        do {
            inventory = try Inventory.load(contentsOf: path)
        } catch {
            throw LabError("\(error)")
        }
        guard let data = FileManager.default.contents(atPath: path),
              var document = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw LabError("\(path): cannot read it as a JSON object")
        }
        try self.init(inventory: inventory, document: &document, options: options)
    }

    init(inventory: Inventory, document: inout [String: Any], options: Options) throws(LabError) {
        lab = options.lab
        let network = options.lab.network

        // Releases, and those the lab cannot boot.
        let distro = DistroInfo.embedded
        var hosts: [Host] = []
        var unbootable: [String: [String]] = [:]
        for host in inventory.hosts {
            let recorded = options.recordedReleases[host.name], variable = host.vars["release"]?.stringValue
            let production = recorded ?? variable ?? Self.defaultRelease
            let source = recorded != nil ? "recorded" : variable != nil ? "release var" : "default"
            let release = options.releaseMap[production] ?? production
            if let major = distro.releases.first(where: { $0.series == release })?.majorVersion,
               major < Self.oldestBootableMajorVersion {
                unbootable[release, default: []].append(host.name)
            }
            hosts.append(Host(name: host.name, groups: host.groups, address: host.address, labAddress: "",
                              release: release, productionRelease: release == production ? nil : production,
                              releaseSource: source))
        }
        if !unbootable.isEmpty {
            let lines = unbootable.sorted { $0.key < $1.key }.map { release, names in
                "\(names.joined(separator: ", ")) run\(names.count == 1 ? "s" : "") \(release), whose packages are on archive.debian.org only: "
                    + "boot a release the lab can (--release \(release)=bullseye, or newer)"
            }
            throw LabError("the lab cannot boot every host as its inventory says:\n  " + lines.joined(separator: "\n  "))
        }

        // Addresses: hosts first, then what vars name on the hosts' networks.
        var mapper = AddressMapper(network: network)
        for host in inventory.hosts { mapper.networks.insert(AddressMapper.prefix(of: host.address) ?? "") }
        mapper.networks.remove("")
        for index in hosts.indices {
            hosts[index].labAddress = try mapper.mapHost(hosts[index].address, name: hosts[index].name)
        }

        // The document: overrides merged, addresses and releases mapped, lab access.
        if let overrides = options.overrides {
            try Self.merge(overrides: overrides, into: &document, lab: options.lab)
        }
        let releaseMap = options.releaseMap
        func mapVars(_ value: Any) -> Any {
            guard var vars = value as? [String: Any] else { return value }
            for (key, var value) in vars {
                value = mapper.mapStrings(in: value)
                if key == "release", let release = value as? String, let mapped = releaseMap[release] { value = mapped }
                vars[key] = value
            }
            return vars
        }
        if let vars = document["vars"] { document["vars"] = mapVars(vars) }
        if var groups = document["groups"] as? [String: Any] {
            for (name, group) in groups {
                guard var group = group as? [String: Any] else { continue }
                if let vars = group["vars"] { group["vars"] = mapVars(vars) }
                group.removeValue(forKey: "ssh")
                groups[name] = group
            }
            document["groups"] = groups
        }
        if var list = document["hosts"] as? [[String: Any]] {
            for index in list.indices {
                if let vars = list[index]["vars"] { list[index]["vars"] = mapVars(vars) }
                list[index].removeValue(forKey: "ssh")
                if let name = list[index]["name"] as? String, let host = hosts.first(where: { $0.name == name }) {
                    list[index]["address"] = host.labAddress
                }
            }
            document["hosts"] = list
        }
        document["secrets"] = options.secretStore ?? options.lab.secretStore
        document["ssh"] = [
            "user": "root", "identityFile": options.lab.privateKey, "knownHosts": options.lab.knownHosts,
            "hostKeyPolicy": "strict", "connectTimeout": 10,
        ] as [String: Any]

        self.hosts = hosts
        self.addresses = mapper.mapped
        let table: [String: Any] = ["hosts": hosts.map { ["name": $0.name, "address": $0.labAddress, "vars": ["release": $0.release]] }]
        do {
            var json = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            json.append(0x0A)
            self.document = json
            self.bootTable = try JSONSerialization.data(withJSONObject: table, options: [.sortedKeys])
        } catch {
            throw LabError("cannot write the lab inventory: \(error)")
        }
    }

    /// The lab address `target` names: a host's name, a group's name (its first host), or
    /// an address (a production one is mapped).
    public func address(of target: String) -> String? {
        if let host = hosts.first(where: { $0.name == target }) { return host.labAddress }
        if let host = hosts.first(where: { $0.groups.contains(target) }) { return host.labAddress }
        if let mapped = addresses.first(where: { $0.production == target }) { return mapped.lab }
        if AddressMapper.prefix(of: target) != nil { return target }
        return nil
    }

    /// The mapping, one line per host, then the other addresses vars name:
    ///
    /// ```
    /// lb1       192.0.2.11 -> 10.231.2.11   bullseye (jessie in production)
    /// 192.0.2.10 -> 10.231.2.10 (a var)
    /// ```
    public var mappingTable: String {
        let width = hosts.map(\.name.count).max() ?? 0
        let addressWidth = hosts.map(\.address.count).max() ?? 0
        var text = ""
        for host in hosts {
            text += host.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                + host.address.padding(toLength: addressWidth, withPad: " ", startingAt: 0) + " -> "
                + host.labAddress.padding(toLength: 15, withPad: " ", startingAt: 0) + " " + host.release
                + (host.productionRelease.map { " (\($0) in production, \(host.releaseSource))" } ?? " (\(host.releaseSource))") + "\n"
        }
        for (production, lab) in addresses where !hosts.contains(where: { $0.address == production }) {
            text += "\(production) -> \(lab) (in vars)\n"
        }
        return text
    }

    private static func merge(overrides data: Data, into document: inout [String: Any], lab: LabInstance) throws(LabError) {
        let text = (String(data: data, encoding: .utf8) ?? "")
            .replacingOccurrences(of: "${LAB_GATEWAY}", with: lab.gateway)
            .replacingOccurrences(of: "${LAB_NETWORK}", with: lab.network)
        guard let overrides = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw LabError("the overrides are not a JSON object")
        }
        let unknown = Set(overrides.keys).subtracting(["vars", "groups", "hosts"])
        guard unknown.isEmpty else {
            throw LabError("the overrides may set vars, groups and hosts, not \(unknown.sorted().joined(separator: ", "))")
        }
        func merged(_ base: Any?, _ extra: Any?, _ what: String) throws(LabError) -> [String: Any]? {
            guard let extra else { return base as? [String: Any] }
            guard let extra = extra as? [String: Any] else { throw LabError("the overrides' \(what) vars are not an object") }
            var result = base as? [String: Any] ?? [:]
            for (key, value) in extra { result[key] = value }
            return result
        }
        document["vars"] = try merged(document["vars"], overrides["vars"], "top-level")
        if let groups = overrides["groups"] as? [String: Any] {
            var documentGroups = document["groups"] as? [String: Any] ?? [:]
            for (name, group) in groups {
                var existing = documentGroups[name] as? [String: Any] ?? [:]
                existing["vars"] = try merged(existing["vars"], (group as? [String: Any])?["vars"], "group \(name)'s")
                documentGroups[name] = existing
            }
            document["groups"] = documentGroups
        }
        if let hosts = overrides["hosts"] as? [String: Any] {
            var list = document["hosts"] as? [[String: Any]] ?? []
            for (name, host) in hosts {
                guard let index = list.firstIndex(where: { $0["name"] as? String == name }) else {
                    throw LabError("the overrides name host \(name), which the inventory does not have")
                }
                list[index]["vars"] = try merged(list[index]["vars"], (host as? [String: Any])?["vars"], "host \(name)'s")
            }
            document["hosts"] = list
        }
    }
}

/// Production addresses to lab addresses: `a.b.c.d` to `NET.c.d`.
struct AddressMapper {
    let network: String
    /// The first two octets of every host's address: the networks whose addresses are mapped.
    var networks: Set<String> = []
    private(set) var mapped: [(production: String, lab: String)] = []
    private var owners: [String: String] = [:]
    private var nextFallback = 10

    init(network: String) {
        self.network = network
    }

    /// `a.b` of an IPv4 address; nil for anything else.
    static func prefix(of address: String) -> String? {
        let octets = address.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return nil }
        return "\(octets[0]).\(octets[1])"
    }

    mutating func mapHost(_ address: String, name: String) throws(LabError) -> String {
        var lab: String
        if let existing = mapped.first(where: { $0.production == address }) {
            throw LabError("\(name) and \(owners[existing.lab] ?? "another host") have one address, \(address): a lab host needs its own")
        }
        if let candidate = direct(address) {
            if let owner = owners[candidate] {
                throw LabError("\(name) (\(address)) and \(owner) would both be \(candidate) in the lab")
            }
            lab = candidate
        } else {
            repeat {
                lab = "\(network).250.\(nextFallback)"
                nextFallback += 1
            } while owners[lab] != nil
        }
        owners[lab] = name
        mapped.append((address, lab))
        return lab
    }

    /// Every IPv4 address (or CIDR) on a hosts' network in `value`'s strings, mapped.
    mutating func mapStrings(in value: Any) -> Any {
        switch value {
        case let text as String: return mapText(text)
        case let array as [Any]: return array.map { mapStrings(in: $0) }
        case let object as [String: Any]: return object.mapValues { mapStrings(in: $0) }
        default: return value
        }
    }

    private mutating func mapText(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = ""
        var token = ""
        func flush() {
            if let prefix = Self.prefix(of: token), networks.contains(prefix), let lab = direct(token) {
                if !mapped.contains(where: { $0.production == token }) { mapped.append((token, lab)) }
                result += lab
            } else {
                result += token
            }
            token = ""
        }
        for character in text {
            if character.isASCII && (character.isNumber || character == ".") {
                token.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }

    /// `NET.c.d` for `a.b.c.d`, unless `c` is 0 (the lab's own addresses: this machine and
    /// scripts/lab's generic hosts).
    private func direct(_ address: String) -> String? {
        let octets = address.split(separator: ".")
        guard Self.prefix(of: address) != nil, octets[2] != "0" else { return nil }
        return "\(network).\(octets[2]).\(octets[3])"
    }
}
