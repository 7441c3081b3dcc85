import Foundation
import Inventory
import SSH

/// What converging a host needs of a connection to it: run a command with input, close it
/// in order, or cut it at once. ``SSHConnection`` is the real one; tests use others.
public protocol HostConnection: Sendable {
    /// Runs `command` on the host with `input` on its standard input; `onStdout`, when
    /// given, gets its standard output piece by piece as it arrives (an apply script's step
    /// reports, while the script runs), and must return quickly.
    func run(_ command: String, input: Data, timeout: Duration?,
             onStdout: (@Sendable (Data) -> Void)?) async throws -> CommandResult
    /// Sends `input` to `host`:`port` as the host reaches them, and returns what the service
    /// answers until it closes: a health check's HTTP request to the host's web server.
    func forward(to host: String, port: Int, input: Data, timeout: Duration) async throws -> Data
    /// Opens a connection from the host to `host`:`port` and closes it at once; throws when
    /// nothing accepts it there: a health check's TCP port.
    func connect(to host: String, port: Int, timeout: Duration) async throws
    /// Closes the connection once its commands are done.
    func close() async
    /// Cuts the connection at once, from any thread: a running command ends with an error.
    func abort()
}

extension HostConnection {
    /// Runs `command` and returns what it printed once it ends.
    public func run(_ command: String, input: Data, timeout: Duration?) async throws -> CommandResult {
        try await run(command, input: input, timeout: timeout, onStdout: nil)
    }
}

extension SSHConnection: HostConnection {}

/// Opens connections to inventory hosts.
public protocol HostConnecting: Sendable {
    /// A new connection to `host`, logged in.
    func connection(to host: Inventory.Host) async throws -> any HostConnection
}

extension HostConnector: HostConnecting {
    public func connection(to host: Inventory.Host) async throws -> any HostConnection {
        try await connect(to: host)
    }
}
