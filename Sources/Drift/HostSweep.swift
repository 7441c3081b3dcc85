import Facts

/// What a read-only sweep found on one host of the inventory: the input of ``DriftReport``.
///
/// ```swift
/// let sweep = HostSweep(
///     host: "web01", address: "10.0.0.11", groups: ["web"],
///     outcome: .swept(facts: facts, drift: [
///         ResourceDrift(resource: "file:/etc/motd", reason: "content differs",
///                       fields: [FieldDrift(field: "mode", expected: "0644", actual: "0600")]),
///     ]))
/// ```
public struct HostSweep: Codable, Sendable {
    /// How the sweep of one host ended.
    public enum Outcome: Codable, Sendable {
        /// The host answered: its facts (with every package dpkg knows) and the resources
        /// whose state differs from the playbooks (the planner's changes), empty when none.
        case swept(facts: HostFacts, drift: [ResourceDrift])
        /// The host could not be reached (connection, authentication, host key); the message says why.
        case unreachable(String)
        /// The host was reached but the sweep failed (facts unreadable, roles failed, …).
        case failed(String)
    }

    /// The host's inventory name.
    public var host: String
    /// The address converge connected to.
    public var address: String
    /// The inventory groups the host belongs to, in the inventory's order.
    public var groups: [String]
    public var outcome: Outcome

    public init(host: String, address: String, groups: [String], outcome: Outcome) {
        self.host = host
        self.address = address
        self.groups = groups
        self.outcome = outcome
    }
}

/// One resource whose state on a host differs from what the playbooks describe.
public struct ResourceDrift: Codable, Sendable, Hashable {
    /// The resource's identity as the planner prints it, e.g. `file:/etc/motd` or `package:nginx`.
    public var resource: String
    /// Why it differs, e.g. `content differs` or `not installed`.
    public var reason: String
    /// The attributes that differ; may be empty when the reason says it all.
    public var fields: [FieldDrift]

    public init(resource: String, reason: String, fields: [FieldDrift] = []) {
        self.resource = resource
        self.reason = reason
        self.fields = fields
    }
}

/// One attribute of a drifted resource: what the playbooks want and what the host has.
///
/// Nil means "none": a file that should not exist has no expected content, a missing
/// package has no actual version. (The planner's `FieldChange` maps as
/// `expected: change.new, actual: change.old`.)
public struct FieldDrift: Codable, Sendable, Hashable {
    /// The attribute, e.g. `mode`, `owner`, `version`, `content`.
    public var field: String
    /// The desired value, or nil for none.
    public var expected: String?
    /// The value on the host, or nil for none.
    public var actual: String?

    public init(field: String, expected: String?, actual: String?) {
        self.field = field
        self.expected = expected
        self.actual = actual
    }
}
