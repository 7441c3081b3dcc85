/// A strict, recursive-descent RFC 8259 parser over UTF-8 bytes that records
/// where every value is.
///
/// It works on bytes rather than `String` so byte offsets are exact (they are
/// what a later in-place edit of the file needs) and so invalid UTF-8 can be
/// reported at the offending byte instead of being silently repaired.
struct JSONParser {
    private let bytes: [UInt8]
    private let maximumDepth: Int
    private var index = 0
    private var line = 1
    private var column = 1

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSONNode {
        // RFC 8259 lets parsers ignore a UTF-8 byte order mark; some Windows
        // editors add one. It takes no column, as editors do not show it.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        let node = try parseValue(depth: 0, expected: "a JSON value")
        skipWhitespace()
        if index < bytes.count {
            throw error("expected end of input after the top-level value, found \(describeCurrent())")
        }
        return node
    }

    // MARK: Values

    private mutating func parseValue(depth: Int, expected: String) throws(JSONSyntaxError) -> JSONNode {
        guard let byte = peek() else {
            throw error("expected \(expected), found end of input")
        }
        switch byte {
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            let (string, range) = try parseString()
            return JSONNode(kind: .string(string), range: range)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            return try parseLiteral(expected: expected)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        let start = position
        guard depth <= maximumDepth else {
            throw error("nesting exceeds the maximum depth of \(maximumDepth)")
        }
        advance()  // {
        skipWhitespace()
        var members: [JSONNode.Member] = []
        if peek() == UInt8(ascii: "}") {
            advance()
            return JSONNode(kind: .object(members), range: SourceRange(start: start, end: position))
        }
        // Duplicate keys are legal RFC 8259 but their meaning is undefined; in a
        // hand-edited inventory they are always a mistake.
        var firstKeyPositions: [String: SourcePosition] = [:]
        var afterComma = false
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                if afterComma && peek() == UInt8(ascii: "}") {
                    throw error("expected a string key after ',', found '}' (JSON does not allow a trailing comma)")
                }
                let expected = afterComma ? "a string key after ','" : "a string key or '}'"
                throw error("expected \(expected), found \(describeCurrent())")
            }
            let (key, keyRange) = try parseString()
            if let first = firstKeyPositions[key] {
                throw JSONSyntaxError(
                    position: keyRange.start,
                    message: "duplicate key \(quoted(key)); first defined at line \(first.line), column \(first.column)",
                    relatedPosition: first)
            }
            firstKeyPositions[key] = keyRange.start
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw error("expected ':' after the key \(quoted(key)), found \(describeCurrent())")
            }
            advance()
            skipWhitespace()
            let value = try parseValue(depth: depth, expected: "a value for the key \(quoted(key))")
            members.append(JSONNode.Member(key: key, keyRange: keyRange, value: value))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                advance()
                afterComma = true
            case UInt8(ascii: "}"):
                advance()
                return JSONNode(kind: .object(members), range: SourceRange(start: start, end: position))
            default:
                throw error("expected ',' or '}' after an object member, found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        let start = position
        guard depth <= maximumDepth else {
            throw error("nesting exceeds the maximum depth of \(maximumDepth)")
        }
        advance()  // [
        skipWhitespace()
        var elements: [JSONNode] = []
        if peek() == UInt8(ascii: "]") {
            advance()
            return JSONNode(kind: .array(elements), range: SourceRange(start: start, end: position))
        }
        var afterComma = false
        while true {
            skipWhitespace()
            if afterComma && peek() == UInt8(ascii: "]") {
                throw error("expected a JSON value after ',', found ']' (JSON does not allow a trailing comma)")
            }
            let expected = afterComma ? "a JSON value after ','" : "a JSON value or ']'"
            elements.append(try parseValue(depth: depth, expected: expected))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                advance()
                afterComma = true
            case UInt8(ascii: "]"):
                advance()
                return JSONNode(kind: .array(elements), range: SourceRange(start: start, end: position))
            default:
                throw error("expected ',' or ']' after an array element, found \(describeCurrent())")
            }
        }
    }

    /// `true`, `false` or `null`; anything else that starts here is reported as a
    /// whole word (`'True'`, `'NaN'`), which reads better than its first letter.
    private mutating func parseLiteral(expected: String) throws(JSONSyntaxError) -> JSONNode {
        let start = position
        let word = wordAtCurrent()
        let kind: JSONNode.Kind
        switch word {
        case "true": kind = .bool(true)
        case "false": kind = .bool(false)
        case "null": kind = .null
        default:
            var message = "expected \(expected), found \(describeCurrent())"
            if ["true", "false", "null"].contains(word.lowercased()) {
                message += " (JSON literals are lowercase: true, false, null)"
            }
            throw error(message)
        }
        for _ in 0..<word.utf8.count { advance() }
        return JSONNode(kind: kind, range: SourceRange(start: start, end: position))
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNode {
        let start = position
        let startIndex = index
        var isInteger = true
        if peek() == UInt8(ascii: "-") { advance() }
        guard let first = peek(), isDigit(first) else {
            throw error("expected a digit after '-', found \(describeCurrent())")
        }
        advance()
        if first == UInt8(ascii: "0") {
            if let next = peek(), isDigit(next) {
                throw error(at: start, "leading zeros are not allowed in numbers")
            }
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            advance()
            guard let next = peek(), isDigit(next) else {
                throw error("expected a digit after '.' in a number, found \(describeCurrent())")
            }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            advance()
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { advance() }
            guard let next = peek(), isDigit(next) else {
                throw error("expected a digit in the exponent of a number, found \(describeCurrent())")
            }
            skipDigits()
        }
        let range = SourceRange(start: start, end: position)
        let text = String(decoding: bytes[startIndex..<index], as: UTF8.self)
        // Integers stay exact; only numbers with a fraction or exponent, or too big
        // for Int, become Double.
        if isInteger, let integer = Int(text) {
            return JSONNode(kind: .integer(integer), range: range)
        }
        guard let double = Double(text), double.isFinite else {
            throw error(at: start, "number \(text) is too large")
        }
        return JSONNode(kind: .double(double), range: range)
    }

    // MARK: Strings

    private mutating func parseString() throws(JSONSyntaxError) -> (String, SourceRange) {
        let start = position
        advance()  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw error(at: start, "unterminated string: no closing '\"' before the end of input")
            }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return (String(decoding: utf8, as: UTF8.self), SourceRange(start: start, end: position))
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8, stringStart: start)
            case 0x0A, 0x0D:
                // A raw line break cannot be part of a JSON string, so the string
                // really ends here; pointing at its start finds the missing quote.
                throw error(at: start, "unterminated string: no closing '\"' before the end of the line")
            case 0x00..<0x20:
                var message = "control character \(unicodeName(UInt32(byte))) must be escaped in a string"
                if let escape = Self.shortEscapes[byte] { message += " (write \\\(escape))" }
                throw error(message)
            case 0x80...:
                guard let length = utf8SequenceLength(at: index) else {
                    throw error("invalid UTF-8 byte \(hex(byte)) in a string")
                }
                utf8.append(contentsOf: bytes[index..<index + length])
                for _ in 0..<length { advance() }
            default:
                utf8.append(byte)
                advance()
            }
        }
    }

    private static let shortEscapes: [UInt8: Character] = [0x08: "b", 0x09: "t", 0x0C: "f"]

    private mutating func parseEscape(into utf8: inout [UInt8], stringStart: SourcePosition) throws(JSONSyntaxError) {
        let escapeStart = position
        advance()  // backslash
        guard let byte = peek() else {
            throw error(at: stringStart, "unterminated string: no closing '\"' before the end of input")
        }
        let simple: UInt8?
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = byte
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default:
            let shown = (0x21...0x7E).contains(byte)
                ? "'\\\(Character(Unicode.Scalar(byte)))'"
                : "'\\' followed by \(describeCurrent())"
            throw error(
                at: escapeStart,
                "invalid escape sequence \(shown); JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX")
        }
        advance()
        if let simple {
            utf8.append(simple)
            return
        }
        let unit = try parseHexQuad()
        let scalarValue: UInt32
        switch unit {
        case 0xD800...0xDBFF:
            // A character outside the BMP is written as a surrogate pair:
            // \uD83D\uDE00. Half a pair is not a character and Swift strings
            // cannot hold it, so it is an error rather than a replacement char.
            guard peek() == UInt8(ascii: "\\"), peek(offset: 1) == UInt8(ascii: "u") else {
                throw error(
                    at: escapeStart,
                    "unpaired UTF-16 surrogate \\u\(hexQuad(unit)): a high surrogate must be followed by a low surrogate \\uDC00-\\uDFFF")
            }
            advance()
            advance()
            let low = try parseHexQuad()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error(
                    at: escapeStart,
                    "unpaired UTF-16 surrogate \\u\(hexQuad(unit)): a high surrogate must be followed by a low surrogate \\uDC00-\\uDFFF")
            }
            scalarValue = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        case 0xDC00...0xDFFF:
            throw error(
                at: escapeStart,
                "unpaired UTF-16 surrogate \\u\(hexQuad(unit)): a low surrogate must follow a high surrogate \\uD800-\\uDBFF")
        default:
            scalarValue = unit
        }
        // Every value left is a valid scalar: surrogates were handled above.
        let scalar = Unicode.Scalar(scalarValue)!
        utf8.append(contentsOf: String(Character(scalar)).utf8)
    }

    private mutating func parseHexQuad() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let digit = hexDigitValue(byte) else {
                throw error("expected 4 hexadecimal digits after '\\u', found \(describeCurrent())")
            }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    // MARK: Scanning

    private var position: SourcePosition {
        SourcePosition(offset: index, line: line, column: column)
    }

    private func peek(offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    /// Moves past one byte, keeping line and column in step with it.
    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == 0x0A || (byte == 0x0D && peek() != 0x0A) {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            // Continuation bytes do not start a scalar, so they take no column.
            column += 1
        }
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            advance()
        }
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { advance() }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private func isWordByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "_")
    }

    private func hexDigitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The run of ASCII letters, digits and underscores at the current index.
    private func wordAtCurrent() -> String {
        var end = index
        while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    /// The length of the well-formed UTF-8 sequence starting at `start`, or nil.
    /// Overlong forms, surrogates and values above U+10FFFF are rejected, as the
    /// Unicode standard requires.
    private func utf8SequenceLength(at start: Int) -> Int? {
        let lead = bytes[start]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return nil
        }
        guard start + length <= bytes.count, secondRange.contains(bytes[start + 1]) else { return nil }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[start + offset]) {
            return nil
        }
        return length
    }

    // MARK: Messages

    /// Names what is at the current index for a "found …" message.
    private func describeCurrent() -> String {
        guard let byte = peek() else { return "end of input" }
        if isWordByte(byte) {
            let word = wordAtCurrent()
            return "'\(word.count > 32 ? word.prefix(32) + "…" : word)'"
        }
        if byte < 0x20 || byte == 0x7F {
            return "control character \(unicodeName(UInt32(byte)))"
        }
        if byte == UInt8(ascii: "/"), let next = peek(offset: 1), next == UInt8(ascii: "/") || next == UInt8(ascii: "*") {
            return "'/\(Character(Unicode.Scalar(next)))' (JSON does not allow comments)"
        }
        if byte == UInt8(ascii: "'") {
            return "\"'\" (JSON strings use double quotes)"
        }
        if byte < 0x80 {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        guard let length = utf8SequenceLength(at: index) else {
            return "invalid UTF-8 byte \(hex(byte))"
        }
        let scalar = String(decoding: bytes[index..<index + length], as: UTF8.self).unicodeScalars.first!
        // Invisible characters (a no-break space, a byte order mark) are named
        // rather than quoted: quoting them would show nothing.
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .format, .control,
             .privateUse, .unassigned, .surrogate, .nonspacingMark, .enclosingMark:
            return unicodeName(scalar.value)
        default:
            return "'\(Character(scalar))' (\(unicodeName(scalar.value)))"
        }
    }

    private func unicodeName(_ value: UInt32) -> String {
        let code = "U+" + hexQuad(value)
        guard let scalar = Unicode.Scalar(value), let name = scalar.properties.name else { return code }
        return "\(code) \(name)"
    }

    private func hexQuad(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private func hex(_ byte: UInt8) -> String {
        "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(position: position, message: message)
    }

    private func error(at position: SourcePosition, _ message: String) -> JSONSyntaxError {
        JSONSyntaxError(position: position, message: message)
    }
}

/// `text` in double quotes, escaped as JSON would, for messages.
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let digits = String(scalar.value, radix: 16, uppercase: true)
            result += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
