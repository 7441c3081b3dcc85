/// The memory the host's processes may use.
public struct Memory: Codable, Hashable, Sendable {
    /// `MemTotal` from `/proc/meminfo`, in bytes: the RAM the kernel manages.
    public var totalBytes: Int
    /// The limit of the host's control group (cgroup v2 `memory.max` at the root of what the
    /// host sees, as in an LXC container), in bytes; nil when there is none.
    public var limitBytes: Int?

    public init(totalBytes: Int, limitBytes: Int? = nil) {
        self.totalBytes = totalBytes
        self.limitBytes = limitBytes
    }

    /// What a service can be sized by: the total, or the control group's limit when lower.
    public var usableBytes: Int { min(totalBytes, limitBytes ?? totalBytes) }
}

/// The host's ``Memory``, read by the shell itself: no process.
public struct MemoryFact: Fact {
    public init() {}

    public var command: String {
        // A container's /sys/fs/cgroup is its own cgroup (cgroup namespace): its memory.max
        // is the container's limit. The host's root cgroup has no memory.max.
        """
        while read -r converge_k converge_v converge_u; do
        \tcase $converge_k in MemTotal:) printf 'total %s %s\\n' "$converge_v" "$converge_u"; break ;; esac
        done </proc/meminfo
        if [ -r /sys/fs/cgroup/memory.max ]; then
        \tread -r converge_l </sys/fs/cgroup/memory.max && printf 'limit %s\\n' "$converge_l"
        fi
        """
    }

    public func parse(_ output: String) throws -> Memory {
        var total: Int?
        var limit: Int?
        for line in lines(of: output) {
            let words = line.split(separator: " ")
            switch (words.first, words.count) {
            case ("total", 3) where words[2] == "kB":
                guard let kibibytes = Int(words[1]) else { throw FactParseError("unexpected line: \(line)") }
                total = kibibytes * 1024
            case ("limit", 2):
                // `max` means no limit.
                if words[1] != "max" {
                    guard let bytes = Int(words[1]) else { throw FactParseError("unexpected line: \(line)") }
                    limit = bytes
                }
            default:
                throw FactParseError("unexpected line: \(line)")
            }
        }
        guard let total else { throw FactParseError("no MemTotal in /proc/meminfo: \(output)") }
        return Memory(totalBytes: total, limitBytes: limit)
    }
}
