import Facts
import Shell

/// A kernel setting, as `sysctl` names it: kept in a file of its own in /etc/sysctl.d, so
/// that it holds after a reboot, and set in the running kernel.
///
/// ```swift
/// Sysctl("net.core.somaxconn", 4096)
/// Sysctl("net.ipv4.ip_local_port_range", "10240 65000")
/// ```
///
/// The file is `/etc/sysctl.d/<priority>-<key>.conf`; files there are read in name order,
/// so a higher priority wins over the distribution's (`50-…`) and lower ones. The running
/// value is compared with the wanted one with runs of spaces and tabs as one space (the
/// kernel separates several values with tabs). A setting the kernel refuses fails its
/// step, naming it and the kernel's error: in a container, /proc/sys is read-only outside
/// the container's own network settings (`net.*`).
public struct Sysctl: Resource, Hashable {
    /// The `sysctl` key, e.g. `net.core.somaxconn`.
    public var key: String
    /// The value, e.g. `4096`, or several separated by spaces.
    public var value: String
    /// Where its file sorts among /etc/sysctl.d's: 60 by default.
    public var priority: Int
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(_ key: String, _ value: String, priority: Int = 60, requires: [ResourceID] = [], notifies: [ResourceID] = []) {
        self.key = key
        self.value = value
        self.priority = priority
        self.requires = requires
        self.notifies = notifies
    }

    public init(_ key: String, _ value: Int, priority: Int = 60, requires: [ResourceID] = [], notifies: [ResourceID] = []) {
        self.init(key, String(value), priority: priority, requires: requires, notifies: notifies)
    }

    public var id: ResourceID { ResourceID(kind: "sysctl", name: key) }

    /// The file in /etc/sysctl.d that keeps it.
    public var path: String { "/etc/sysctl.d/\(priority)-\(key).conf" }

    /// The value with runs of spaces and tabs as one space, as it is compared.
    var normalizedValue: String { Self.normalized(value) }

    static func normalized(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}

// MARK: Planning

extension Sysctl {
    public static var stage: ConvergenceStage { .settings }
    public var managedPath: String? { path }

    /// The file that keeps the setting across reboots.
    var persisted: File {
        File(path, content: .text("# Managed by converge.\n\(key) = \(normalizedValue)\n"), mode: 0o644)
    }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard (0...99).contains(priority) else { throw .invalid(id, "priority \(priority) is not 0 to 99") }
        guard !normalizedValue.isEmpty, !value.contains(where: \.isNewline) else {
            throw .invalid(id, "needs a value on one line")
        }
        try query.addKernelSetting(key, for: id)
        try persisted.addFacts(to: &query)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        try context.plan(persisted, as: id)
        let running = context.state.kernelSettings[key]
        guard running.map(Self.normalized) != normalizedValue else { return }
        context.append(Change(
            resource: id, action: .update,
            reason: running.map { "the running kernel has \(Self.normalized($0)), want \(normalizedValue)" }
                ?? "the running kernel has no \(key) now (a module not loaded?)",
            fields: [FieldChange("value", old: running.map(Self.normalized), new: normalizedValue)],
            operation: .shell(setCommand)))
    }

    /// Sets the running kernel's value, and checks that it took it.
    var setCommand: String {
        let file = "/proc/sys/" + KernelSettingsFact.path(of: key)
        let shown = shellQuote("\(key) = \(normalizedValue)")
        return """
            converge_p=\(shellQuote(file))
            if [ ! -e "$converge_p" ]; then echo "converge: the running kernel has no setting "\(shellQuote(key))" ($converge_p): a module not loaded?" >&2; exit 1; fi
            # The shell names itself and the line first: the kernel's error is what follows the last colon.
            if ! converge_e=$( { printf '%s\\n' \(shellQuote(normalizedValue)) > "$converge_p"; } 2>&1 ); then
            \techo "converge: the kernel refused "\(shown)": ${converge_e##*: } (in a container, /proc/sys is read-only outside net.*)" >&2; exit 1
            fi
            converge_v=$(tr -s '\\t ' '  ' < "$converge_p")
            if [ "$converge_v" != \(shellQuote(normalizedValue)) ]; then echo "converge: the kernel set "\(shellQuote(key))" to $converge_v, not "\(shellQuote(normalizedValue)) >&2; exit 1; fi
            """
    }
}
