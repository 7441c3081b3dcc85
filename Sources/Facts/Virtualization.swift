/// What the host runs in, named as `systemd-detect-virt` names it: `none` on bare metal,
/// `kvm`, `qemu`, `vmware`, `xen`, `microsoft`, `oracle`, `amazon`, `google`, `vm-other`
/// for a virtual machine, `systemd-nspawn`, `lxc`, `docker`, ... for a container.
public struct Virtualization: Codable, Hashable, Sendable, CustomStringConvertible {
    public var name: String

    public init(_ name: String) {
        self.name = name
    }

    /// Bare metal.
    public static let none = Virtualization("none")

    /// Whether the host is a container, where the kernel, the clock and most of /proc/sys
    /// belong to the machine it runs on.
    public var isContainer: Bool { Self.containers.contains(name) }

    /// Whether the host is a virtual machine.
    public var isVirtualMachine: Bool { name != "none" && !isContainer }

    public var description: String { name }

    /// systemd's names of containers.
    static let containers: Set<String> = [
        "systemd-nspawn", "lxc", "lxc-libvirt", "docker", "podman", "openvz", "rkt", "wsl", "proot",
        "pouch", "container-other",
    ]
}

/// The host's ``Virtualization``, for no process in a container: systemd running in a
/// container names it in `/run/systemd/container` (no process); otherwise one
/// `systemd-detect-virt` answers; without it, the firmware's vendor (`/sys/class/dmi/id`),
/// `/sys/hypervisor` and the CPU's `hypervisor` flag tell a virtual machine, read by the shell.
public struct VirtualizationFact: Fact {
    public init() {}

    public var command: String {
        """
        if [ -r /run/systemd/container ]; then
        \tIFS= read -r converge_c </run/systemd/container || :
        \tprintf 'container %s\\n' "$converge_c"
        elif command -v systemd-detect-virt >/dev/null 2>&1; then
        \tprintf 'detected %s\\n' "$(systemd-detect-virt 2>/dev/null)"
        else
        \tfor converge_f in sys_vendor product_name; do
        \t\tif [ -r /sys/class/dmi/id/$converge_f ]; then
        \t\t\tIFS= read -r converge_v </sys/class/dmi/id/$converge_f || :
        \t\t\tprintf '%s %s\\n' $converge_f "$converge_v"
        \t\tfi
        \tdone
        \tif [ -r /sys/hypervisor/type ]; then
        \t\tIFS= read -r converge_v </sys/hypervisor/type || :
        \t\tprintf 'hypervisor %s\\n' "$converge_v"
        \tfi
        \twhile read -r converge_k converge_v; do
        \t\tcase $converge_k in flags)
        \t\t\tcase " $converge_v " in *" hypervisor "*) printf 'cpu hypervisor\\n' ;; esac
        \t\t\tbreak ;;
        \t\tesac
        \tdone </proc/cpuinfo
        fi
        """
    }

    public func parse(_ output: String) throws -> Virtualization {
        var vendor = ""
        var product = ""
        var hypervisor = ""
        var cpuFlag = false
        for line in lines(of: output) {
            let parts = line.split(separator: " ", maxSplits: 1)
            let value = parts.count == 2 ? String(parts[1].trimmingWhitespace()) : ""
            switch parts.first {
            case "container", "detected":
                // systemd-detect-virt prints `none` (and exits 1) on bare metal.
                return value.isEmpty ? .none : Virtualization(value)
            case "sys_vendor": vendor = value
            case "product_name": product = value
            case "hypervisor": hypervisor = value
            case "cpu" where value == "hypervisor": cpuFlag = true
            default: throw FactParseError("unexpected line: \(line)")
            }
        }
        // systemd-detect-virt's own DMI table, the commonest vendors first.
        let firmware = vendor + " " + product
        let known: [(String, String)] = [
            ("KVM", "kvm"), ("QEMU", "qemu"), ("VMware", "vmware"), ("VMW", "vmware"),
            ("innotek GmbH", "oracle"), ("VirtualBox", "oracle"), ("Xen", "xen"), ("Bochs", "bochs"),
            ("Parallels", "parallels"), ("Amazon EC2", "amazon"), ("Google", "google"),
            ("Microsoft Corporation Virtual Machine", "microsoft"),
        ]
        if let (_, name) = known.first(where: { firmware.contains($0.0) }) { return Virtualization(name) }
        if hypervisor == "xen" { return Virtualization("xen") }
        return cpuFlag ? Virtualization("vm-other") : .none
    }
}
