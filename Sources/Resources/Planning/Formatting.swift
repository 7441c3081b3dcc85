import Foundation

/// `0644`: a mode as four octal digits.
package func octal(_ mode: UInt16) -> String {
    let digits = String(mode, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// The text of `data` when it is UTF-8 without NUL, else nil (binary).
package func displayableText(_ data: Data) -> String? {
    guard !data.contains(0), let text = String(data: data, encoding: .utf8) else { return nil }
    return text
}

/// `3 days`, `5 hours`, `20 minutes`, `unknown`.
package func describeAge(_ seconds: Int?) -> String {
    guard let seconds else { return "of unknown age" }
    if seconds >= 2 * 86400 { return "\(seconds / 86400) days" }
    if seconds >= 2 * 3600 { return "\(seconds / 3600) hours" }
    if seconds >= 3600 { return "1 hour" }
    return "\(seconds / 60) minutes"
}

extension HostOperation {
    /// The directories systemd reads unit files (and their drop-in directories) from.
    package static let unitDirectories = ["/etc/systemd/system/", "/run/systemd/system/", "/lib/systemd/system/", "/usr/lib/systemd/system/"]

    /// The path of the unit file (or drop-in) this writes, links or removes, if any.
    package var unitFilePath: String? {
        let path: String
        switch self {
        case .writeFile(let written, _, _, _, _): path = written
        case .makeSymlink(let link, _): path = link
        case .removePath(let removed, _): path = removed
        default: return nil
        }
        return Self.unitDirectories.contains { path.hasPrefix($0) } ? path : nil
    }

    /// The package this installs or upgrades, if any.
    package var installedPackage: String? {
        switch self {
        case .installPackage(let name, _, _), .upgradePackage(let name, _): name
        default: nil
        }
    }
}

extension HostOperation {
    /// Whether this only writes to the file system with coreutils (a file, a directory, a
    /// link, attributes, a removal): nothing it runs waits on another program, a lock or
    /// the network, so the apply script runs it in a subshell of its own rather than as
    /// a `sh` under `timeout` (two programs fewer per step, and most steps are files).
    package var onlyWritesFiles: Bool {
        switch self {
        case .writeFile, .setAttributes, .makeDirectory, .makeSymlink, .removePath, .recordSecretDigest: true
        default: false
        }
    }

    /// Whether it reboots the host: the end of an apply script.
    package var isReboot: Bool {
        if case .reboot = self { true } else { false }
    }

    /// Whether this installs or removes a package (and so joins an apt transaction).
    package var isPackageChange: Bool {
        switch self {
        case .installPackage, .upgradePackage, .removePackage, .holdPackage: true
        default: false
        }
    }
}
