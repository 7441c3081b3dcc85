import SSH

/// Which converge this is: what `converge --version` prints.
public enum ConvergeBuild {
    /// converge's version, written here and nowhere else; a release is tagged with it.
    public static let version = "0.21.0"

    /// The git commit converge was built from, or nil when the build could not tell
    /// (converge built from an archive, or without git).
    public static var commit: String? { sourceCommit }

    /// Whether converge's checkout had changes not committed when it was built.
    public static var hasUncommittedChanges: Bool { sourceModified }

    /// The `--version` text of a converge built with `playbook`: converge's version and
    /// commit, the playbooks package's name and version, and libssh2's version.
    ///
    /// ```
    /// converge 0.21.0 (commit 1a2b3c4d5e6f)
    /// playbooks converge-playbooks 0.21.0 (7 roles)
    /// libssh2 1.11.1
    /// ```
    public static func versionText(playbook: Playbook) -> String {
        let build = switch commit {
        case .some(let commit): "commit \(commit.prefix(12))" + (hasUncommittedChanges ? ", with uncommitted changes" : "")
        case nil: "commit unknown: not built from a git checkout of converge"
        }
        let roles = playbook.roles.count == 1 ? "1 role" : "\(playbook.roles.count) roles"
        let playbooks = switch (playbook.name, playbook.version) {
        case (let name?, let version?): "\(name) \(version) (\(roles))"
        case (let name?, nil): "\(name), version not set (\(roles))"
        case (nil, _): "unnamed (\(roles); Playbook(_:name:version:) names them)"
        }
        return """
            converge \(version) (\(build))
            playbooks \(playbooks)
            libssh2 \(LibSSH2.version)
            """
    }
}
