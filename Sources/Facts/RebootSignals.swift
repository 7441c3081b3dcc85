/// What tells whether a host must reboot to run what is installed: Debian's own flag
/// file, the kernels in `/boot` (to compare with the running one), and the processes still
/// running a C library that an upgrade replaced on disk.
public struct RebootSignals: Codable, Equatable, Sendable {
    /// Whether `/var/run/reboot-required` exists. Only some packages write it, and only
    /// through update-notifier-common or unattended-upgrades, so its absence proves nothing.
    public var flagged: Bool
    /// The packages `/var/run/reboot-required.pkgs` names.
    public var flaggedBy: [String]
    /// The kernels installed in `/boot`, as `uname -r` names them (`/boot/vmlinuz-RELEASE`).
    public var installedKernels: [String]
    /// When the system started (Unix time): the kernel's boot time plus PID 1's start, so
    /// a container's own start rather than its machine's; nil when `/proc` is unreadable.
    public var bootTime: Int?
    /// Whether every process's memory map could be read (as root): only then is
    /// ``processesUsingReplacedLibc`` complete.
    public var mapsReadable: Bool
    /// Processes whose memory maps a C library that no longer exists on disk (`libc.so.6
    /// (deleted)`): they run the libc from before an upgrade until they restart.
    public var processesUsingReplacedLibc: [ProcessName]
    /// When libc6 was last installed or upgraded (Unix time), from its dpkg file list's
    /// modification time; nil when there is no such list.
    public var libcInstalled: Int?

    public init(
        flagged: Bool, flaggedBy: [String] = [], installedKernels: [String] = [], bootTime: Int? = nil,
        mapsReadable: Bool = true, processesUsingReplacedLibc: [ProcessName] = [], libcInstalled: Int? = nil
    ) {
        self.flagged = flagged
        self.flaggedBy = flaggedBy
        self.installedKernels = installedKernels
        self.bootTime = bootTime
        self.mapsReadable = mapsReadable
        self.processesUsingReplacedLibc = processesUsingReplacedLibc
        self.libcInstalled = libcInstalled
    }
}

/// A process by its id and name (`/proc/PID/comm`).
public struct ProcessName: Codable, Hashable, Sendable {
    public var pid: Int
    public var name: String

    public init(pid: Int, name: String) {
        self.pid = pid
        self.name = name
    }
}

/// The host's ``RebootSignals``, with shell built-ins and three processes at most (`sed`
/// for the flag's package list, `grep` over every process's maps, `stat`).
public struct RebootSignalsFact: Fact {
    public init() {}

    public var command: String {
        // A libc path in /proc/PID/maps: /lib/x86_64-linux-gnu/libc-2.19.so (jessie to
        // bullseye) or /usr/lib/x86_64-linux-gnu/libc.so.6 (bookworm on); libcrypt, libcap
        // and the like do not match `/libc[-.]`.
        #"""
        if [ -f /var/run/reboot-required ]; then
        	printf 'flag\n'
        	if [ -f /var/run/reboot-required.pkgs ]; then sed 's/^/flag-package /' /var/run/reboot-required.pkgs; fi
        fi
        for converge_k in /boot/vmlinuz-*; do
        	if [ -f "$converge_k" ]; then printf 'kernel %s\n' "${converge_k#/boot/vmlinuz-}"; fi
        done
        while read -r converge_k converge_v; do
        	if [ "$converge_k" = btime ]; then printf 'btime %s\n' "$converge_v"; fi
        done </proc/stat
        if { read -r converge_v </proc/1/stat; } 2>/dev/null; then printf 'pid1 %s\n' "$converge_v"; fi
        if { read -r converge_v </proc/1/maps; } 2>/dev/null; then printf 'maps readable\n'; fi
        # shellcheck disable=SC2013 # /proc/N/maps: no space in any name
        for converge_m in $(grep -l '/libc[-.][0-9a-z.]*so[0-9.]* (deleted)$' /proc/[0-9]*/maps 2>/dev/null); do
        	converge_p=${converge_m#/proc/}
        	converge_p=${converge_p%/maps}
        	if { read -r converge_n <"/proc/$converge_p/comm"; } 2>/dev/null; then
        		printf 'replaced-libc %s %s\n' "$converge_p" "$converge_n"
        	fi
        done
        set --
        for converge_f in /var/lib/dpkg/info/libc6.list /var/lib/dpkg/info/libc6:*.list; do
        	if [ -f "$converge_f" ]; then set -- "$@" "$converge_f"; fi
        done
        if [ $# -gt 0 ]; then stat -c 'libc %Y %n' -- "$@"; fi
        exit 0
        """#
    }

    /// Clock ticks per second in `/proc/PID/stat` (USER_HZ): 100 on every Linux architecture Debian has.
    static let clockTicks = 100

    public func parse(_ output: String) throws -> RebootSignals {
        var signals = RebootSignals(flagged: false, mapsReadable: false)
        var btime: Int?
        var pid1Start: Int?
        for line in lines(of: output) {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count == 2 ? String(parts[1]) : ""
            switch parts[0] {
            case "flag": signals.flagged = true
            case "flag-package": if !value.isEmpty { signals.flaggedBy.append(value) }
            case "kernel": signals.installedKernels.append(value)
            case "btime":
                guard let time = Int(value) else { throw FactParseError("unexpected boot time: \(line)") }
                btime = time
            case "pid1":
                // `1 (systemd) S 0 1 …`: after the name in parentheses, field 22 (starttime)
                // is the 20th word.
                guard let close = value.lastIndex(of: ")") else { throw FactParseError("unexpected /proc/1/stat: \(line)") }
                let fields = value[value.index(after: close)...].split(separator: " ")
                guard fields.count > 19, let ticks = Int(fields[19]) else {
                    throw FactParseError("unexpected /proc/1/stat: \(line)")
                }
                pid1Start = ticks / Self.clockTicks
            case "maps": signals.mapsReadable = true
            case "replaced-libc":
                let words = value.split(separator: " ", maxSplits: 1)
                guard words.count == 2, let pid = Int(words[0]) else { throw FactParseError("unexpected line: \(line)") }
                signals.processesUsingReplacedLibc.append(ProcessName(pid: pid, name: String(words[1])))
            case "libc":
                guard let time = Int(value.split(separator: " ").first ?? "") else {
                    throw FactParseError("unexpected line: \(line)")
                }
                signals.libcInstalled = max(signals.libcInstalled ?? time, time)
            default:
                throw FactParseError("unexpected line: \(line)")
            }
        }
        signals.bootTime = btime.map { $0 + (pid1Start ?? 0) }
        signals.processesUsingReplacedLibc.sort { $0.pid < $1.pid }
        return signals
    }
}
