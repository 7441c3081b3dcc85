/// A point in a source text.
///
/// Positions are taken from the exact bytes that were parsed, so `offset` can be
/// used to splice the original text, while `line` and `column` are for people.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The byte offset from the start of the text. A leading byte order mark counts.
    public var offset: Int
    /// The 1-based line. A line ends at LF, CRLF or a lone CR.
    public var line: Int
    /// The 1-based column, counted in Unicode scalars from the start of the line.
    ///
    /// A tab counts as one column and a leading byte order mark as none, so for
    /// ASCII text the column matches what editors show.
    public var column: Int

    /// Creates a position from its byte offset, line and column.
    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Orders positions by byte offset.
    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        lhs.offset < rhs.offset
    }

    /// `line:column`, the form used in messages.
    public var description: String { "\(line):\(column)" }
}

/// A span of a source text, from `start` up to but not including `end`.
public struct SourceRange: Sendable, Hashable {
    /// The position of the first byte of the span.
    public var start: SourcePosition
    /// The position just past the last byte of the span.
    public var end: SourcePosition

    /// Creates a span from its two ends.
    public init(start: SourcePosition, end: SourcePosition) {
        self.start = start
        self.end = end
    }

    /// The byte offsets the span covers, for slicing or replacing the source bytes.
    public var bytes: Range<Int> { start.offset..<end.offset }
}

/// A JSON value as it appears in a source text: the value, where it is, and the
/// same for everything inside it.
///
/// `JSONNode` is what the parser produces. It keeps object members in source
/// order and remembers byte ranges so a later edit can replace one value while
/// leaving every other byte of the file exactly as written. Use ``value`` for
/// the plain ``JSONValue`` without locations.
public struct JSONNode: Sendable, Equatable {
    /// What a node holds. Containers hold nodes, so every nested value has a location.
    public enum Kind: Sendable, Equatable {
        /// `null`.
        case null
        /// `true` or `false`.
        case bool(Bool)
        /// A number written without a fraction or exponent that fits in `Int`.
        case integer(Int)
        /// Any other number.
        case double(Double)
        /// A string, with escapes decoded.
        case string(String)
        /// An array, in source order.
        case array([JSONNode])
        /// An object's members, in source order. Keys are unique: the parser
        /// rejects duplicates.
        case object([Member])
    }

    /// One `"key": value` pair of an object.
    public struct Member: Sendable, Equatable {
        /// The key, with escapes decoded.
        public var key: String
        /// Where the key is written, quotes included.
        public var keyRange: SourceRange
        /// The member's value.
        public var value: JSONNode

        /// Creates a member.
        public init(key: String, keyRange: SourceRange, value: JSONNode) {
            self.key = key
            self.keyRange = keyRange
            self.value = value
        }

        /// The span from the opening quote of the key to the end of the value.
        public var range: SourceRange { SourceRange(start: keyRange.start, end: value.range.end) }
    }

    /// The value, with its children as nodes.
    public var kind: Kind
    /// Where the value is written: from its first byte (`{`, `[`, `"`, a digit, …)
    /// to just past its last.
    public var range: SourceRange

    /// Creates a node.
    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// The value without source locations.
    public var value: JSONValue {
        switch kind {
        case .null: .null
        case .bool(let value): .bool(value)
        case .integer(let value): .integer(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .array(let elements): .array(elements.map(\.value))
        case .object(let members):
            .object(JSONObject(members.map { ($0.key, $0.value.value) }))
        }
    }

    /// The member named `key` if this node is an object that has one.
    public func member(named key: String) -> Member? {
        guard case .object(let members) = kind else { return nil }
        return members.first { $0.key == key }
    }

    /// How deeply arrays and objects may nest unless the caller says otherwise.
    ///
    /// The parser is recursive; the limit keeps a hostile or broken file from
    /// exhausting the stack, and is far beyond anything an inventory needs.
    public static let defaultMaximumDepth = 128

    /// Parses one JSON text (RFC 8259), strictly.
    ///
    /// Rejected, with the position and what was expected: comments, trailing
    /// commas, single quotes, unquoted keys, leading zeros, `NaN`/`Infinity`,
    /// unescaped control characters in strings, unpaired UTF-16 surrogate escapes,
    /// invalid UTF-8, numbers too large for `Double`, duplicate keys in an object,
    /// anything after the top-level value, and nesting deeper than `maximumDepth`.
    /// A leading UTF-8 byte order mark is skipped.
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 text.
    ///   - maximumDepth: How many arrays and objects may nest inside each other.
    /// - Returns: The top-level value.
    public static func parse(
        _ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        return try parser.parseDocument()
    }

    /// Parses one JSON text held in a string, like the `[UInt8]` overload.
    public static func parse(
        _ text: String, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONSyntaxError) -> JSONNode {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }
}

/// A JSON text that is not well formed: where, and what was expected there.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var position: SourcePosition
    /// What was expected and what was found, e.g.
    /// `expected ',' or '}' after an object member, found ']'`.
    public var message: String
    /// A second position the message refers to, such as the first occurrence of
    /// a duplicate key.
    public var relatedPosition: SourcePosition?

    /// Creates an error.
    public init(position: SourcePosition, message: String, relatedPosition: SourcePosition? = nil) {
        self.position = position
        self.message = message
        self.relatedPosition = relatedPosition
    }

    /// `line:column: message`.
    public var description: String { "\(position): \(message)" }
}
