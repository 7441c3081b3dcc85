import Facts
import Foundation

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
    /// The host's roles: hosts of one release are expected to have the same packages
    /// installed only when they also have the same roles.
    public var roles: [String]
    /// How the host stands with apt, dpkg and reboots; nil when not gathered.
    public var maintenance: MaintenanceFacts?
    /// The packages the playbooks declare for the host: their modified conffiles are reported.
    public var managedPackages: Set<String>
    /// The files the playbooks write on the host: their content is the playbooks', so they
    /// are not reported as modified conffiles.
    public var managedFiles: Set<String>
    /// Resources whose state the sweep could not check.
    public var unverified: [UnverifiedResource]

    public init(
        host: String, address: String, groups: [String], outcome: Outcome, roles: [String] = [],
        maintenance: MaintenanceFacts? = nil, managedPackages: Set<String> = [], managedFiles: Set<String> = [],
        unverified: [UnverifiedResource] = []
    ) {
        self.host = host
        self.address = address
        self.groups = groups
        self.outcome = outcome
        self.roles = roles
        self.maintenance = maintenance
        self.managedPackages = managedPackages
        self.managedFiles = managedFiles
        self.unverified = unverified
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
    /// How a file's content differs, when it does.
    public var content: ContentDrift?
    /// The resource's state on the host in a few words, when the fields do not say it all:
    /// a service's `masked`, `failed (exit-code), enabled`, `inactive (dead), disabled`.
    public var state: String?
    /// Since when the resource has been in ``state``, when the host knows.
    public var since: Date?

    public init(
        resource: String, reason: String, fields: [FieldDrift] = [], content: ContentDrift? = nil,
        state: String? = nil, since: Date? = nil
    ) {
        self.resource = resource
        self.reason = reason
        self.fields = fields
        self.content = content
        self.state = state
        self.since = since
    }
}

/// How a file's content on a host differs from the playbooks'.
///
/// Text shows as a unified diff, as `converge plan` shows it. A secret shows as nothing but
/// the fact that it differs: no text, no digest, no size. Other content (binary, or too
/// large to fetch) shows by size and SHA-256.
public struct ContentDrift: Codable, Sendable, Hashable {
    /// A unified diff from the host's content to the playbooks': `--- PATH (HOST)`,
    /// `+++ PATH (playbooks)`, then hunks. Empty for a secret, or content that is not text.
    public var diff: [String]
    /// Whether the content is secret.
    public var isSecret: Bool
    /// For content that is neither text nor secret: the size (bytes) and SHA-256 on the
    /// host (nil when the file is missing) and in the playbooks.
    public var actualSize: Int?
    public var expectedSize: Int?
    public var actualSHA256: String?
    public var expectedSHA256: String?

    public init(
        diff: [String] = [], isSecret: Bool = false, actualSize: Int? = nil, expectedSize: Int? = nil,
        actualSHA256: String? = nil, expectedSHA256: String? = nil
    ) {
        self.diff = diff
        self.isSecret = isSecret
        self.actualSize = actualSize
        self.expectedSize = expectedSize
        self.actualSHA256 = actualSHA256
        self.expectedSHA256 = expectedSHA256
    }

    /// A secret's content differs: nothing more is told.
    public static let secret = ContentDrift(isSecret: true)
}

/// A resource whose state the sweep could not check, and why; no drift, no all-clear.
public struct UnverifiedResource: Codable, Sendable, Hashable {
    /// E.g. `file:/etc/app/token`.
    public var resource: String
    /// E.g. `unknown: no recorded hash (secret from environment variable APP_TOKEN, not set here)`.
    public var reason: String

    public init(resource: String, reason: String) {
        self.resource = resource
        self.reason = reason
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
