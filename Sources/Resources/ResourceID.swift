/// Names one resource of a host: its kind and its name, written `kind:name`,
/// e.g. `package:nginx`, `file:/etc/nginx/nginx.conf`, `service:ssh`.
///
/// Two resources of one host may not share an ID. IDs order by kind, then name, and
/// encode as their `kind:name` text.
public struct ResourceID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The resource type, e.g. `package` or `file`.
    public var kind: String
    /// The name within that kind: a package or unit name, a path, a user name, ….
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    /// Reads `kind:name`; nil when there is no colon or either side is empty.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let kind = String(text[..<colon])
        let name = String(text[text.index(after: colon)...])
        guard !kind.isEmpty, !name.isEmpty else { return nil }
        self.init(kind: kind, name: name)
    }

    public var description: String { "\(kind):\(name)" }

    public static func < (lhs: ResourceID, rhs: ResourceID) -> Bool {
        (lhs.kind, lhs.name) < (rhs.kind, rhs.name)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = ResourceID(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a resource ID (kind:name): \(text)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The ID of ``Package`` `name`.
    public static func package(_ name: String) -> ResourceID { ResourceID(kind: "package", name: name) }
    /// The ID of ``File`` `path`.
    public static func file(_ path: String) -> ResourceID { ResourceID(kind: "file", name: path) }
    /// The ID of ``Directory`` `path`.
    public static func directory(_ path: String) -> ResourceID { ResourceID(kind: "directory", name: path) }
    /// The ID of ``Symlink`` `path`.
    public static func symlink(_ path: String) -> ResourceID { ResourceID(kind: "symlink", name: path) }
    /// The ID of ``User`` `name`.
    public static func user(_ name: String) -> ResourceID { ResourceID(kind: "user", name: name) }
    /// The ID of ``Group`` `name`.
    public static func group(_ name: String) -> ResourceID { ResourceID(kind: "group", name: name) }
    /// The ID of ``Command`` `name`.
    public static func command(_ name: String) -> ResourceID { ResourceID(kind: "command", name: name) }
    /// The ID of ``Reboot`` `name`.
    public static func reboot(_ name: String) -> ResourceID { ResourceID(kind: "reboot", name: name) }
    /// The ID of ``Service`` `name`; `nginx` and `nginx.service` name the same service.
    public static func service(_ name: String) -> ResourceID {
        ResourceID(kind: "service", name: Service.shortName(name))
    }
}
