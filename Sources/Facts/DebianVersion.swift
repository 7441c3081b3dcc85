/// Debian version ordering, as `dpkg --compare-versions` orders them: epoch, then
/// upstream version, then revision, each compared by dpkg's `verrevcmp` (`~` sorts
/// before everything, even the end; letters before other characters; digit runs as numbers).
///
/// Reports sort a package's versions with it, so the oldest comes first.
public enum DebianVersion {
    /// Negative when `a` is older than `b`, zero when dpkg counts them equal, positive when newer.
    public static func compare(_ a: String, _ b: String) -> Int {
        let left = parts(a)
        let right = parts(b)
        if left.epoch != right.epoch { return left.epoch < right.epoch ? -1 : 1 }
        let upstream = verrevcmp(left.upstream, right.upstream)
        if upstream != 0 { return upstream }
        return verrevcmp(left.revision, right.revision)
    }

    /// Whether `a` sorts before `b`: dpkg's order, then byte order for versions dpkg
    /// counts equal (`1.0` and `1.0-0`), so sorting is deterministic.
    public static func areInIncreasingOrder(_ a: String, _ b: String) -> Bool {
        let order = compare(a, b)
        return order != 0 ? order < 0 : a < b
    }

    private static func parts(_ version: String) -> (epoch: Int, upstream: [UInt8], revision: [UInt8]) {
        var bytes = Array(version.utf8)
        var epoch = 0
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            let value = Int(String(decoding: bytes[..<colon], as: UTF8.self))
        {
            epoch = value
            bytes.removeSubrange(...colon)
        }
        guard let dash = bytes.lastIndex(of: UInt8(ascii: "-")) else { return (epoch, bytes, []) }
        return (epoch, Array(bytes[..<dash]), Array(bytes[(dash + 1)...]))
    }

    /// dpkg's weight of a non-digit character: `~` lowest, then the end, letters, others.
    private static func order(_ byte: UInt8?) -> Int {
        guard let byte else { return 0 }
        if isDigit(byte) { return 0 }
        if isLetter(byte) { return Int(byte) }
        if byte == UInt8(ascii: "~") { return -1 }
        return Int(byte) + 256
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
    private static func isLetter(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }

    private static func verrevcmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            // The non-digit run.
            while (i < a.count && !isDigit(a[i])) || (j < b.count && !isDigit(b[j])) {
                let left = order(i < a.count ? a[i] : nil)
                let right = order(j < b.count ? b[j] : nil)
                if left != right { return left - right }
                i += 1
                j += 1
            }
            // The digit run, as a number: skip leading zeros, then the longer run wins,
            // else the first differing digit.
            while i < a.count && a[i] == UInt8(ascii: "0") { i += 1 }
            while j < b.count && b[j] == UInt8(ascii: "0") { j += 1 }
            var firstDifference = 0
            while i < a.count && isDigit(a[i]) && j < b.count && isDigit(b[j]) {
                if firstDifference == 0 { firstDifference = Int(a[i]) - Int(b[j]) }
                i += 1
                j += 1
            }
            if i < a.count && isDigit(a[i]) { return 1 }
            if j < b.count && isDigit(b[j]) { return -1 }
            if firstDifference != 0 { return firstDifference }
        }
        return 0
    }
}
