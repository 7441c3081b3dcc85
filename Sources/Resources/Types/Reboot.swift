import Facts
import Shell

/// A reboot of the host when something asks for it: a resource that notifies it changed
/// (a new kernel, a setting only read at boot), or, with `whenRequired`, the host's own
/// `/var/run/reboot-required`. Then converge reboots the host (`systemctl reboot`), waits
/// for it to come back (its boot ID changed), reconnects, and runs what comes after.
///
/// ```swift
/// Reboot("kernel")
/// Package("linux-image-amd64", .latest, notifies: [.reboot("kernel")])
/// Command("check-kernel", "…", requires: [.reboot("kernel")])   // runs after the reboot
/// ```
///
/// A reboot comes after everything else the host converges (as Puppet's `reboot` does by
/// default, when the run finishes), except what ``Resource/requires`` it: that runs after
/// the reboot, on the rebooted host. A notification is marked pending on the host as soon
/// as the change that notifies it is made, so a run cut off before the reboot leaves it to
/// the next run. A host that does not come back within ``timeout`` seconds fails, naming
/// the reboot and the last error of connecting to it. Nothing notified, nothing required:
/// no reboot, so a second run right after one changes nothing.
public struct Reboot: NotifiableResource, Hashable {
    /// Names the reboot among the host's: `kernel`, say. Letters, digits, `.`, `_` and `-`.
    public var name: String
    /// Seconds to wait for the host to come back before its converge fails: 600 by
    /// default, as Ansible's `reboot` module.
    public var timeout: Int
    /// Whether the host's `/var/run/reboot-required` (written by packages through
    /// update-notifier-common or unattended-upgrades) asks for a reboot too. It is in
    /// `/run`, so the reboot clears it.
    public var whenRequired: Bool
    public var requires: [ResourceID]

    public init(_ name: String = "reboot", timeout: Int = 600, whenRequired: Bool = false, requires: [ResourceID] = []) {
        self.name = name
        self.timeout = timeout
        self.whenRequired = whenRequired
        self.requires = requires
    }

    public var id: ResourceID { .reboot(name) }

    /// `reboot:NAME`, which names no systemd unit (those all have a suffix such as `.service`).
    public var pendingName: String { "reboot:" + name }

    /// Whether `name` can be a pending notification's file name: letters, digits, `@ . _ : -`.
    package static func isValidPendingName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "@._:-".unicodeScalars.contains($0)) }
    }
}

// MARK: Planning

extension Reboot {
    public static var stage: ConvergenceStage { .reboots }

    /// Whether its notification is pending on the host, and whether the host asks for a
    /// reboot (with the packages that asked): `pending`, `required`, `package NAME` lines.
    var signals: ShellFact {
        let mark = shellQuote(ServiceState.pendingDirectory + "/" + pendingName)
        return ShellFact(name: "reboot:" + name, command: """
            if [ -e \(mark) ]; then echo pending; fi
            if [ -e /var/run/reboot-required ]; then
            \techo required
            \tif [ -r /var/run/reboot-required.pkgs ]; then sed -n 's/^\\([^ ]\\{1,\\}\\)$/package \\1/p' /var/run/reboot-required.pkgs; fi
            fi
            """)
    }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) })
        else { throw .invalid(id, "a reboot's name is letters, digits, '.', '_' and '-'") }
        guard (1...86_400).contains(timeout) else { throw .invalid(id, "timeout \(timeout) s is not 1 to 86400") }
        try query.add(signals, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let lines = try context.value(of: signals, for: id).split(separator: "\n")
        var reasons: [String] = []
        let notifiers = context.notifiers.filter(context.hasChanged)
        if !notifiers.isEmpty { reasons.append("notified by " + notifiers.map(\.description).joined(separator: ", ")) }
        if lines.contains("pending") { reasons.append("a reboot left pending by an earlier converge") }
        if whenRequired, lines.contains("required") {
            let packages = lines.filter { $0.hasPrefix("package ") }.map { $0.dropFirst("package ".count) }
            reasons.append("the host asks for one (/var/run/reboot-required"
                + (packages.isEmpty ? ")" : ", for \(packages.joined(separator: ", ")))"))
        }
        guard !reasons.isEmpty else { return }
        context.append(Change(
            resource: id, action: .reboot, reason: reasons.joined(separator: "; "),
            operation: .reboot(pending: pendingName, timeout: timeout)))
    }
}
