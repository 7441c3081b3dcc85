import Facts
import Foundation
import Shell

/// The host's record of a secret file's SHA-256 (`SecretDigestsFact`, in Facts): written with the
/// file, and when converge finds the file right but unrecorded (a record lost, or a host
/// converged before records were kept).
public enum SecretDigestRecord {
    /// The record of the secret file at `path`: named by the SHA-256 of the path, so any
    /// path makes a plain file name.
    public static func path(of path: String) -> String {
        "\(SecretDigestsFact.directory)/\(sha256Hex(Data(path.utf8))).sha256"
    }

    /// What the record of a file whose content has SHA-256 `sha256` holds.
    public static func content(of path: String, sha256: String) -> String { "\(sha256)  \(path)\n" }

    /// Records the file at `path` as having the SHA-256 `sha256`, or the one it has on the
    /// host when nil; the record is replaced whole, never left half written.
    static func command(for path: String, sha256: String?) -> String {
        let record = shellQuote(Self.path(of: path))
        let directory = SecretDigestsFact.directory
        let write = "mkdir -p \(directory) && chmod 0700 \(directory)"
            + " && printf '%s  %s\\n' \(sha256 ?? "\"${converge_sum%% *}\"") \(shellQuote(path)) > \(record).new && mv -f \(record).new \(record)"
        guard sha256 == nil else { return write }
        // `sha256sum < FILE` prints `HASH  -`; a file that cannot be read records nothing.
        return "converge_sum=$(sha256sum < \(shellQuote(path))) && " + write
    }
}
