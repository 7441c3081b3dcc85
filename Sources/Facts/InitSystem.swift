/// The host's init system (PID 1) and the systemd version installed.
public struct InitSystem: Codable, Equatable, Sendable {
    /// What runs as PID 1.
    public enum Kind: String, Codable, Sendable {
        /// systemd: `/run/systemd/system` exists (the test of sd_booted(3)), or PID 1 is `systemd`.
        case systemd
        /// sysvinit: PID 1 is `init` and systemd is not running.
        case sysvinit
        /// Something else, named by ``InitSystem/pid1``: runit, a container's shell, ….
        case other
        /// Unknown: `/proc/1/comm` is unreadable, e.g. in a chroot without `/proc`.
        case unknown
    }

    public var kind: Kind
    /// PID 1's name from `/proc/1/comm`, e.g. `systemd` or `init`.
    public var pid1: String?
    /// The major version of the systemd installed, from `systemctl --version`, e.g. `252`;
    /// set whenever systemctl is installed, whether or not systemd runs.
    public var systemdVersion: Int?

    public init(kind: Kind, pid1: String?, systemdVersion: Int?) {
        self.kind = kind
        self.pid1 = pid1
        self.systemdVersion = systemdVersion
    }
}

/// The host's ``InitSystem``.
public struct InitSystemFact: Fact {
    public init() {}

    public var command: String {
        """
        if [ -d /run/systemd/system ]; then printf 'systemd-running yes\\n'; fi
        if [ -r /proc/1/comm ]; then printf 'pid1 %s\\n' "$(cat /proc/1/comm)"; fi
        if command -v systemctl >/dev/null 2>&1; then
        \tprintf 'systemctl %s\\n' "$(systemctl --version 2>/dev/null | head -n 1)"
        fi
        """
    }

    public func parse(_ output: String) throws -> InitSystem {
        var systemdRunning = false
        var pid1: String?
        var systemdVersion: Int?
        for line in lines(of: output) {
            let parts = line.split(separator: " ", maxSplits: 1)
            let value = parts.count == 2 ? String(parts[1].trimmingWhitespace()) : ""
            switch parts.first {
            case "systemd-running": systemdRunning = true
            case "pid1": pid1 = value.isEmpty ? nil : value
            case "systemctl": systemdVersion = parseSystemdVersion(value)
            default: throw FactParseError("unexpected line: \(line)")
            }
        }
        let kind: InitSystem.Kind =
            if systemdRunning || pid1 == "systemd" {
                .systemd
            } else if let pid1 {
                pid1 == "init" ? .sysvinit : .other
            } else {
                .unknown
            }
        return InitSystem(kind: kind, pid1: pid1, systemdVersion: systemdVersion)
    }
}

/// 252 from `systemd 252 (252.39-1~deb12u2)` or 215 from `systemd 215`.
func parseSystemdVersion(_ line: String) -> Int? {
    let words = line.split(separator: " ")
    guard words.count >= 2, words[0] == "systemd" else { return nil }
    return Int(words[1].prefix { $0.isASCII && $0.isNumber })
}
