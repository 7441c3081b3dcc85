/// The SHA-256 of each secret file converge wrote to the host, recorded on the host
/// itself when it wrote it: a drift sweep compares the files with these, so that any
/// controller of the team (a bastion's nightly job with no secrets and no store key)
/// judges secret files as the one that applied did.
///
/// One file per secret file in ``directory`` (mode 0700, root's, as the secrets are),
/// named by the SHA-256 of the file's path and holding `sha256sum`'s line for it:
/// `HASH  PATH`. Whoever can read them can read the secrets too.
public struct SecretDigestsFact: Fact {
    /// Where the digests are kept on a host.
    public static let directory = "/var/lib/converge/secret-digests"

    public init() {}

    public var command: String {
        // The shell's own test: a host with no secret file costs no program run.
        "if [ -d \(Self.directory) ]; then cat \(Self.directory)/*.sha256 2>/dev/null || :; fi"
    }

    /// The recorded digests, by path. A damaged record (not `SHA256  PATH`) counts as none:
    /// its file is then unknown to a sweep, which goes on with the rest.
    public func parse(_ output: String) -> [String: String] {
        var digests: [String: String] = [:]
        for line in lines(of: output) {
            let hash = line.prefix(64)
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit), line.dropFirst(64).hasPrefix("  "), line.count > 66 else { continue }
            digests[String(line.dropFirst(66))] = String(hash)
        }
        return digests
    }
}
