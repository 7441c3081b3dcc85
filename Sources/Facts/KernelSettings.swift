import Shell

/// The running kernel's value of each of the given settings (`sysctl` keys such as
/// `net.core.somaxconn`), read from /proc/sys.
///
/// The value maps each key the kernel has to its value as /proc/sys gives it, a setting
/// of several values with its tabs (`ip_local_port_range` is `32768\t60999`); a key the
/// kernel does not have (a module not loaded) has no entry.
///
/// One `grep` reads every setting, whatever their number: `-H` names each file, `-s`
/// leaves out the missing ones, and an empty value is still a line.
public struct KernelSettingsFact: Fact {
    public var keys: [String]

    public init(keys: [String]) {
        self.keys = keys
    }

    public var name: String { "KernelSettingsFact" }

    /// Whether `key` can name a setting: dot-separated components of letters, digits,
    /// `_`, `-`, `/` (a dot within a component, as in an interface named `eth0.1`), `+`.
    public static func isValidKey(_ key: String) -> Bool {
        let components = key.split(separator: ".", omittingEmptySubsequences: false)
        return components.count >= 2
            && components.allSatisfy { component in
                !component.isEmpty && component != "/" && !component.hasPrefix("/") && !component.hasSuffix("/")
                    && component.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-+/".unicodeScalars.contains($0))
                    }
            }
    }

    /// The file under /proc/sys of `key`: dots become slashes, and a slash stands for a
    /// dot within a component (as `sysctl` reads `net.ipv4.conf.eth0/1.rp_filter`).
    public static func path(of key: String) -> String {
        String(key.map { $0 == "." ? "/" : $0 == "/" ? "." : $0 })
    }

    public var command: String {
        // grep exits 1 when no file is there, 2 when one is missing: what it printed is what there is.
        "cd /proc/sys || exit\ngrep -H -s '' -- " + keys.map { shellQuote(Self.path(of: $0)) }.joined(separator: " ") + " || [ $? -le 2 ]"
    }

    public func parse(_ output: String) throws -> [String: String] {
        let keysByPath = Dictionary(keys.map { (Self.path(of: $0), $0) }, uniquingKeysWith: { first, _ in first })
        var values: [String: String] = [:]
        for line in lines(of: output) {
            guard let colon = line.firstIndex(of: ":"), let key = keysByPath[String(line[..<colon])] else {
                throw FactParseError("not a setting of the query: \(line.prefix(120))")
            }
            // A setting of several lines (rare: dev.cdrom.info) keeps them all.
            let value = String(line[line.index(after: colon)...])
            values[key] = values[key].map { $0 + "\n" + value } ?? value
        }
        return values
    }
}
