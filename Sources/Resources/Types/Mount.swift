import Facts
import Shell

/// A filesystem mounted at a path: its line in `/etc/fstab` and its mounted state, as
/// Puppet's `mount` and Ansible's `mount` keep them.
///
/// ```swift
/// Mount("/srv/shared", device: "gluster1:/shared", type: "glusterfs", options: ["defaults", "_netdev"])
/// Mount("/var/cache/app", device: "tmpfs", type: "tmpfs", options: ["size=512m", "mode=0755"])
/// Mount("/srv/www", device: "/srv/shared/www", type: "none", options: ["bind"])
/// ```
///
/// The fstab line for the mount point is set in place of any other for it, the rest of the
/// file left as it is (a ``Lines`` edit, shown as a diff). ``State/mounted`` then mounts it
/// (its directory made first) when it is not; when it is mounted and its line changed, it is
/// remounted: `mount -o remount` for new options, unmounted and mounted again for another
/// device or type. A GlusterFS or NFS mount converges after `glusterfs-client` or
/// `nfs-common` when those are declared. Resources under the mount point converge after it
/// (mounts come before files), so they are written to the mounted filesystem.
///
/// A network filesystem's server may be set up by the same converge (a GlusterFS volume
/// the storage hosts create while the web hosts mount it): `retries` tries the mount again,
/// `delay` seconds apart, as Ansible's `retries` and `until` would.
public struct Mount: Resource, Hashable {
    /// What the host has of the mount.
    public enum State: String, Hashable, Sendable {
        /// In fstab, and mounted.
        case mounted
        /// In fstab, and not mounted.
        case unmounted
        /// In fstab; mounted or not, as it is.
        case present
        /// Neither in fstab nor mounted.
        case absent
    }

    /// Where it is mounted, e.g. `/srv/shared`.
    public var mountPoint: String
    /// What is mounted: a device, `server:/volume`, a directory for a bind mount, `tmpfs`.
    public var device: String
    /// The filesystem type, e.g. `ext4`, `glusterfs`, `nfs`, `tmpfs`; `none` for a bind mount.
    public var type: String
    /// The mount options, `defaults` when none.
    public var options: [String]
    /// fstab's fifth and sixth fields: whether `dump` backs it up, and `fsck`'s pass at boot.
    public var dump: Int
    public var pass: Int
    public var state: State
    /// How many more times a failed mount is tried, and how many seconds apart.
    public var retries: Int
    public var delay: Int
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ mountPoint: String, device: String, type: String, options: [String] = ["defaults"], dump: Int = 0, pass: Int = 0,
        state: State = .mounted, retries: Int = 0, delay: Int = 5, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.retries = retries
        self.delay = delay
        self.mountPoint = mountPoint
        self.device = device
        self.type = type
        self.options = options
        self.dump = dump
        self.pass = pass
        self.state = state
        self.requires = requires
        self.notifies = notifies
    }

    /// The mount point's mount gone, from fstab and from the running system.
    public static func absent(_ mountPoint: String, requires: [ResourceID] = []) -> Mount {
        Mount(mountPoint, device: "none", type: "none", state: .absent, requires: requires)
    }

    public var id: ResourceID { .mount(mountPoint) }

    /// Whether it is a bind mount, whose mounted device is not its `device`.
    var isBind: Bool { options.contains { $0 == "bind" || $0 == "rbind" } }

    /// The fstab line, each field escaped as fstab escapes it.
    public var fstabLine: String {
        [device, mountPoint, type, options.isEmpty ? "defaults" : options.joined(separator: ","), String(dump), String(pass)]
            .map(Self.escaped).joined(separator: " ")
    }

    /// A field as fstab and /proc/mounts write it: space, tab, newline and backslash in octal.
    static func escaped(_ field: String) -> String {
        var result = ""
        for character in field.unicodeScalars {
            switch character {
            case " ": result += "\\040"
            case "\t": result += "\\011"
            case "\n": result += "\\012"
            case "\\": result += "\\134"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}

extension ResourceID {
    /// The ``Mount`` at `mountPoint`.
    public static func mount(_ mountPoint: String) -> ResourceID { ResourceID(kind: "mount", name: mountPoint) }
}

// MARK: Planning

extension Mount {
    /// Before directories and files, so those under the mount point are made on it.
    public static var stage: ConvergenceStage { .directories }
    public var editedPaths: [String] { ["/etc/fstab"] }

    public var implicitRequirements: [ResourceID] {
        switch type {
        case "glusterfs": [.package("glusterfs-client")]
        case "nfs", "nfs4": [.package("nfs-common")]
        default: []
        }
    }

    /// The lines of fstab for this mount point: any line whose second field it is.
    var fstabPattern: String {
        // An ERE as awk reads it, without [:classes:] (mawk 1.3.3).
        let special = Set("\\^$.[]|()*+?{}")
        let point = Self.escaped(mountPoint).map { special.contains($0) ? "\\\($0)" : String($0) }.joined()
        return "^[ \t]*[^ \t#][^ \t]*[ \t]+\(point)[ \t]"
    }

    /// Mounts it from its fstab line, and fails unless it is then mounted: a FUSE helper
    /// (mount.glusterfs) can exit 0 having mounted nothing.
    /// Mounts, and on failure lazily unmounts whatever the attempt left: a FUSE client
    /// (GlusterFS's) that could not reach its volume yet leaves a mount with no one behind it
    /// ("Transport endpoint is not connected"), on which every later try would fail with
    /// "Mount point does not exist".
    var mountCommand: String {
        let point = shellQuote(mountPoint)
        return "{ mount -- \(point) && { mountpoint -q -- \(point) || { echo \"converge: mount exited 0, but nothing is mounted on \(mountPoint)\"; false; }; }; }"
            + " || { converge_m=$?; umount -l -- \(point) 2>/dev/null || :; (exit \"$converge_m\"); }"
    }

    /// The mount point's line in fstab, set or removed.
    var fstab: TextFileEdit {
        Lines("/etc/fstab", [state == .absent ? .absent(matching: fstabPattern) : .line(fstabLine, replacing: fstabPattern)],
              create: true).edit
    }

    /// Named for the mount point: several mounts edit the one fstab.
    var fstabFact: TextFileEdit.EditFact { fstab.fact(named: "fstab:\(mountPoint)") }

    /// fstab's lines and /proc/mounts' for the mount point, read by ``parse(_:)``.
    struct MountFact: Fact {
        let name: String
        let command: String

        func parse(_ output: String) throws(FactParseError) -> (fstab: Entry?, mounted: Entry?) { try Mount.parse(output) }
    }

    var current: MountFact {
        MountFact(name: "mount:\(mountPoint)", command: """
            converge_m=\(shellQuote(Self.escaped(mountPoint)))
            if [ -r /etc/fstab ]; then
            \twhile read -r converge_d converge_p converge_t converge_o _; do
            \t\tcase $converge_d in ''|'#'*) continue ;; esac
            \t\tif [ "$converge_p" = "$converge_m" ]; then printf 'fstab %s %s %s\\n' "$converge_d" "$converge_t" "${converge_o:-defaults}"; fi
            \tdone </etc/fstab
            fi
            while read -r converge_d converge_p converge_t converge_o _; do
            \tif [ "$converge_p" = "$converge_m" ]; then printf 'mounted %s %s %s\\n' "$converge_d" "$converge_t" "$converge_o"; fi
            done </proc/mounts
            """)
    }

    /// A mount as fstab or /proc/mounts has it (fields escaped).
    struct Entry: Equatable, Sendable {
        var device: String
        var type: String
        var options: String
    }

    static func parse(_ output: String) throws(FactParseError) -> (fstab: Entry?, mounted: Entry?) {
        var fstab: Entry?
        var mounted: Entry?
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 4, ["fstab", "mounted"].contains(fields[0]) else {
                throw FactParseError("unexpected line: \(line)")
            }
            let entry = Entry(device: fields[1], type: fields[2], options: fields[3])
            // The first fstab line is the one mount reads; the last mount is the one on top.
            if fields[0] == "fstab" { fstab = fstab ?? entry } else { mounted = entry }
        }
        return (fstab, mounted)
    }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard mountPoint.hasPrefix("/"), mountPoint == "/" || !mountPoint.hasSuffix("/"), !mountPoint.contains("\0") else {
            throw .invalid(id, "needs an absolute mount point: \(mountPoint)")
        }
        for (name, field) in [("device", device), ("type", type)] + options.map({ ("option", $0) })
        where field.isEmpty || field.contains(where: \.isNewline) || name != "device" && field.contains(where: { $0 == "," || $0.isWhitespace }) {
            throw .invalid(id, "the \(name) \(field.debugDescription) is empty or holds a newline, a space or a comma")
        }
        guard dump >= 0, pass >= 0, pass <= 2 else { throw .invalid(id, "dump is 0 or more, pass 0, 1 or 2") }
        guard retries >= 0, delay >= 0 else { throw .invalid(id, "retries and delay cannot be negative") }
        try fstab.validate(for: id)
        try query.add(fstabFact, for: id)
        try query.add(current, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let (listed, mounted) = try context.value(of: current, for: id)
        try fstab.plan(id, fact: fstabFact, requires: requires, in: &context)
        let point = shellQuote(mountPoint)
        let wanted = Entry(device: Self.escaped(device), type: Self.escaped(type), options: "")
        func append(_ reason: String, _ script: String, field: FieldChange) {
            context.append(Change(resource: id, action: .update, reason: reason, fields: [field], operation: .shell(script)))
        }
        switch state {
        case .present:
            break
        case .absent, .unmounted:
            guard let mounted else { return }
            append("mounted (\(mounted.device), \(mounted.type)); unmounted", "umount -- \(point)",
                   field: FieldChange("mounted", old: "yes", new: "no"))
        case .mounted:
            guard let mounted else {
                append("not mounted", "mkdir -p -- \(point)\n" + ShellCommands.retrying(mountCommand, retries: retries, delay: delay),
                       field: FieldChange("mounted", old: "no", new: "yes"))
                return
            }
            // What is mounted now: fstab's line says it, or, for a mount made by hand, the
            // kernel (which names a FUSE type `fuse.<type>`, and a bind mount by its disk).
            let now = listed ?? Entry(device: isBind ? wanted.device : mounted.device,
                                      type: mounted.type == "fuse.\(wanted.type)" || isBind ? wanted.type : mounted.type, options: "")
            if now.device != wanted.device || now.type != wanted.type {
                append("mounted from \(now.device) (\(now.type)), want \(wanted.device) (\(wanted.type)): unmounted and mounted again",
                       "umount -- \(point)\n" + ShellCommands.retrying(mountCommand, retries: retries, delay: delay), field: FieldChange("device", old: now.device, new: wanted.device))
            } else if let listed, listed.options != Self.escaped(options.isEmpty ? "defaults" : options.joined(separator: ",")) {
                append("options \(listed.options), want \(options.joined(separator: ",")): remounted", "mount -o remount -- \(point)",
                       field: FieldChange("options", old: listed.options, new: options.joined(separator: ",")))
            }
        }
    }
}
