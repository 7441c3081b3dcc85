/// A named piece of a playbook: Swift code turning a host into the resources it should have.
///
/// ```swift
/// let web = Role("web") { host in
///     Package("nginx")
///     File("/etc/nginx/conf.d/port.conf", content: "listen \(host.vars["port"]);\n",
///          notifies: [.service("nginx")])
///     if host.isMember(of: "public") {
///         Package("certbot")
///     }
///     Service("nginx", reload: true)
/// }
/// let resources = try web.resources(for: host)
/// ```
///
/// The closure may throw: `try host.vars(as: WebVars.self)` and `try host.address(in:)`
/// fail the host's plan with their error rather than fall back to a default.
public struct Role: Sendable {
    public let name: String
    private let body: @Sendable (HostContext) throws -> [any Resource]
    private var health: (@Sendable (HostContext) throws -> [HealthCheck])?
    private var drain: (@Sendable (HostContext) throws -> [Drain])?

    /// A role whose resources are listed by a ``ResourceBuilder`` closure.
    public init(_ name: String, @ResourceBuilder resources: @escaping @Sendable (HostContext) throws -> [any Resource]) {
        self.name = name
        self.body = resources
    }

    /// The resources this role wants on `host`, in the order written.
    ///
    /// - Throws: what the role's closure throws, e.g. a ``VarsError``.
    public func resources(for host: HostContext) throws -> [any Resource] {
        try body(host)
    }

    /// The role, with `checks` telling whether one of its hosts serves again after a change
    /// that restarted or reloaded something there (``HealthCheck``).
    public func healthChecks(_ checks: @escaping @Sendable (HostContext) throws -> [HealthCheck]) -> Role {
        var role = self
        role.health = checks
        return role
    }

    /// The checks this role's hosts pass when healthy; none unless ``healthChecks(_:)`` says.
    public func healthChecks(for host: HostContext) throws -> [HealthCheck] {
        let checks = try health?(host) ?? []
        for check in checks { try check.validate() }
        return checks
    }

    /// The role, with `drains` taking one of its hosts out of the rotation of the hosts in
    /// front of it (``Drain``) while a change restarts what it serves.
    public func drains(_ drains: @escaping @Sendable (HostContext) throws -> [Drain]) -> Role {
        var role = self
        role.drain = drains
        return role
    }

    /// How this role's hosts are drained; none unless ``drains(_:)`` says.
    public func drains(for host: HostContext) throws -> [Drain] {
        let drains = try drain?(host) ?? []
        for drain in drains { try drain.validate() }
        return drains
    }
}

/// Builds `[any Resource]` from statements, `if`, `switch` and `for`, as in ``Role``.
@resultBuilder
public enum ResourceBuilder {
    public static func buildExpression(_ resource: any Resource) -> [any Resource] { [resource] }
    public static func buildExpression(_ resources: [any Resource]) -> [any Resource] { resources }
    public static func buildBlock(_ parts: [any Resource]...) -> [any Resource] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any Resource]?) -> [any Resource] { part ?? [] }
    public static func buildEither(first part: [any Resource]) -> [any Resource] { part }
    public static func buildEither(second part: [any Resource]) -> [any Resource] { part }
    public static func buildArray(_ parts: [[any Resource]]) -> [any Resource] { parts.flatMap { $0 } }
    public static func buildLimitedAvailability(_ part: [any Resource]) -> [any Resource] { part }
}
