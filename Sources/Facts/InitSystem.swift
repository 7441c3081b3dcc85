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
    /// What the host runs in, as `systemd-detect-virt` names it: `none` on bare metal,
    /// `kvm`, `systemd-nspawn`, `lxc`, …; nil when it could not tell (no systemd).
    public var virtualization: String?

    public init(kind: Kind, pid1: String?, systemdVersion: Int?, virtualization: String? = nil) {
        self.kind = kind
        self.pid1 = pid1
        self.systemdVersion = systemdVersion
        self.virtualization = virtualization
    }

    /// Whether the host is a container (systemd-nspawn, LXC, Docker, …), where the kernel,
    /// the clock and most of /proc/sys belong to the machine it runs on.
    public var isContainer: Bool {
        guard let virtualization else { return false }
        return ["systemd-nspawn", "lxc", "lxc-libvirt", "docker", "podman", "openvz", "rkt", "wsl", "proot",
                "pouch", "container-other"].contains(virtualization)
    }
}

/// The host's ``InitSystem``.
public struct InitSystemFact: Fact {
    public init() {}

    public var command: String {
        // A running systemd answers its version and the virtualization it detected in one
        // `systemctl show` (the commonest case, one process); otherwise, or when it does not
        // know them, `systemctl --version` and `systemd-detect-virt` do.
        """
        converge_version=
        converge_virt=
        if [ -d /run/systemd/system ]; then
        \tprintf 'systemd-running yes\\n'
        \tconverge_m=$(systemctl show -p Version -p Virtualization 2>/dev/null)
        \tconverge_nl='
        '
        \tcase "$converge_nl$converge_m" in *"${converge_nl}Version="[0-9]*) converge_version=yes ;; esac
        \tcase "$converge_nl$converge_m" in *"${converge_nl}Virtualization="*) converge_virt=yes ;; esac
        \tif [ -n "$converge_version$converge_virt" ]; then
        \t\twhile IFS= read -r converge_l; do printf 'manager %s\\n' "$converge_l"; done <<CONVERGE_END_OF_MANAGER
        $converge_m
        CONVERGE_END_OF_MANAGER
        \tfi
        fi
        if [ -r /proc/1/comm ]; then IFS= read -r converge_p </proc/1/comm; printf 'pid1 %s\\n' "$converge_p"; fi
        if [ -z "$converge_version" ] && command -v systemctl >/dev/null 2>&1; then
        \tprintf 'systemctl %s\\n' "$(systemctl --version 2>/dev/null | head -n 1)"
        fi
        if [ -z "$converge_virt" ] && command -v systemd-detect-virt >/dev/null 2>&1; then
        \tprintf 'virtualization %s\\n' "$(systemd-detect-virt 2>/dev/null)"
        fi
        """
    }

    public func parse(_ output: String) throws -> InitSystem {
        var systemdRunning = false
        var pid1: String?
        var systemdVersion: Int?
        var virtualization: String?
        for line in lines(of: output) {
            let parts = line.split(separator: " ", maxSplits: 1)
            let value = parts.count == 2 ? String(parts[1].trimmingWhitespace()) : ""
            switch parts.first {
            case "systemd-running": systemdRunning = true
            case "pid1": pid1 = value.isEmpty ? nil : value
            case "systemctl": systemdVersion = parseSystemdVersion(value)
            case "virtualization": virtualization = value.isEmpty ? nil : value
            case "manager":
                // `manager Version=252.39-1~deb12u2`, `manager Virtualization=systemd-nspawn`
                // (empty on bare metal, which systemd-detect-virt calls `none`).
                if value.hasPrefix("Version=") {
                    systemdVersion = Int(value.dropFirst("Version=".count).prefix { $0.isASCII && $0.isNumber })
                } else if value.hasPrefix("Virtualization=") {
                    let name = value.dropFirst("Virtualization=".count)
                    virtualization = name.isEmpty ? "none" : String(name)
                }
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
        return InitSystem(kind: kind, pid1: pid1, systemdVersion: systemdVersion, virtualization: virtualization)
    }
}

/// 252 from `systemd 252 (252.39-1~deb12u2)` or 215 from `systemd 215`.
func parseSystemdVersion(_ line: String) -> Int? {
    let words = line.split(separator: " ")
    guard words.count >= 2, words[0] == "systemd" else { return nil }
    return Int(words[1].prefix { $0.isASCII && $0.isNumber })
}
