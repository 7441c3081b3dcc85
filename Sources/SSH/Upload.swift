import Shell
import Foundation

/// Ownership and permissions for an uploaded file; `nil` leaves that attribute as the login user's default.
public struct FileAttributes: Sendable, Equatable {
    public var mode: UInt16?
    public var owner: String?
    public var group: String?

    public init(mode: UInt16? = nil, owner: String? = nil, group: String? = nil) {
        self.mode = mode
        self.owner = owner
        self.group = group
    }
}

extension SSHConnection {
    /// Writes `contents` to the absolute `path` on the host atomically: the bytes go to a
    /// temporary file in the same directory, which is checked for size, given its
    /// owner and mode, and only then renamed over `path`. An interrupted upload leaves
    /// `path` as it was and removes the temporary file.
    public func upload(_ contents: Data, to path: String, attributes: FileAttributes = FileAttributes(),
                       timeout: Duration? = nil) async throws {
        let script = try UploadScript(path: path, size: contents.count, attributes: attributes, host: target.name).text
        let result = try await run(script, input: contents, timeout: timeout)
        guard result.succeeded else {
            let detail = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw SSHError(host: target.name, phase: .upload, kind: .failed,
                           message: "cannot write \(path): \(detail.isEmpty ? "exit status \(result.exitStatus)" : detail)")
        }
    }
}

/// The POSIX sh script behind `upload`: runs on dash and coreutils 8.23 (Debian 8) as on trixie.
struct UploadScript {
    let text: String

    init(path: String, size: Int, attributes: FileAttributes, host: String) throws {
        guard path.hasPrefix("/"), !path.hasSuffix("/"), !path.contains("\0") else {
            throw SSHError(host: host, phase: .upload, kind: .failed, message: "upload needs an absolute file path, not \(path)")
        }
        let directory = path[..<path.lastIndex(of: "/")!]
        let name = path[path.index(after: path.lastIndex(of: "/")!)...]
        var lines = [
            "set -e",
            "dest=\(shellQuote(path))",
            // mktemp creates the file 0600, so no one reads it before its mode is set.
            "tmp=$(mktemp \(shellQuote((directory.isEmpty ? "" : String(directory)) + "/." + String(name.prefix(40)) + ".converge.XXXXXX")))",
            "trap 'rm -f \"$tmp\"' EXIT",
            "cat > \"$tmp\"",
            // The channel's data is authenticated, so an interruption can only truncate it.
            "size=$(wc -c < \"$tmp\")",
            "if [ \"$size\" -ne \(size) ]; then echo \"upload interrupted: received $size of \(size) bytes\" >&2; exit 1; fi",
        ]
        if attributes.owner != nil || attributes.group != nil {
            let spec = (attributes.owner ?? "") + (attributes.group.map { ":" + $0 } ?? "")
            lines.append("chown \(shellQuote(spec)) \"$tmp\"")
        }
        let mode = attributes.mode ?? 0o644
        lines.append("chmod \(String(mode, radix: 8)) \"$tmp\"")
        lines.append("mv -f \"$tmp\" \"$dest\"")
        text = lines.joined(separator: "\n") + "\n"
    }
}
