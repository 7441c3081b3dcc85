import Facts

/// What a role knows about the host it describes: its inventory entry, its facts (release,
/// memory, CPUs, interfaces, mounts), and the other hosts of the inventory (for backends,
/// peers and replicas).
///
/// Templating is plain Swift: `"listen \(host.vars["port"])\n"`. Vars can be decoded
/// into a struct of the role's own with ``vars(as:)``.
public struct HostContext: Sendable, Hashable {
    /// The inventory name, e.g. `web1`.
    public var name: String
    /// The address converge reaches it at (`address` in the inventory).
    public var address: String
    /// The inventory groups the host is in, in precedence order.
    public var groups: [String]
    /// The host's merged vars, a JSON-like object: `host.vars["port"]`, `host.vars["db"]["user"]`.
    public var vars: VarValue
    /// The Debian codename, e.g. `bookworm`; nil if the host did not say.
    public var codename: String?
    /// The Debian major version, e.g. `12`; nil on testing and unstable.
    public var majorVersion: Int?
    /// The Debian architecture, e.g. `amd64`.
    public var architecture: String
    /// Whether the host is a container (systemd-nspawn, LXC, …): its clock, kernel and most
    /// kernel settings belong to the machine it runs on.
    public var isContainer: Bool
    /// Every host of the inventory, this one included, in inventory order; see ``members(of:)``.
    public var inventoryHosts: [InventoryHost]
    /// The inventory file the host comes from, which errors about its vars name.
    public var inventoryFile: String = ""
    /// The memory the host's processes may use, in bytes: `MemTotal`, or a container's
    /// memory limit when lower. 1 GiB unless set (a context made by hand, in tests).
    public var memoryBytes: Int = 1 << 30
    /// The CPUs the host's processes may run on (as `nproc` counts). 1 unless set.
    public var cpuCount: Int = 1
    /// The network interfaces that have addresses, loopback included; see
    /// ``address(in:)`` and ``inventoryInterface``.
    public var interfaces: [NetworkInterface] = []
    /// The local filesystems on disks (tmpfs and the like left out), with their size and
    /// space. Their free space is as of the run that last gathered the role facts anew:
    /// a change in free space alone does not make converge evaluate the roles again.
    public var mounts: [MountedFilesystem] = []
    /// What the host runs in: `Virtualization/none` on bare metal, `kvm`, `systemd-nspawn`, ….
    public var virtualization: Virtualization = .none

    public init(
        name: String, address: String = "", groups: [String] = [], vars: VarValue = [:], codename: String? = nil,
        majorVersion: Int? = nil, architecture: String = "amd64", isContainer: Bool = false,
        inventoryHosts: [InventoryHost] = [], memoryBytes: Int = 1 << 30, cpuCount: Int = 1,
        interfaces: [NetworkInterface] = [], mounts: [MountedFilesystem] = [], virtualization: Virtualization = .none
    ) {
        self.name = name
        self.address = address
        self.groups = groups
        self.vars = vars
        self.codename = codename
        self.majorVersion = majorVersion
        self.architecture = architecture
        self.isContainer = isContainer
        self.inventoryHosts = inventoryHosts
        self.memoryBytes = memoryBytes
        self.cpuCount = cpuCount
        self.interfaces = interfaces
        self.mounts = mounts
        self.virtualization = virtualization
    }

    /// Whether the host is in the inventory group `group`.
    public func isMember(of group: String) -> Bool { groups.contains(group) }

    /// The host's address in `network` (`10.0.0.0/8`, `fd00::/8`), to bind a service to
    /// the private network: its first such address, loopback and link-local ones left out.
    ///
    /// - Throws: ``AddressLookupError`` when `network` is not a network, or the host has no
    ///   address in it (naming the addresses it has).
    public func address(in network: String) throws(AddressLookupError) -> String {
        guard let parsed = IPNetwork(network) else {
            throw AddressLookupError(host: name, message: "\"\(network)\" is not a network such as 10.0.0.0/8")
        }
        let addresses = interfaces.filter { !$0.isLoopback }.flatMap(\.addresses).filter { !$0.isLinkLocal }
        guard let address = addresses.first(where: { $0.isIn(parsed) }) else {
            let known = addresses.map(\.description).joined(separator: ", ")
            throw AddressLookupError(host: name, message: "no address in \(network) (it has \(known.isEmpty ? "none" : known))")
        }
        return address.address
    }

    /// The interface that carries `address` (one of the host's own, such as its
    /// ``address(in:)``), and that address there with its prefix length: what a daemon
    /// binding beside it (keepalived's floating address) needs.
    ///
    /// - Throws: ``AddressLookupError`` when no interface of the host carries it.
    public func interface(carrying address: String) throws(AddressLookupError) -> (interface: NetworkInterface, address: InterfaceAddress) {
        for interface in interfaces {
            if let found = interface.addresses.first(where: { $0.address == address }) { return (interface, found) }
        }
        throw AddressLookupError(host: name, message: "no interface carries \(address)")
    }

    /// The interface that carries the inventory's ``address`` (when that is an IP address
    /// the host has), e.g. to find that interface's other addresses.
    public var inventoryInterface: NetworkInterface? {
        interfaces.first { $0.addresses.contains { $0.address == address } }
    }

    /// The filesystem that holds `path`: the mount whose mount point is the longest prefix of it.
    public func mount(containing path: String) -> MountedFilesystem? {
        let holding = mounts.filter { mount in
            let directory = mount.mountPoint.hasSuffix("/") ? mount.mountPoint : mount.mountPoint + "/"
            return path == mount.mountPoint || path.hasPrefix(directory)
        }
        return holding.max { $0.mountPoint.count < $1.mountPoint.count }
    }

    /// The hosts of the inventory in group `group`, in inventory order: a load balancer's
    /// backends, a database's replicas. Adding a host to the group in the inventory is all
    /// it takes for roles built on this to pick it up.
    public func members(of group: String) -> [InventoryHost] {
        inventoryHosts.filter { $0.groups.contains(group) }
    }
}

/// A host has no address in the network a role asked for.
public struct AddressLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var message: String

    public init(host: String, message: String) {
        self.host = host
        self.message = message
    }

    public var description: String { "host \(host): \(message)" }
}

/// A host of the inventory as other hosts' roles see it: its name, address, groups and vars.
public struct InventoryHost: Sendable, Hashable {
    public var name: String
    public var address: String
    public var groups: [String]
    public var vars: VarValue

    public init(name: String, address: String, groups: [String] = [], vars: VarValue = [:]) {
        self.name = name
        self.address = address
        self.groups = groups
        self.vars = vars
    }

    /// Whether the host is in the inventory group `group`.
    public func isMember(of group: String) -> Bool { groups.contains(group) }
}

/// A JSON-like value, as inventory vars hold.
///
/// Subscripts never fail: a missing key, an index out of range or a subscript of a
/// non-container gives ``null``. Interpolated into a string, a string is itself, a number
/// its digits, `null` the word `null` (so a missing var is visible in the output).
public enum VarValue: Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByNilLiteral
{
    case null
    case bool(Bool)
    case integer(Int)
    case double(Double)
    case string(String)
    case array([VarValue])
    case object([String: VarValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: VarValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, VarValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// The member `key` of an object, else ``null``.
    public subscript(key: String) -> VarValue {
        if case .object(let members) = self { members[key] ?? .null } else { .null }
    }

    /// The element at `index` of an array, else ``null``.
    public subscript(index: Int) -> VarValue {
        if case .array(let elements) = self, elements.indices.contains(index) { elements[index] } else { .null }
    }

    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var intValue: Int? { if case .integer(let value) = self { value } else { nil } }
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
    public var arrayValue: [VarValue]? { if case .array(let value) = self { value } else { nil } }
    public var objectValue: [String: VarValue]? { if case .object(let value) = self { value } else { nil } }
    public var isNull: Bool { self == .null }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string(let value): value
        case .array(let elements): "[" + elements.map(\.jsonText).joined(separator: ", ") + "]"
        case .object: jsonText
        }
    }

    /// The value as JSON text, keys sorted.
    public var jsonText: String {
        switch self {
        case .string(let value):
            var text = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\n": text += "\\n"
                case "\t": text += "\\t"
                case "\r": text += "\\r"
                case _ where scalar.value < 0x20: let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: text.unicodeScalars.append(scalar)
                }
            }
            return text + "\""
        case .array(let elements): return "[" + elements.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { VarValue.string($0).jsonText + ":" + members[$0]!.jsonText }
                .joined(separator: ",") + "}"
        default: return description
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([VarValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: VarValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
