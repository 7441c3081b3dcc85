/// A mounted filesystem and its space, as `df` reports it.
public struct MountedFilesystem: Codable, Hashable, Sendable {
    /// Where it is mounted, e.g. `/` or `/srv`.
    public var mountPoint: String
    /// What is mounted, e.g. `/dev/sda1`, `overlay`, `tmpfs`.
    public var device: String
    /// The filesystem type, e.g. `ext4`, `xfs`, `overlay`, `tmpfs`.
    public var type: String
    /// The filesystem's size, in bytes.
    public var sizeBytes: Int
    /// The space in use, in bytes.
    public var usedBytes: Int
    /// The space an unprivileged user may still fill, in bytes (without the blocks
    /// reserved for root).
    public var availableBytes: Int

    public init(mountPoint: String, device: String, type: String, sizeBytes: Int, usedBytes: Int, availableBytes: Int) {
        self.mountPoint = mountPoint
        self.device = device
        self.type = type
        self.sizeBytes = sizeBytes
        self.usedBytes = usedBytes
        self.availableBytes = availableBytes
    }

    /// Whether it lives in memory (`tmpfs`, `devtmpfs`, `ramfs`) rather than on a disk.
    public var isInMemory: Bool { ["tmpfs", "devtmpfs", "ramfs"].contains(type) }
}

/// The host's local mounted filesystems, from one `df -P -k -T -l` (coreutils 8.23 has
/// each flag): POSIX columns in KiB with the type. Local only (`-l`), because `df` on a
/// network filesystem whose server is gone hangs, and this fact runs on every converge.
/// Filesystems of no size (`proc`, `sysfs`) are not listed, as `df` leaves them out, nor
/// those that cannot tell their size.
public struct MountsFact: Fact {
    public init() {}

    /// `df` exits 1 when it could not read one filesystem (permissions, a mount point gone
    /// while it ran) after listing the others: its listing is what counts.
    public var command: String { "df -P -k -T -l 2>/dev/null || [ $? -eq 1 ]" }

    public func parse(_ output: String) throws -> [MountedFilesystem] {
        var lines = lines(of: output)[...]
        guard let header = lines.popFirst(), header.hasPrefix("Filesystem") else {
            throw FactParseError("expected df's header: \(output)")
        }
        return try lines.compactMap { line in
            // Filesystem Type 1024-blocks Used Available Capacity Mounted-on; the device and
            // the mount point may hold spaces, the numbers and the type never do. A
            // filesystem that cannot tell its size has `-` for each.
            let words = line.split(separator: " ")
            func isNumber(_ word: Substring) -> Bool { Int(word) != nil || word == "-" }
            guard let at = words.indices.dropFirst(2).first(where: { index in
                index + 4 < words.count && words[index...(index + 2)].allSatisfy(isNumber)
                    && (words[index + 3].hasSuffix("%") || words[index + 3] == "-")
            }) else { throw FactParseError("unexpected line: \(line)") }
            guard let size = Int(words[at]), let used = Int(words[at + 1]), let available = Int(words[at + 2]) else {
                return nil
            }
            return MountedFilesystem(
                mountPoint: words[(at + 4)...].joined(separator: " "), device: words[..<(at - 1)].joined(separator: " "),
                type: String(words[at - 1]), sizeBytes: size * 1024, usedBytes: used * 1024, availableBytes: available * 1024)
        }
    }
}
