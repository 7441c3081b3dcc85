/// Decodes a ``VarValue`` into a `Decodable` type, strictly: an integer is not a string, a
/// string is not a number, and every error carries the coding path to the var.
///
/// A decoder of its own rather than a round trip through JSON: Foundation's JSONDecoder
/// reports a number that does not fit (1.5 for an `Int`) as invalid JSON, with no path.
struct VarsDecoder: Decoder {
    let value: VarValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: VarValue].self) }
        return KeyedDecodingContainer(Keyed(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([VarValue].self) }
        return Unkeyed(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    func mismatch(_ type: Any.Type) -> DecodingError {
        value == .null
            ? .valueNotFound(type, .init(codingPath: codingPath, debugDescription: "null"))
            : .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "\(value)"))
    }

    /// An index in an array, as a coding key.
    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue!)" }
        init(_ index: Int) { intValue = index }
        init?(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [String: VarValue]
        let codingPath: [any CodingKey]
        var allKeys: [Key] { members.keys.compactMap(Key.init(stringValue:)) }

        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            guard let value = members[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "not set"))
            }
            return try T(from: VarsDecoder(value: value, codingPath: codingPath + [key]))
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try VarsDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try VarsDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { VarsDecoder(value: .object(members), codingPath: codingPath) }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            VarsDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let elements: [VarValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0

        init(elements: [VarValue], codingPath: [any CodingKey]) {
            self.elements = elements
            self.codingPath = codingPath
        }

        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        mutating func next() throws -> VarsDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    Any.self, .init(codingPath: codingPath + [Index(currentIndex)], debugDescription: "past the end"))
            }
            defer { currentIndex += 1 }
            return VarsDecoder(value: elements[currentIndex], codingPath: codingPath + [Index(currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, elements[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: next()) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    struct Single: SingleValueDecodingContainer {
        let decoder: VarsDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { decoder.value == .null }

        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let value) = decoder.value else { throw decoder.mismatch(type) }
            return value
        }

        func decode(_ type: String.Type) throws -> String {
            guard case .string(let value) = decoder.value else { throw decoder.mismatch(type) }
            return value
        }

        func decode(_ type: Double.Type) throws -> Double {
            guard let value = decoder.value.doubleValue else { throw decoder.mismatch(type) }
            return value
        }

        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if let integer = type as? any FixedWidthInteger.Type { return try decodeInteger(integer) as! T }
            if type == VarValue.self { return decoder.value as! T }
            return try T(from: decoder)
        }

        /// An integer of any width; a number with a fraction, or out of range, does not fit.
        private func decodeInteger<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
            switch decoder.value {
            case .integer(let value):
                guard let fitting = I(exactly: value) else { throw notFitting(type) }
                return fitting
            case .double(let value):
                guard let fitting = I(exactly: value) else { throw notFitting(type) }
                return fitting
            default:
                throw decoder.mismatch(type)
            }
        }

        private func notFitting(_ type: Any.Type) -> DecodingError {
            .dataCorrupted(.init(codingPath: codingPath, debugDescription: "does not fit \(type)"))
        }
    }
}
