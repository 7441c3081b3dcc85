import Foundation
import Resources

/// The plan of one host.
public struct HostPlan: Codable, Hashable, Sendable {
    /// The host's inventory name.
    public var host: String
    /// ``HostState/fingerprint`` of the facts the plan was made from; apply gathers
    /// ``query`` again and refuses when the fingerprint differs.
    public var factsFingerprint: String
    /// The facts the plan needs.
    public var query: HostStateQuery
    /// The changes, in the order the apply script makes them.
    public var changes: [Change]

    public init(host: String, factsFingerprint: String, query: HostStateQuery, changes: [Change]) {
        self.host = host
        self.factsFingerprint = factsFingerprint
        self.query = query
        self.changes = changes
    }

    /// Whether the host is already as its resources say.
    public var isEmpty: Bool { changes.isEmpty }
}

/// The plans of several hosts, as `converge plan --out plan.json` saves them.
///
/// The JSON document (schema ``schema``, version ``version``):
///
/// ```
/// {"schema": "converge-plan", "version": 1, "createdAt": "2025-01-01T00:00:00Z",
///  "hosts": [{"host": "web1", "factsFingerprint": "<sha256 hex>",
///             "query": {"packages": [...], "paths": [...], "contentPaths": [...],
///                       "contentSHA256": {"/etc/motd": "<sha256 hex>"}, "units": [...],
///                       "users": [...], "groups": [...], "commands": [...],
///                       "guards": [{"creates": "...", "unless": "..."}]},
///             "changes": [{"resource": "file:/etc/motd", "action": "create|update|remove|run|restart|reload",
///                          "reason": "...", "fields": [{"field": "mode", "old": "0644", "new": "0640"}],
///                          "content": {"oldSHA256", "newSHA256", "oldSize", "newSize", "oldText", "newText", "isSecret"},
///                          "operation": {"<case>": {<labelled values>}}}]}]}
/// ```
///
/// `operation` is one ``HostOperation`` case keyed by its name with its labelled values;
/// file bytes are `{"base64": "..."}` or, for a secret, `{"secret": {"environment": "NAME"}
/// | {"file": "/path"}, "sha256": "...", "size": N}`: a secret's value is never in the document.
/// Readers reject another schema or a newer version.
public struct Plan: Codable, Hashable, Sendable {
    /// The document's schema name.
    public static let schema = "converge-plan"
    /// The schema version this code writes and reads.
    public static let version = 2

    public var schema: String
    public var version: Int
    public var createdAt: Date
    /// The absolute path of the inventory the plan was made from: applying a saved plan
    /// connects to its hosts with that inventory's settings.
    public var inventory: String?
    public var hosts: [HostPlan]

    public init(hosts: [HostPlan], inventory: String? = nil, createdAt: Date = Date()) {
        self.schema = Plan.schema
        self.version = Plan.version
        self.createdAt = createdAt
        self.inventory = inventory
        self.hosts = hosts
    }

    /// The plan as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Reads a saved plan.
    ///
    /// - Throws: ``PlanDocumentError`` for another schema or version, or `DecodingError`.
    public init(jsonData data: Data) throws {
        struct Header: Decodable {
            var schema: String?
            var version: Int?
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let header = try decoder.decode(Header.self, from: data)
        guard header.schema == Plan.schema else {
            throw PlanDocumentError(message: "not a converge plan (schema \(header.schema ?? "missing"))")
        }
        guard header.version == Plan.version else {
            throw PlanDocumentError(
                message: "plan schema version \(header.version.map(String.init) ?? "missing") is not \(Plan.version)")
        }
        self = try decoder.decode(Plan.self, from: data)
    }
}

/// A saved plan cannot be read by this version of converge.
public struct PlanDocumentError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
