import CLibSSH2

/// The libssh2 converge runs with, for `converge --version` and bug reports.
public enum LibSSH2 {
    /// The version of the libssh2 library loaded at run time (`1.11.1`), which may be newer
    /// than the headers converge was built against.
    public static var version: String {
        // libssh2_version(0) returns the version string whatever version is asked for.
        libssh2_version(0).map { String(cString: $0) } ?? "unknown"
    }
}
