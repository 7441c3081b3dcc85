import Foundation
import Shell

/// How a host is taken out of the rotation of the hosts that route requests to it, before a
/// change restarts something on it, and put back once it passes its health checks: the
/// commands run on each host of the group in front of it (its load balancers, its caches).
///
/// ```swift
/// let web = Role("web") { host in ... }
///     .healthChecks { _ in [.http(port: 80, path: "/health.php", expecting: "ok")] }
///     .drains { host in [.varnish(backend: "web_\(host.name)", on: "cache")] }
/// ```
///
/// After draining, converge waits (up to ``timeout``) until the routing hosts report no
/// connection to the host still open, so that requests under way end before the restart.
public struct Drain: Hashable, Sendable, CustomStringConvertible {
    /// The inventory group whose hosts route to the drained one.
    public var group: String
    /// What is drained, as reports name it: `varnish backend web_web1`.
    public var name: String
    /// Run on each host of ``group`` to stop sending new requests to the drained host; exits
    /// non-zero when it could not.
    public var drainCommand: String
    /// Run on each host of ``group`` to send requests to the host again.
    public var undrainCommand: String
    /// Run on each host of ``group``: prints how many of its connections to the drained
    /// host are still in use. Nil: nothing to wait for.
    public var connectionsCommand: String?
    /// How long to wait for those connections to end; past it, the change goes on.
    public var timeout: Duration

    public init(on group: String, name: String, drain: String, undrain: String, connections: String? = nil,
                timeout: Duration = .seconds(30)) {
        self.group = group
        self.name = name
        self.drainCommand = drain
        self.undrainCommand = undrain
        self.connectionsCommand = connections
        self.timeout = timeout
    }

    /// `varnish backend web_web1 on cache`.
    public var description: String { "\(name) on \(group)" }

    /// A varnish backend marked sick by hand (`varnishadm backend.set_health NAME sick`) on
    /// every host of `group`, and given back to its health probe (`auto`) after. Its
    /// connections are varnish's `VBE.*.NAME.conn` counter, summed over the loaded VCLs.
    ///
    /// - Parameters:
    ///   - backend: The backend's name in the VCL.
    ///   - group: The inventory group of the varnish hosts.
    ///   - timeout: How long to wait for varnish's connections to the host to end.
    public static func varnish(backend: String, on group: String, timeout: Duration = .seconds(30)) -> Drain {
        let name = shellQuote(backend)
        // A bare name sets the backend of the active VCL, the one serving; varnishadm exits 1
        // ("No Backends matches") when it has none of that name.
        return Drain(
            on: group, name: "varnish backend \(backend)",
            drain: "varnishadm backend.set_health \(name) sick",
            undrain: "varnishadm backend.set_health \(name) auto",
            connections: "varnishstat -1 -f \(shellQuote("VBE.*.\(backend).conn")) | awk '{ n += $2 } END { print n + 0 }'",
            timeout: timeout)
    }

    /// A server of an HAProxy backend set to `drain` (no new connection, those under way
    /// end) through HAProxy's admin socket on every host of `group`, and back to `ready`
    /// after. Its connections are the server's current sessions (`show stat`'s `scur`).
    /// Needs `socat` on those hosts, and a `stats socket ... level admin` in haproxy.cfg.
    public static func haproxy(
        backend: String, server: String, on group: String, socket: String = "/run/haproxy/admin.sock",
        timeout: Duration = .seconds(30)
    ) -> Drain {
        let to = "socat stdio \(shellQuote("UNIX-CONNECT:\(socket)"))"
        // HAProxy answers an accepted command with an empty line, and a refused one with why.
        func state(_ state: String) -> String {
            "answer=$(echo \(shellQuote("set server \(backend)/\(server) state \(state)")) | \(to)) && "
                + #"case $answer in *[![:space:]]*) echo "haproxy: $answer" >&2; exit 1;; esac"#
        }
        return Drain(
            on: group, name: "haproxy server \(backend)/\(server)",
            drain: state("drain"), undrain: state("ready"),
            connections: "echo 'show stat' | \(to) | awk -F, -v b=\(shellQuote(backend)) -v s=\(shellQuote(server)) "
                + #"'$1 == b && $2 == s { print $5; found = 1 } END { if (!found) { print "haproxy has no server " b "/" s > "/dev/stderr"; exit 1 } }'"#,
            timeout: timeout)
    }

    /// Checks the values: a group, commands, a timeout.
    public func validate() throws(DrainError) {
        guard !group.isEmpty else { throw DrainError(drain: description, message: "names no group of hosts to run on") }
        for command in [drainCommand, undrainCommand] + (connectionsCommand.map { [$0] } ?? [])
        where command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw DrainError(drain: description, message: "has an empty command")
        }
        guard timeout >= .zero else { throw DrainError(drain: description, message: "has a negative timeout") }
    }
}

/// A drain declared wrong.
public struct DrainError: Error, Hashable, Sendable, CustomStringConvertible {
    public var drain: String
    public var message: String

    public var description: String { "drain \(drain): \(message)" }
}
