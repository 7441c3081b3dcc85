/// The number of CPUs the host's processes may run on, read by the shell itself (no
/// process): the online CPUs (`/sys/devices/system/cpu/online`), within a container's
/// cpuset where it has one (cgroup v2 `cpuset.cpus.effective` at the root of what the host
/// sees, as LXC and Docker `--cpuset-cpus` set it).
///
/// Not the shell's affinity (`Cpus_allowed_list` of `/proc/self/status`, which `nproc`
/// reads): the shell reads a file byte by byte, and that line is near the end of a long
/// one, on every host every run. A CPU quota (`cpu.max`) is not counted either: it limits
/// time, not CPUs.
public struct ProcessorCountFact: Fact {
    public init() {}

    public var command: String {
        """
        if [ -r /sys/devices/system/cpu/online ]; then
        \tread -r converge_o </sys/devices/system/cpu/online && printf 'online %s\\n' "$converge_o"
        fi
        if [ -r /sys/fs/cgroup/cpuset.cpus.effective ]; then
        \tread -r converge_c </sys/fs/cgroup/cpuset.cpus.effective && printf 'cpuset %s\\n' "$converge_c"
        fi
        """
    }

    public func parse(_ output: String) throws -> Int {
        var online: Set<Int>?
        var cpuset: Set<Int>?
        for line in lines(of: output) {
            let words = line.split(separator: " ")
            guard words.count == 2, let cpus = Self.cpuList(words[1]) else {
                throw FactParseError("unexpected line: \(line)")
            }
            switch words[0] {
            case "online": online = cpus
            case "cpuset": cpuset = cpus
            default: throw FactParseError("unexpected line: \(line)")
            }
        }
        // A cpuset may name CPUs that are not online.
        guard let cpus = online.map({ $0.intersection(cpuset ?? $0) }) ?? cpuset, !cpus.isEmpty else {
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
