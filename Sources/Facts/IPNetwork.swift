#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as its bytes, to tell which network it is in.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    public let bytes: [UInt8]
    public let description: String

    /// Parses `10.0.0.5` or `fd00::5`; nil for anything else (a host name, a network).
    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
        description = text
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// Whether the first `prefixLength` bits of both addresses are the same (and both are
    /// of one family).
    public func sharesPrefix(_ prefixLength: Int, with other: IPAddress) -> Bool {
        guard bytes.count == other.bytes.count, prefixLength >= 0, prefixLength <= bytes.count * 8 else { return false }
        for index in 0..<bytes.count {
            let bits = min(8, max(0, prefixLength - index * 8))
            let mask = bits == 0 ? UInt8(0) : UInt8(0xff) << (8 - bits)
            if bytes[index] & mask != other.bytes[index] & mask { return false }
        }
        return true
    }
}

/// A network such as `10.231.0.0/16` or `fd00::/8`.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `ADDRESS/PREFIX`; nil when it is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let prefix = Int(parts[1]),
            prefix >= 0, prefix <= address.bytes.count * 8
        else { return nil }
        self.address = address
        self.prefixLength = prefix
    }

    public func contains(_ address: IPAddress) -> Bool { self.address.sharesPrefix(prefixLength, with: address) }

    public var description: String { "\(address)/\(prefixLength)" }
}
