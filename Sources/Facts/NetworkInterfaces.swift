/// A network interface and its addresses.
public struct NetworkInterface: Codable, Hashable, Sendable {
    /// The kernel's name, e.g. `eth0`, `ens3`, `lo`.
    public var name: String
    /// Its IPv4 and IPv6 addresses, in the kernel's order.
    public var addresses: [InterfaceAddress]

    public init(name: String, addresses: [InterfaceAddress]) {
        self.name = name
        self.addresses = addresses
    }

    /// Whether it is the loopback interface (`lo`, or one with only loopback addresses).
    public var isLoopback: Bool {
        name == "lo" || (!addresses.isEmpty && addresses.allSatisfy(\.isLoopback))
    }
}

/// An address of a ``NetworkInterface``, with the length of its network's prefix.
public struct InterfaceAddress: Codable, Hashable, Sendable, CustomStringConvertible {
    /// E.g. `10.231.0.11` or `fe80::f0de:57ff:fe68:cd8d`.
    public var address: String
    /// E.g. `16` for `10.231.0.11/16`.
    public var prefixLength: Int

    public init(address: String, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    public var isIPv4: Bool { !address.contains(":") }
    public var isLoopback: Bool { address.hasPrefix("127.") || address == "::1" }
    /// An IPv6 link-local address (`fe80::/10`), which needs its interface to be used.
    public var isLinkLocal: Bool { IPNetwork("fe80::/10")!.contains(IPAddress(address) ?? IPAddress("::")!) }

    /// `10.231.0.11/16`.
    public var description: String { "\(address)/\(prefixLength)" }

    /// Whether the address is in `network`.
    public func isIn(_ network: IPNetwork) -> Bool { IPAddress(address).map(network.contains) ?? false }
}

/// The host's network interfaces that have addresses, with their IPv4 and IPv6 addresses.
///
/// One `ip -o addr show` where iproute2 is installed; debootstrap's minbase has no `ip`, so
/// without it the shell reads the kernel's tables itself (no process): IPv6 addresses from
/// `/proc/net/if_inet6`, IPv4 ones from `/proc/net/fib_trie` (the local addresses) and
/// `/proc/net/route` (each one's interface and prefix, from the route of its network).
/// Temporary and deprecated IPv6 addresses (privacy addresses, which rotate) are left out.
public struct NetworkInterfacesFact: Fact {
    public init() {}

    public var command: String {
        """
        if command -v ip >/dev/null 2>&1; then
        \tip -o addr show
        else
        \tif [ -r /proc/net/if_inet6 ]; then
        \t\twhile read -r converge_a _ converge_p _ converge_f converge_n; do
        \t\t\tprintf 'inet6 %s %s %s %s\\n' "$converge_n" "$converge_a" "$converge_p" "$converge_f"
        \t\tdone </proc/net/if_inet6
        \tfi
        \tconverge_a=
        \twhile read -r converge_1 converge_2 converge_3 _; do
        \t\tcase $converge_1 in
        \t\t'|--') converge_a=$converge_2 ;;
        \t\t/32) [ "$converge_3" != LOCAL ] || printf 'local %s\\n' "$converge_a" ;;
        \t\tesac
        \tdone </proc/net/fib_trie
        \twhile read -r converge_n converge_d converge_g _ _ _ _ converge_m _; do
        \t\t[ "$converge_g" != 00000000 ] || printf 'route %s %s %s\\n' "$converge_n" "$converge_d" "$converge_m"
        \tdone </proc/net/route
        fi
        """
    }

    public func parse(_ output: String) throws -> [NetworkInterface] {
        var interfaces: [NetworkInterface] = []
        func add(_ address: InterfaceAddress, to name: String) {
            if let index = interfaces.firstIndex(where: { $0.name == name }) {
                if !interfaces[index].addresses.contains(address) { interfaces[index].addresses.append(address) }
            } else {
                interfaces.append(NetworkInterface(name: name, addresses: [address]))
            }
        }
        var locals: [String] = []
        var routes: [(interface: String, network: IPNetwork)] = []
        for line in lines(of: output) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.first?.hasSuffix(":") == true, words.count >= 4 {
                // `2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\       valid_lft ...`
                // (a container's `eth0@if5` is eth0).
                let name = String(words[1].prefix { $0 != "@" })
                guard words[2] == "inet" || words[2] == "inet6" else { continue }
                let flags = words.prefix { $0 != "valid_lft" }
                if flags.contains("temporary") || flags.contains("deprecated") { continue }
                add(try Self.cidr(words[3], line: line), to: name)
                continue
            }
            switch (words.first, words.count) {
            case ("inet6", 5):
                // `inet6 eth0 fe800000000000000000000000000001 40 80`: the address, prefix and
                // flags in hex; 0x01 temporary, 0x20 deprecated.
                guard let prefix = Int(words[3], radix: 16), let flags = Int(words[4], radix: 16),
                    let address = Self.ipv6(words[2])
                else { throw FactParseError("unexpected line: \(line)") }
                if flags & 0x21 != 0 { continue }
                add(InterfaceAddress(address: address, prefixLength: prefix), to: String(words[1]))
            case ("local", 2):
                if !locals.contains(String(words[1])) { locals.append(String(words[1])) }
            case ("route", 4):
                // Destination and mask as the kernel's 32-bit words, little-endian in hex.
                guard let destination = UInt32(words[2], radix: 16), let mask = UInt32(words[3], radix: 16),
                    let network = IPNetwork("\(Self.ipv4(destination))/\(mask.nonzeroBitCount)")
                else { throw FactParseError("unexpected line: \(line)") }
                routes.append((String(words[1]), network))
            default:
                throw FactParseError("unexpected line: \(line)")
            }
        }
        for local in locals {
            guard let address = IPAddress(local) else { throw FactParseError("not an IPv4 address: \(local)") }
            if local.hasPrefix("127.") {
                add(InterfaceAddress(address: local, prefixLength: 8), to: "lo")
            } else if let route = routes.filter({ $0.network.contains(address) && $0.network.prefixLength > 0 })
                .max(by: { $0.network.prefixLength < $1.network.prefixLength })
            {
                add(InterfaceAddress(address: local, prefixLength: route.network.prefixLength), to: route.interface)
            }
        }
        return interfaces
    }

    static func cidr(_ text: Substring, line: Substring) throws -> InterfaceAddress {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), IPAddress(String(parts[0])) != nil else {
            throw FactParseError("unexpected address in: \(line)")
        }
        return InterfaceAddress(address: String(parts[0]), prefixLength: prefix)
    }

    /// `fe80::1` from `fe800000000000000000000000000001`, in the usual short form.
    static func ipv6(_ hex: Substring) -> String? {
        guard hex.count == 32, hex.allSatisfy(\.isHexDigit) else { return nil }
        var groups: [UInt16] = []
        var index = hex.startIndex
        for _ in 0..<8 {
            let end = hex.index(index, offsetBy: 4)
            groups.append(UInt16(hex[index..<end], radix: 16)!)
            index = end
        }
        // RFC 5952: the longest run of two or more zero groups becomes `::`.
        var best = (start: -1, length: 0)
        var start = 0
        while start < 8 {
            var end = start
            while end < 8, groups[end] == 0 { end += 1 }
            if end - start > best.length, end - start >= 2 { best = (start, end - start) }
            start = end + 1
        }
        let text = groups.map { String($0, radix: 16) }
        if best.start < 0 { return text.joined(separator: ":") }
        return text[..<best.start].joined(separator: ":") + "::" + text[(best.start + best.length)...].joined(separator: ":")
    }

    /// `10.232.0.0` from the little-endian word `0000E80A`.
    static func ipv4(_ word: UInt32) -> String {
        (0..<4).map { "\((word >> ($0 * 8)) & 0xff)" }.joined(separator: ".")
    }
}
