import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension DriftReport {
    /// The report's metrics in Prometheus's text exposition format, for node_exporter's
    /// textfile collector (write it with ``writePrometheusTextfile(to:)``):
    ///
    /// - `converge_drift_resources{host}`: drifted resources, for each swept host.
    /// - `converge_drift_discrepancies{group,kind}`: discrepancies, for each group and each
    ///   kind, `package_version`, `package_missing`, `package_release` (across releases,
    ///   unexplained), `point_release` and `kernel` (one per series), and `release` (1 when
    ///   the group's hosts run several releases, which is no drift), zeros included so
    ///   alerts see a series drop back.
    /// - `converge_host_upgrades{host}`, `converge_host_security_upgrades{host}`: pending
    ///   upgrades from the host's own lists; `converge_host_apt_lists_age_seconds{host}`;
    ///   `converge_host_reboot_required{host}` (0 or 1); for each host swept with
    ///   maintenance facts (the lists' age only when known).
    /// - `converge_hosts_end_of_life`: hosts past Debian LTS (``SupportStatus/isPastLTS``).
    /// - `converge_host_unreachable{host}`: 1 for a host not swept (unreachable or
    ///   failed), 0 otherwise, for every host.
    /// - `converge_drift_last_sweep_timestamp_seconds`, `converge_drift_sweep_duration_seconds`.
    ///
    /// All are gauges. Label values are escaped as the format requires (`\\`, `\"`, `\n`).
    public func prometheus() -> String {
        var text = ""
        func family(_ name: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
        }
        func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Double) {
            let labelText = labels.isEmpty
                ? "" : "{" + labels.map { "\($0.key)=\"\(prometheusLabelValue($0.value))\"" }.joined(separator: ",") + "}"
            text += "\(name)\(labelText) \(prometheusNumber(value))\n"
        }

        family("converge_drift_resources", "Resources whose state differs from the playbooks, per swept host.")
        for host in hosts where host.status == .swept {
            sample("converge_drift_resources", ["host": host.name], Double(host.drift.count))
        }
        family("converge_drift_discrepancies", "Differences between the hosts of a group, by kind.")
        for group in groups {
            let counts: [(String, Int)] = [
                ("package_version", group.packageVersions.count),
                ("package_missing", group.missingPackages.count),
                ("package_release", group.crossRelease.count),
                ("point_release", group.pointReleases.count),
                ("kernel", group.kernelDifferences.count),
                ("release", group.hasMajorReleaseDiscrepancy ? 1 : 0),
            ]
            for (kind, count) in counts {
                sample("converge_drift_discrepancies", ["group": group.name, "kind": kind], Double(count))
            }
        }
        let maintained = hosts.filter { $0.status == .swept && $0.maintenance != nil }
        family("converge_host_upgrades", "Packages with a newer candidate in the host's own apt lists, held ones left out.")
        for host in maintained {
            sample("converge_host_upgrades", ["host": host.name], Double(host.maintenance!.pendingUpgrades.count))
        }
        family("converge_host_security_upgrades", "Pending upgrades offered by a security archive.")
        for host in maintained {
            sample("converge_host_security_upgrades", ["host": host.name], Double(host.maintenance!.securityUpgrades.count))
        }
        family("converge_host_apt_lists_age_seconds", "How old the host's apt lists were at the sweep.")
        for host in maintained {
            if let age = host.maintenance!.listsAge { sample("converge_host_apt_lists_age_seconds", ["host": host.name], Double(age)) }
        }
        family("converge_host_reboot_required", "1 if the host should reboot (flag file, newer kernel, replaced libc), else 0.")
        for host in maintained {
            sample("converge_host_reboot_required", ["host": host.name], host.maintenance!.reboot.isEmpty ? 0 : 1)
        }
        family("converge_hosts_end_of_life", "Hosts whose Debian release is past LTS (ELTS or end of life).")
        sample("converge_hosts_end_of_life", [:], Double(summary.endOfLifeHosts))
        family("converge_host_unreachable", "1 if the host could not be swept (unreachable or failed), else 0.")
        for host in hosts {
            sample("converge_host_unreachable", ["host": host.name], host.status == .swept ? 0 : 1)
        }
        family("converge_drift_last_sweep_timestamp_seconds", "When the last drift sweep started, in Unix time.")
        sample("converge_drift_last_sweep_timestamp_seconds", [:], sweptAt.timeIntervalSince1970)
        family("converge_drift_sweep_duration_seconds", "How long the last drift sweep took.")
        sample("converge_drift_sweep_duration_seconds", [:], duration)
        return text
    }

    /// Writes ``prometheus()`` to `url` (e.g. `/var/lib/node_exporter/converge_drift.prom`)
    /// atomically; see ``writeAtomically(_:to:)``.
    public func writePrometheusTextfile(to url: URL) throws {
        try writeAtomically(Data(prometheus().utf8), to: url)
    }
}

/// Writes `data` to `url` so that readers see the old file or the new one, never a part:
/// into a temporary file in the same directory (so the rename stays on one file system;
/// its name ends in `.tmp`, which node_exporter's `*.prom` glob skips), flushed to
/// disk, then renamed over `url`. The file gets mode 0644 so node_exporter can read it.
///
/// - Throws: An `NSError` in the POSIX domain, naming the path, when the directory is not writable.
public func writeAtomically(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else { throw posixError(temporary.path) }
    var closed = false
    defer {
        if !closed { close(descriptor) }
    }
    do {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw posixError(temporary.path)
                }
                offset += written
            }
        }
        // The umask may have narrowed the mode open(2) set.
        guard fchmod(descriptor, 0o644) == 0, fsync(descriptor) == 0 else { throw posixError(temporary.path) }
        closed = true
        guard close(descriptor) == 0 else { throw posixError(temporary.path) }
        guard rename(temporary.path, url.path) == 0 else { throw posixError(url.path) }
    } catch {
        unlink(temporary.path)
        throw error
    }
}

private func posixError(_ path: String) -> Error {
    let code = POSIXErrorCode(rawValue: errno) ?? .EIO
    return NSError(
        domain: NSPOSIXErrorDomain, code: Int(code.rawValue),
        userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "\(path): \(String(cString: strerror(code.rawValue)))"])
}

/// A label value escaped for the exposition format: backslash, double quote and newline.
func prometheusLabelValue(_ value: String) -> String {
    var result = ""
    // By scalar: a `\r\n` pair is one Character, which would hide its `\n`.
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        case "\n": result += "\\n"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// `3`, `12.5`, `1768478400`: integers without a fraction, others as Swift prints them.
func prometheusNumber(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}
