/// Any JSON value, without source locations: what host and group `vars` hold.
///
/// Numbers keep the distinction the file makes: `10` is ``integer(_:)``, while
/// `10.0`, `1e3` and integers too large for `Int` are ``double(_:)``. The two are
/// different values (`.integer(10) != .double(10)`); ``doubleValue`` reads both.
///
/// `JSONValue` is `Codable`, so it can travel inside any `Codable` type. Foundation's
/// `JSONEncoder` on Linux does not keep object key order, though; ``jsonText(prettyPrinted:)``
/// does, and is the way to print vars as they were written.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without a fraction or exponent that fits in `Int`.
    case integer(Int)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, keeping its key order.
    case object(JSONObject)

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The Boolean, if this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The integer, if this is an ``integer(_:)``.
    public var intValue: Int? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The number as a `Double`, if this is an ``integer(_:)`` or a ``double(_:)``.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { value } else { nil }
    }

    /// Whether this is `null`.
    public var isNull: Bool { self == .null }

    /// The value for `key` if this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The element at `index` if this is an array long enough to have it.
    public subscript(index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }

    /// The value as JSON text, with object keys in their stored order.
    ///
    /// - Parameter prettyPrinted: Whether to put each member and element on its
    ///   own line, indented by two spaces per level.
    /// - Returns: The text. A non-finite `Double` (which JSON cannot express, and
    ///   the parser never produces) is written as `null`.
    public func jsonText(prettyPrinted: Bool = false) -> String {
        var output = ""
        write(to: &output, prettyPrinted: prettyPrinted, indent: 0)
        return output
    }

    private func write(to output: inout String, prettyPrinted: Bool, indent: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .integer(let value): output += String(value)
        case .double(let value): output += value.isFinite ? "\(value)" : "null"
        case .string(let value): output += quoted(value)
        case .array(let elements):
            writeContainer(to: &output, open: "[", close: "]", count: elements.count,
                           prettyPrinted: prettyPrinted, indent: indent) { output, index, indent in
                elements[index].write(to: &output, prettyPrinted: prettyPrinted, indent: indent)
            }
        case .object(let object):
            let members = Array(object)
            writeContainer(to: &output, open: "{", close: "}", count: members.count,
                           prettyPrinted: prettyPrinted, indent: indent) { output, index, indent in
                output += quoted(members[index].key) + (prettyPrinted ? ": " : ":")
                members[index].value.write(to: &output, prettyPrinted: prettyPrinted, indent: indent)
            }
        }
    }

    private func writeContainer(
        to output: inout String, open: String, close: String, count: Int,
        prettyPrinted: Bool, indent: Int, writeElement: (inout String, Int, Int) -> Void
    ) {
        output += open
        guard count > 0 else { return output += close }
        for index in 0..<count {
            if index > 0 { output += "," }
            if prettyPrinted { output += "\n" + String(repeating: "  ", count: indent + 1) }
            writeElement(&output, index, indent + 1)
        }
        if prettyPrinted { output += "\n" + String(repeating: "  ", count: indent) }
        output += close
    }
}

extension JSONValue: CustomStringConvertible {
    /// The value as compact JSON text.
    public var description: String { jsonText() }
}

extension JSONValue: Codable {
    /// Decodes any JSON value. Object key order is whatever the decoder reports
    /// (Foundation's `JSONDecoder` does not keep it).
    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer() {
            if container.decodeNil() { self = .null; return }
            if let value = try? container.decode(Bool.self) { self = .bool(value); return }
            if let value = try? container.decode(Int.self) { self = .integer(value); return }
            if let value = try? container.decode(Double.self) { self = .double(value); return }
            if let value = try? container.decode(String.self) { self = .string(value); return }
            if let value = try? container.decode([JSONValue].self) { self = .array(value); return }
        }
        self = .object(try JSONObject(from: decoder))
    }

    /// Encodes the value; objects encode their keys in order.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let object):
            try object.encode(to: encoder)
        case .array(let elements):
            var container = encoder.singleValueContainer()
            try container.encode(elements)
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .integer(let value): try container.encode(value)
            case .double(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            case .array, .object: break  // handled above
            }
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A Boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// A double.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object with the keys in literal order; a repeated key keeps the last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

/// A JSON object: string keys mapped to values, in insertion order.
///
/// Order matters to people reading vars back, so it is kept; it does not matter
/// to equality, which (as in JSON) compares keys and values only.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The keys, in order.
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    /// An empty object.
    public init() {}

    /// An object with the given members in order; a repeated key keeps its first
    /// position and its last value.
    public init(_ members: some Sequence<(String, JSONValue)>) {
        for (key, value) in members { self[key] = value }
    }

    /// An object with the keys in literal order; a repeated key keeps the last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The number of members.
    public var count: Int { keys.count }

    /// Whether there are no members.
    public var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`. Setting a new key appends it; setting an existing key
    /// replaces its value in place; setting `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Sets every member of `other` on this object: existing keys keep their
    /// position and take `other`'s value, new keys are appended in `other`'s order.
    /// The merge is shallow: nested objects are replaced, not merged.
    public mutating func merge(_ other: JSONObject) {
        for (key, value) in other { self[key] = value }
    }

    /// This object with every member of `other` set on it, as ``merge(_:)`` does.
    public func merging(_ other: JSONObject) -> JSONObject {
        var result = self
        result.merge(other)
        return result
    }

    /// The members in order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        keys.lazy.map { (key: $0, value: self.values[$0]!) }.makeIterator()
    }

    /// Compares keys and values, ignoring order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.values == rhs.values
    }

    /// Hashes keys and values, ignoring order, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(values)
    }
}

extension JSONObject: Codable {
    private struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes an object from a keyed container.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: MemberKey.self)
        for key in container.allKeys {
            self[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
    }

    /// Encodes the members in order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: MemberKey.self)
        for (key, value) in self {
            try container.encode(value, forKey: MemberKey(stringValue: key))
        }
    }
}
