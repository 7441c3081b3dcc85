extension HostContext {
    /// The host's vars decoded into `type`, a struct of the role's own:
    ///
    /// ```swift
    /// struct BaseVars: Decodable {
    ///     var somaxconn: Int?                  // optional: the role has a default
    ///     var admins: [String]                 // required
    /// }
    /// let base = Role("base") { host in
    ///     let vars = try host.vars(as: BaseVars.self)
    ///     Sysctl("net.core.somaxconn", "\(vars.somaxconn ?? 4096)")
    /// }
    /// ```
    ///
    /// Property names are the vars' names as written in the inventory (`snake_case` ones
    /// need `CodingKeys`); vars the struct does not name are ignored, as other roles read them.
    ///
    /// - Throws: ``VarsError`` naming the inventory file, the host and the var when a var
    ///   has the wrong type (`"8192"` for an `Int`) or a required one is missing: never a
    ///   silent fallback to a default.
    public func vars<Vars: Decodable>(as type: Vars.Type = Vars.self) throws(VarsError) -> Vars {
        do {
            return try Vars(from: VarsDecoder(value: vars, codingPath: []))
        } catch let error as DecodingError {
            throw VarsError(decoding: error, vars: vars, file: inventoryFile, host: name)
        } catch {
            throw VarsError(inventoryFile: inventoryFile, host: name, keyPath: "", message: "\(error)")
        }
    }
}

/// A host's vars do not decode into the struct a role asked for (``HostContext/vars(as:)``).
public struct VarsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The inventory file, e.g. `inventory/prod.json`.
    public var inventoryFile: String
    /// The host's inventory name.
    public var host: String
    /// The var, with the path into it: `somaxconn`, `db.port`, `admins[1].name`.
    public var keyPath: String
    /// What is wrong, e.g. `expected an integer, found the string "8192"`.
    public var message: String

    public init(inventoryFile: String, host: String, keyPath: String, message: String) {
        self.inventoryFile = inventoryFile
        self.host = host
        self.keyPath = keyPath
        self.message = message
    }

    /// `inventory/prod.json: host web1: var somaxconn: expected an integer, found the string "8192"`.
    public var description: String {
        let file = inventoryFile.isEmpty ? "" : "\(inventoryFile): "
        return "\(file)host \(host): " + (keyPath.isEmpty ? "vars" : "var \(keyPath)") + ": \(message)"
    }

    init(decoding error: DecodingError, vars: VarValue, file: String, host: String) {
        func keyPath(_ path: [any CodingKey]) -> String {
            path.enumerated().map { index, key in
                key.intValue.map { "[\($0)]" } ?? (index == 0 ? key.stringValue : "." + key.stringValue)
            }.joined()
        }
        func value(at path: [any CodingKey]) -> VarValue {
            path.reduce(vars) { value, key in key.intValue.map { value[$0] } ?? value[key.stringValue] }
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(inventoryFile: file, host: host, keyPath: keyPath(context.codingPath),
                      message: "expected \(Self.describe(type)), found \(Self.describe(value(at: context.codingPath)))")
        case .valueNotFound(let type, let context):
            self.init(inventoryFile: file, host: host, keyPath: keyPath(context.codingPath),
                      message: "expected \(Self.describe(type)), found null")
        case .keyNotFound(let key, let context):
            self.init(inventoryFile: file, host: host, keyPath: keyPath(context.codingPath + [key]),
                      message: "required, and not set")
        case .dataCorrupted(let context):
            // A number that does not fit the type, such as 1.5 for an Int; or a type's own
            // check (an enum's raw value that is none of its cases).
            self.init(inventoryFile: file, host: host, keyPath: keyPath(context.codingPath),
                      message: "\(Self.describe(value(at: context.codingPath))) \(context.debugDescription)")
        @unknown default:
            self.init(inventoryFile: file, host: host, keyPath: "", message: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is any BinaryInteger.Type: "an integer"
        case is any BinaryFloatingPoint.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is [String: VarValue].Type: "an object"
        case is [VarValue].Type: "an array"
        default: "\(type)"
        }
    }

    static func describe(_ value: VarValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "the integer \(value)"
        case .double(let value): "the number \(value)"
        case .string: "the string \(value.jsonText)"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
