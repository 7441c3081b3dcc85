import Foundation
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
    /// Packages whose install or upgrade in the same run asks for the reboot, by name
    /// without architecture; a `*` matches any characters (`linux-image-*`).
    public var whenUpgrading: [String]
    /// Whether processes that restarting their service cannot renew (PID 1, D-Bus, a
    /// getty, a user's manager), still running the C library or systemd's shared library
    /// that an upgrade replaced on disk, ask for the reboot: only a reboot makes them run
    /// what is installed. (Other libraries they map are renewed at the host's next reboot;
    /// PID 1 re-executes itself after an upgrade replaced them.)
    public var whenLibrariesReplaced: Bool
    public var requires: [ResourceID]

    public init(_ name: String = "reboot", timeout: Int = 600, whenRequired: Bool = false,
                whenUpgrading: [String] = [], whenLibrariesReplaced: Bool = false, requires: [ResourceID] = []) {
        self.name = name
        self.timeout = timeout
        self.whenRequired = whenRequired
        self.whenUpgrading = whenUpgrading
        self.whenLibrariesReplaced = whenLibrariesReplaced
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
    /// reboot (with the packages that asked): `pending`, `required`, `package NAME` lines;
    /// with ``whenLibrariesReplaced``, a `replaced PID NAME` line per process that only a
    /// reboot renews and that maps a deleted C library or libsystemd-shared.
    var signals: ShellFact {
        let mark = shellQuote(ServiceState.pendingDirectory + "/" + pendingName)
        return ShellFact(name: "reboot:" + name + (whenLibrariesReplaced ? ":libraries" : ""), command: """
            if [ -e \(mark) ]; then echo pending; fi
            if [ -e /var/run/reboot-required ]; then
            \techo required
            \tif [ -r /var/run/reboot-required.pkgs ]; then sed -n 's/^\\([^ ]\\{1,\\}\\)$/package \\1/p' /var/run/reboot-required.pkgs; fi
            fi
            """ + (whenLibrariesReplaced ? "\n" + Self.processesOnReplacedLibraries : ""))
    }

    /// The processes a service restart leaves (those ``ShellCommands`` does not restart
    /// after an upgrade) that map a deleted C library (`libc.so.6`, `libc-2.31.so`) or
    /// `libsystemd-shared-252.so`: one `grep` over every map, then the few that match.
    static let processesOnReplacedLibraries = #"""
        # shellcheck disable=SC2013 # /proc/N/maps: no space in any name
        for converge_m in $(grep -l -E '/(libc|libsystemd-shared)[-.][^/ ]*so[^/ ]* \(deleted\)$' /proc/[0-9]*/maps 2>/dev/null); do
        	converge_p=${converge_m#/proc/}; converge_p=${converge_p%/maps}
        	\#(ShellCommands.serviceOfProcess)
        	[ "$converge_p" = 1 ] || case $converge_u in \#(ShellCommands.unitsLeftForReboot)) ;; *) continue ;; esac
        	if { read -r converge_n <"/proc/$converge_p/comm"; } 2>/dev/null; then echo "replaced $converge_p $converge_n"; fi
        done
        true
        """#

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) })
        else { throw .invalid(id, "a reboot's name is letters, digits, '.', '_' and '-'") }
        guard (1...86_400).contains(timeout) else { throw .invalid(id, "timeout \(timeout) s is not 1 to 86400") }
        for pattern in whenUpgrading where pattern.isEmpty || !pattern.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0) || "+-.*".unicodeScalars.contains($0)) }) {
            throw .invalid(id, "\"\(pattern)\" is not a package name pattern (lowercase letters, digits, '+', '-', '.', and '*')")
        }
        try query.add(signals, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let lines = try context.value(of: signals, for: id).split(separator: "\n")
        var reasons: [String] = []
        let notifiers = context.notifiers.filter(context.hasChanged)
        if !notifiers.isEmpty { reasons.append("notified by " + notifiers.map(\.description).joined(separator: ", ")) }
        if lines.contains("pending") { reasons.append("a reboot left pending by an earlier converge") }
        let upgraded = context.changes.compactMap(\.operation.installedPackage).filter { name in
            let base = name.split(separator: ":").first.map(String.init) ?? name
            return whenUpgrading.contains { Self.package(base, matches: $0) }
        }
        if !upgraded.isEmpty { reasons.append("upgrades " + upgraded.joined(separator: ", ")) }
        let replaced = lines.filter { $0.hasPrefix("replaced ") }.compactMap { $0.split(separator: " ", maxSplits: 2).last }
        if whenLibrariesReplaced, !replaced.isEmpty {
            let names = Array(Set(replaced.map(String.init))).sorted()
            reasons.append("\(names.joined(separator: ", ")) still run\(names.count == 1 ? "s" : "") a replaced library")
        }
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

    /// Whether `name` matches `pattern`, whose `*`s match any characters.
    static func package(_ name: String, matches pattern: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
