import Facts
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
///
/// A saved plan is signed with the controller's key (`signature`, a keyed digest of the
/// document without it): ``init(jsonData:verifiedWith:)`` refuses a plan that was edited,
/// or made by another controller.
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
    /// The team's plan key's digest of the document without this field; nil when unsigned.
    public var signature: String?

    public init(hosts: [HostPlan], inventory: String? = nil, createdAt: Date = Date()) {
        self.schema = Plan.schema
        self.version = Plan.version
        self.createdAt = createdAt
        self.inventory = inventory
        self.hosts = hosts
    }

    /// The plan as pretty-printed JSON with sorted keys; signed with `key` when given.
    public func jsonData(signedWith key: PlanKey? = nil) throws -> Data {
        var document = self
        document.signature = nil
        if let key { document.signature = key.digest(try document.canonicalData()) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(document)
    }

    /// The bytes a signature covers: the document without its signature, compact, keys sorted.
    private func canonicalData() throws -> Data {
        var unsigned = self
        unsigned.signature = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(unsigned)
    }

    /// Reads a saved plan and checks its signature with `key`.
    ///
    /// - Throws: ``PlanDocumentError`` when it is unsigned, was edited, or was signed with
    ///   another team's key; as ``init(jsonData:)`` otherwise.
    public init(jsonData data: Data, verifiedWith key: PlanKey) throws {
        try self.init(jsonData: data)
        guard let signature else {
            throw PlanDocumentError(message: "the plan is not signed: make it with `converge plan --out`")
        }
        guard key.verifies(signature, of: try canonicalData()) else {
            throw PlanDocumentError(
                message: "the plan was changed after `converge plan` wrote it (or another team's key signed it): refusing it")
        }
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

extension HostPlan {
    /// Checks every operation of the plan as the planner would have made it: absolute,
    /// normalized paths without control characters, valid package, unit and account
    /// names, permission modes, known systemctl verbs. A saved plan is checked so before
    /// anything of it runs.
    ///
    /// - Throws: ``PlanError/invalid(_:_:)`` naming the change's resource.
    public func validateOperations() throws(PlanError) {
        for change in changes {
            try change.operation.validate(for: change.resource)
        }
    }
}

extension HostOperation {
    static let systemctlVerbs: Set<String> = ["enable", "disable", "start", "stop", "restart", "reload"]

    func validate(for id: ResourceID) throws(PlanError) {
        func account(_ name: String?) throws(PlanError) {
            if let name { try validateAccountName(name, of: id) }
        }
        func unit(_ name: String) throws(PlanError) {
            guard ServiceStatesFact.isValidUnit(name) else { throw .invalid(id, "not a valid systemd unit name: \(name)") }
        }
        switch self {
        case .refreshPackageLists, .reloadSystemd:
            break
        case .reboot(let pending, let timeout):
            if !Reboot.isValidPendingName(pending) { throw .invalid(id, "not a pending notification's name: \(pending)") }
            if timeout <= 0 { throw .invalid(id, "a reboot's timeout must be positive") }
        case .shell(let script):
            if script.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .invalid(id, "has an empty script") }
        case .installPackage(let name, let version, _), .upgradePackage(let name, let version):
            try validatePackageName(name, of: id)
            if let version, version.isEmpty || version.contains(where: { $0.isWhitespace || $0.isNewline }) {
                throw .invalid(id, "not a package version: \(version)")
            }
        case .removePackage(let name), .holdPackage(let name, _):
            try validatePackageName(name, of: id)
        case .upgradeRelease(let from, let to):
            guard DebianSuites.release(after: from) == to else { throw .invalid(id, "not a release upgrade converge makes: \(from) to \(to)") }
        case .writeFile(let path, _, let owner, let group, let permissions):
            try validatePath(path, of: id)
            try account(owner)
            try account(group)
            try validateMode(permissions, of: id)
        case .setAttributes(let path, let owner, let group, let permissions),
             .makeDirectory(let path, let owner, let group, let permissions):
            try validatePath(path, of: id)
            try account(owner)
            try account(group)
            try validateMode(permissions, of: id)
        case .makeSymlink(let path, let target):
            try validatePath(path, of: id)
            if target.isEmpty || target.contains("\0") || target.contains("\n") { throw .invalid(id, "not a symlink target") }
        case .removePath(let path, _), .recordSecretDigest(let path):
            try validatePath(path, of: id)
        case .createUser(let name, _, let group, let groups, let home, let shell, _),
             .modifyUser(let name, _, let group, let groups, let home, let shell):
            try account(name)
            try account(group)
            for group in groups { try account(group) }
            if let home { try validatePath(home, of: id) }
            if let shell { try validatePath(shell, of: id) }
        case .removeUser(let name), .createGroup(let name, _, _), .modifyGroup(let name, _), .removeGroup(let name):
            try account(name)
        case .systemctl(let name, let verbs):
            try unit(name)
            guard verbs.allSatisfy(Self.systemctlVerbs.contains) else {
                throw .invalid(id, "not a systemctl verb: \(verbs.filter { !Self.systemctlVerbs.contains($0) }.joined(separator: ", "))")
            }
        case .ensureService(let name, _, _, let refresh):
            try unit(name)
            if let refresh, !["restart", "reload"].contains(refresh) { throw .invalid(id, "not a refresh: \(refresh)") }
        case .runCommand(let command, let creates, _, let retries, let delay):
            if command.isEmpty { throw .invalid(id, "has an empty command") }
            if let creates { try validatePath(creates, of: id) }
            if retries < 0 || delay < 0 { throw .invalid(id, "retries and delay cannot be negative") }
        }
    }
}
