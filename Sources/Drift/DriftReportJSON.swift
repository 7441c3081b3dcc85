import Foundation

/// The JSON document: schema `converge-drift-report`, version 2, described by
/// `docs/drift-report.schema.json` (JSON Schema draft 2020-12).
///
/// ```json
/// {
///   "durationSeconds": 12.5,
///   "findings": [{"category": "drift", "drift": true, "host": "web01",
///                 "key": "drift/web01/file:/etc/motd", "new": true, "summary": "…"}],
///   "groups": [{"name": "web", "hosts": […], "unswept": […], "releases": […], "kernels": […],
///               "pointReleases": […], "kernelDifferences": […], "packageVersions": […],
///               "missingPackages": […], "crossRelease": […], "crossReleaseUnchecked": […]}],
///   "historyCompared": true,
///   "hosts": [{"name": "web01", "address": "…", "groups": ["web"], "status": "swept",
///              "release": {…}, "kernel": {…}, "support": {"status": "end-of-life", …}, "drift": […],
///              "unverified": […], "maintenance": {"pendingUpgrades": […], "reboot": […], …}}],
///   "resolved": [{"key": "…", "summary": "…"}],
///   "schema": "converge-drift-report",
///   "summary": {"hosts": 4, "exitStatus": 3, …},
///   "supportData": "/usr/share/distro-info/debian.csv",
///   "sweptAt": "2026-01-15T12:00:00Z",
///   "version": 2
/// }
/// ```
///
/// Keys are sorted, times are ISO 8601 in UTC, support dates are `YYYY-MM-DD` days;
/// absent optional values are left out. `summary` is derived and ignored when decoding.
/// A later version adds fields freely but bumps `version` when a field changes meaning
/// or goes away. Version 2 (this one) compares hosts within a release series (finding keys
/// name the series), adds host maintenance, unverified resources, content diffs and
/// service states, and drops the `content sha256` field drift of version 1.
extension DriftReport: Codable {
    /// The value of the document's `schema` field.
    public static let schemaName = "converge-drift-report"
    /// The value of the document's `version` field.
    public static let schemaVersion = 2

    private enum CodingKeys: String, CodingKey {
        case schema, version, sweptAt, durationSeconds, supportData, historyCompared
        case summary, hosts, groups, findings, resolved
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let schema = try container.decode(String.self, forKey: .schema)
        let version = try container.decode(Int.self, forKey: .version)
        guard schema == Self.schemaName, version == Self.schemaVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container,
                debugDescription: "not a \(Self.schemaName) version \(Self.schemaVersion) document: \(schema) version \(version)")
        }
        sweptAt = try container.decode(Date.self, forKey: .sweptAt)
        duration = try container.decode(Double.self, forKey: .durationSeconds)
        supportDataSource = try container.decode(String.self, forKey: .supportData)
        isComparedWithHistory = try container.decode(Bool.self, forKey: .historyCompared)
        hosts = try container.decode([HostReport].self, forKey: .hosts)
        groups = try container.decode([GroupReport].self, forKey: .groups)
        findings = try container.decode([Finding].self, forKey: .findings)
        resolved = try container.decode([ResolvedFinding].self, forKey: .resolved)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schemaName, forKey: .schema)
        try container.encode(Self.schemaVersion, forKey: .version)
        try container.encode(sweptAt, forKey: .sweptAt)
        try container.encode(duration, forKey: .durationSeconds)
        try container.encode(supportDataSource, forKey: .supportData)
        try container.encode(isComparedWithHistory, forKey: .historyCompared)
        try container.encode(summary, forKey: .summary)
        try container.encode(hosts, forKey: .hosts)
        try container.encode(groups, forKey: .groups)
        try container.encode(findings, forKey: .findings)
        try container.encode(resolved, forKey: .resolved)
    }

    /// The report as the versioned JSON document, pretty-printed with sorted keys, ending in a newline.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Reads a document written by ``json()``.
    ///
    /// - Throws: `DecodingError` when it is not valid JSON, not schema
    ///   `converge-drift-report` version 2, or lacks a field.
    public init(json data: Data) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        self = try decoder.decode(DriftReport.self, from: data)
    }
}
