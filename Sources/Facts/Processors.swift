/// The number of CPUs the host's processes may run on, read by the shell itself (no
/// process): the online CPUs (`/sys/devices/system/cpu/online`) that the shell's affinity
/// allows (`Cpus_allowed_list` of `/proc/self/status`), as `nproc` counts them.
///
/// A CPU quota (a container's `cpu.max`) is not counted: it limits time, not CPUs.
public struct ProcessorCountFact: Fact {
    public init() {}

    public var command: String {
        """
        if [ -r /sys/devices/system/cpu/online ]; then
        \tread -r converge_o </sys/devices/system/cpu/online && printf 'online %s\\n' "$converge_o"
        fi
        while read -r converge_k converge_v; do
        \tcase $converge_k in Cpus_allowed_list:) printf 'allowed %s\\n' "$converge_v"; break ;; esac
        done </proc/self/status
        """
    }

    public func parse(_ output: String) throws -> Int {
        var online: Set<Int>?
        var allowed: Set<Int>?
        for line in lines(of: output) {
            let words = line.split(separator: " ")
            guard words.count == 2, let cpus = Self.cpuList(words[1]) else {
                throw FactParseError("unexpected line: \(line)")
            }
            switch words[0] {
            case "online": online = cpus
            case "allowed": allowed = cpus
            default: throw FactParseError("unexpected line: \(line)")
            }
        }
        // The affinity may list CPUs that are possible but not online (hot-pluggable ones).
        guard let cpus = online.map({ $0.intersection(allowed ?? $0) }) ?? allowed, !cpus.isEmpty else {
            throw FactParseError("no CPU list: \(output)")
        }
        return cpus.count
    }

    /// The CPUs of a kernel CPU list such as `0-3,8,10-11`.
    static func cpuList(_ text: Substring) -> Set<Int>? {
        var cpus = Set<Int>()
        for range in text.split(separator: ",") {
            let bounds = range.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let first = Int(bounds[0]), let last = Int(bounds[bounds.count - 1]),
                first <= last
            else { return nil }
            cpus.formUnion(first...last)
        }
        return cpus
    }
}
