import Inventory

/// Python's `ast.literal_eval`, which Ansible's INI plugin applies to every value it reads
/// (`host key=value` and `[group:vars]` lines alike): `8080` becomes a number, `True` a
/// Boolean, `[1, 2]` a list, `'07'` the string `07`; text that is not a Python literal
/// (`yes`, `FALSE`, `10-5`, `blah # note`) stays the string it is.
///
/// Covered: integers (decimal, `0x`, `0o`, `0b`, `_` separators), floats, strings and bytes
/// with every prefix, escape and implicit concatenation, `True`, `False`, `None`, `...`,
/// `+`/`-` signs, tuples (with or without parentheses), lists, dicts and sets (sets and
/// tuples become lists, as Ansible makes them), and `#` comments. Not covered, and so kept
/// as text: complex numbers (Ansible turns them into Python's text for them, such as
/// `(1+2j)`) and `\N{...}` escapes.
enum PythonLiteral {
    /// The value `text` denotes, or nil when Python would not read it as a literal.
    static func evaluate(_ text: String) -> JSONValue? {
        // literal_eval strips leading spaces and tabs only.
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        guard let tokens = tokenize(Array(trimmed.unicodeScalars)) else { return nil }
        var parser = Parser(tokens: tokens)
        guard let value = parser.parseTopLevel(), parser.isAtEnd else { return nil }
        return value.json
    }

    // MARK: Values

    /// A Python value literal_eval can produce, before it becomes JSON.
    fileprivate indirect enum Value {
        case none
        case bool(Bool)
        case integer(Int)
        /// An integer too large for `Int`; JSON can still carry it as a number.
        case bigInteger(Double)
        case float(Double)
        case string(String)
        case bytes([UInt8])
        case ellipsis
        case sequence([Value])
        case dict([(Value, Value)])

        var isNumber: Bool {
            switch self {
            case .integer, .bigInteger, .float: true
            default: false
            }
        }

        var json: JSONValue? {
            switch self {
            case .none: return .null
            case .bool(let value): return .bool(value)
            case .integer(let value): return .integer(value)
            case .bigInteger(let value), .float(let value):
                return value.isFinite ? .double(value) : nil
            case .string(let value): return .string(value)
            case .bytes(let bytes):
                // Ansible turns bytes into text (UTF-8, strictly).
                guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
                return .string(text)
            case .ellipsis: return .string("...")
            case .sequence(let elements):
                var array: [JSONValue] = []
                for element in elements {
                    guard let value = element.json else { return nil }
                    array.append(value)
                }
                return .array(array)
            case .dict(let pairs):
                var object = JSONObject()
                for (key, value) in pairs {
                    guard let name = key.jsonKey, let member = value.json else { return nil }
                    object[name] = member
                }
                return .object(object)
            }
        }

        /// The key as JSON writes a Python dict key: strings as they are, other scalars
        /// as `json.dumps` spells them. Containers cannot be keys.
        var jsonKey: String? {
            switch self {
            case .string(let value): value
            case .bytes: json?.stringValue
            case .none: "null"
            case .bool(let value): value ? "true" : "false"
            case .integer(let value): String(value)
            case .bigInteger, .float: json.map { $0.jsonText() }
            case .ellipsis, .sequence, .dict: nil
            }
        }
    }

    // MARK: Tokens

    fileprivate enum Token: Equatable {
        case number(NumberToken)
        case string(isBytes: Bool, value: [UInt32])
        case name(String)
        case punctuation(Character)
        case ellipsis
    }

    fileprivate enum NumberToken: Equatable {
        case integer(digits: String, radix: Int)
        case float(String)
        case imaginary
    }

    private static func tokenize(_ scalars: [Unicode.Scalar]) -> [Token]? {
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case " ", "\t", "\u{0C}":
                index += 1
            case "#":
                return tokens  // a comment runs to the end of the line
            case "(", ")", "[", "]", "{", "}", ",", ":", "+", "-":
                tokens.append(.punctuation(Character(scalar)))
                index += 1
            case ".":
                if index + 2 < scalars.count, scalars[index + 1] == ".", scalars[index + 2] == "." {
                    tokens.append(.ellipsis)
                    index += 3
                } else if index + 1 < scalars.count, isDigit(scalars[index + 1]) {
                    guard let number = scanNumber(scalars, &index) else { return nil }
                    tokens.append(.number(number))
                } else {
                    return nil
                }
            case "0"..."9":
                guard let number = scanNumber(scalars, &index) else { return nil }
                tokens.append(.number(number))
            case "'", "\"":
                guard let string = scanString(scalars, &index, prefix: "") else { return nil }
                tokens.append(string)
            default:
                guard isIdentifierStart(scalar) else { return nil }
                let start = index
                while index < scalars.count, isIdentifierContinuation(scalars[index]) { index += 1 }
                let word = String(String.UnicodeScalarView(scalars[start..<index]))
                if index < scalars.count, scalars[index] == "'" || scalars[index] == "\"" {
                    // A string prefix: r, b, u, f and their combinations.
                    let prefix = word.lowercased()
                    guard ["r", "u", "b", "br", "rb", "f", "fr", "rf"].contains(prefix) else { return nil }
                    guard !prefix.contains("f") else { return nil }  // f-strings are not literals
                    guard let string = scanString(scalars, &index, prefix: prefix) else { return nil }
                    tokens.append(string)
                } else {
                    tokens.append(.name(word))
                }
            }
        }
        return tokens
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    private static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isIdentifierContinuation(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || isDigit(scalar)
    }

    /// A run of digits of `radix`, where a single `_` may separate two digits (and, right
    /// after a `0x`/`0o`/`0b` prefix, come first), as Python allows.
    private static func scanDigits(_ scalars: [Unicode.Scalar], _ index: inout Int, radix: Int,
                                   leadingUnderscore: Bool = false) -> String? {
        var digits = ""
        var pendingUnderscore = false
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "_" {
                if pendingUnderscore || (digits.isEmpty && !leadingUnderscore) { return nil }
                pendingUnderscore = true
                index += 1
                continue
            }
            guard scalar.isASCII, let value = Int(String(scalar), radix: 36), value < radix else { break }
            digits.unicodeScalars.append(scalar)
            pendingUnderscore = false
            index += 1
        }
        return pendingUnderscore ? nil : digits
    }

    private static func scanNumber(_ scalars: [Unicode.Scalar], _ index: inout Int) -> NumberToken? {
        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        // Based integers: 0x.., 0o.., 0b.. (an `_` may follow the prefix).
        if peek() == "0", let marker = peek(1), "xXoObB".unicodeScalars.contains(marker) {
            let radix = ["x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2][Character(marker)]!
            index += 2
            guard let digits = scanDigits(scalars, &index, radix: radix, leadingUnderscore: true), !digits.isEmpty
            else { return nil }
            if let next = peek(), isIdentifierContinuation(next) { return nil }
            return .integer(digits: digits, radix: radix)
        }
        var text = ""
        var isFloat = false
        if peek() != "." {
            guard let integerPart = scanDigits(scalars, &index, radix: 10), !integerPart.isEmpty else { return nil }
            text = integerPart
        }
        if peek() == "." {
            index += 1
            isFloat = true
            text += "."
            if let next = peek(), isDigit(next) {
                guard let fraction = scanDigits(scalars, &index, radix: 10) else { return nil }
                text += fraction
            }
        }
        if let marker = peek(), marker == "e" || marker == "E" {
            var lookahead = index + 1
            var exponent = "e"
            if lookahead < scalars.count, scalars[lookahead] == "+" || scalars[lookahead] == "-" {
                exponent.unicodeScalars.append(scalars[lookahead])
                lookahead += 1
            }
            if lookahead < scalars.count, isDigit(scalars[lookahead]) {
                index = lookahead
                guard let digits = scanDigits(scalars, &index, radix: 10) else { return nil }
                text += exponent + digits
                isFloat = true
            } else {
                return nil  // `1e`, `1e+`: invalid decimal literal
            }
        }
        if let marker = peek(), marker == "j" || marker == "J" {
            index += 1
            if let next = peek(), isIdentifierContinuation(next) { return nil }
            return .imaginary
        }
        if let next = peek(), isIdentifierContinuation(next) { return nil }
        if isFloat { return .float(text) }
        // Decimal integers other than zero may not start with 0 (`017` is a syntax error).
        if text.count > 1, text.first == "0", text.contains(where: { $0 != "0" }) { return nil }
        return .integer(digits: text, radix: 10)
    }

    /// A string or bytes literal starting at the opening quote; `prefix` is lower-case.
    private static func scanString(_ scalars: [Unicode.Scalar], _ index: inout Int, prefix: String) -> Token? {
        let isRaw = prefix.contains("r")
        let isBytes = prefix.contains("b")
        let quote = scalars[index]
        let isTriple = index + 2 < scalars.count && scalars[index + 1] == quote && scalars[index + 2] == quote
        index += isTriple ? 3 : 1
        var body: [Unicode.Scalar] = []
        while true {
            guard index < scalars.count else { return nil }  // unterminated
            let scalar = scalars[index]
            if scalar == "\\" {
                guard index + 1 < scalars.count else { return nil }
                body.append(scalar)
                body.append(scalars[index + 1])
                index += 2
                continue
            }
            if scalar == quote {
                if !isTriple { index += 1; break }
                if index + 2 < scalars.count, scalars[index + 1] == quote, scalars[index + 2] == quote {
                    index += 3
                    break
                }
            }
            body.append(scalar)
            index += 1
        }
        if isBytes && body.contains(where: { !$0.isASCII }) { return nil }
        guard let value = isRaw ? body.map(\.value) : unescape(body, isBytes: isBytes) else { return nil }
        return .string(isBytes: isBytes, value: value)
    }

    /// The code points (for bytes: byte values) of a non-raw literal's body.
    private static func unescape(_ body: [Unicode.Scalar], isBytes: Bool) -> [UInt32]? {
        var result: [UInt32] = []
        var index = 0
        func hexValue(count: Int) -> UInt32? {
            guard index + count <= body.count else { return nil }
            let digits = String(String.UnicodeScalarView(body[index..<index + count]))
            guard digits.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }),
                  let value = UInt32(digits, radix: 16) else { return nil }
            index += count
            return value
        }
        while index < body.count {
            let scalar = body[index]
            index += 1
            guard scalar == "\\" else { result.append(scalar.value); continue }
            let escaped = body[index]
            index += 1
            switch escaped {
            case "\\", "'", "\"": result.append(escaped.value)
            case "a": result.append(0x07)
            case "b": result.append(0x08)
            case "f": result.append(0x0C)
            case "n": result.append(0x0A)
            case "r": result.append(0x0D)
            case "t": result.append(0x09)
            case "v": result.append(0x0B)
            case "0"..."7":
                var value = escaped.value - 0x30
                var digits = 1
                while digits < 3, index < body.count, ("0"..."7").contains(body[index]) {
                    value = value * 8 + body[index].value - 0x30
                    index += 1
                    digits += 1
                }
                if isBytes && value > 0xFF { return nil }
                result.append(value)
            case "x":
                guard let value = hexValue(count: 2) else { return nil }
                result.append(value)
            case "u" where !isBytes:
                guard let value = hexValue(count: 4), Unicode.Scalar(value) != nil else { return nil }
                result.append(value)
            case "U" where !isBytes:
                guard let value = hexValue(count: 8), Unicode.Scalar(value) != nil else { return nil }
                result.append(value)
            case "N" where !isBytes:
                return nil  // named characters: not supported, kept as text
            default:
                // Unknown escapes keep their backslash.
                result.append(scalar.value)
                result.append(escaped.value)
            }
        }
        return result
    }

    // MARK: Parser

    /// Recursive descent over the tokens, accepting exactly what literal_eval accepts.
    private struct Parser {
        let tokens: [Token]
        var index = 0

        var isAtEnd: Bool { index == tokens.count }

        private var current: Token? { index < tokens.count ? tokens[index] : nil }

        private mutating func take(_ punctuation: Character) -> Bool {
            if current == .punctuation(punctuation) {
                index += 1
                return true
            }
            return false
        }

        /// `expr`, or `expr, expr, ...` (a tuple) as eval mode allows.
        mutating func parseTopLevel() -> Value? {
            guard !isAtEnd else { return nil }  // empty input: a syntax error
            return parseExpressionList(until: nil)
        }

        /// Expressions separated by commas up to `closing` (or the end); a comma makes a tuple.
        private mutating func parseExpressionList(until closing: Character?) -> Value? {
            let first = parseExpression()
            guard let first else { return nil }
            var elements = [first]
            var sawComma = false
            while take(",") {
                sawComma = true
                if isAtEnd || (closing != nil && current == .punctuation(closing!)) { break }
                guard let element = parseExpression() else { return nil }
                elements.append(element)
            }
            return sawComma ? .sequence(elements) : first
        }

        private mutating func parseExpression() -> Value? {
            if current == .punctuation("+") || current == .punctuation("-") {
                let negate = current == .punctuation("-")
                index += 1
                // Only a number constant may carry a sign (not `--1`, `-True`, `-[1]`).
                guard let operand = parseAtom(), operand.isNumber, !isSignFollowedByBinaryOperator else { return nil }
                guard negate else { return operand }
                switch operand {
                case .integer(let value):
                    let (negated, overflow) = 0.subtractingReportingOverflow(value)
                    return overflow ? .bigInteger(-Double(value)) : .integer(negated)
                case .bigInteger(let value): return .bigInteger(-value)
                case .float(let value): return .float(-value)
                default: return nil
                }
            }
            guard let value = parseAtom() else { return nil }
            // `a + b` is only a literal for complex numbers, which are not supported.
            if current == .punctuation("+") || current == .punctuation("-") { return nil }
            return value
        }

        private var isSignFollowedByBinaryOperator: Bool {
            current == .punctuation("+") || current == .punctuation("-")
        }

        private mutating func parseAtom() -> Value? {
            guard let token = current else { return nil }
            index += 1
            switch token {
            case .number(let number):
                switch number {
                case .integer(let digits, let radix):
                    if let value = Int(digits, radix: radix) { return .integer(value) }
                    // Too large for Int: keep the magnitude as a Double.
                    let magnitude = digits.reduce(0.0) { $0 * Double(radix) + Double(Int(String($1), radix: radix)!) }
                    return .bigInteger(magnitude)
                case .float(let text):
                    var normalized = text
                    if normalized.hasPrefix(".") { normalized = "0" + normalized }
                    normalized = normalized.replacingOccurrences(of: ".e", with: ".0e")
                    if normalized.hasSuffix(".") { normalized += "0" }
                    guard let value = Double(normalized) else { return nil }
                    return .float(value)
                case .imaginary:
                    return nil
                }
            case .string(let isBytes, let value):
                // Adjacent literals concatenate; bytes and text cannot mix.
                var code = value
                while case .string(let nextIsBytes, let next)? = current {
                    guard nextIsBytes == isBytes else { return nil }
                    code += next
                    index += 1
                }
                if isBytes { return .bytes(code.map { UInt8(truncatingIfNeeded: $0) }) }
                var text = ""
                for point in code {
                    guard let scalar = Unicode.Scalar(point) else { return nil }
                    text.unicodeScalars.append(scalar)
                }
                return .string(text)
            case .name(let name):
                switch name {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return Value.none
                default: return nil
                }
            case .ellipsis:
                return .ellipsis
            case .punctuation("("):
                if take(")") { return .sequence([]) }
                guard let inner = parseExpressionList(until: ")"), take(")") else { return nil }
                return inner
            case .punctuation("["):
                var elements: [Value] = []
                while !take("]") {
                    guard let element = parseExpression() else { return nil }
                    elements.append(element)
                    if take("]") { break }
                    guard take(",") else { return nil }
                }
                return .sequence(elements)
            case .punctuation("{"):
                return parseDictOrSet()
            default:
                return nil
            }
        }

        private mutating func parseDictOrSet() -> Value? {
            if take("}") { return .dict([]) }
            guard let first = parseExpression() else { return nil }
            if take(":") {
                var pairs: [(Value, Value)] = []
                var key = first
                while true {
                    guard let value = parseExpression(), isHashable(key) else { return nil }
                    // A repeated key keeps its first position and its last value, as a dict does.
                    if let existing = pairs.firstIndex(where: { sameKey($0.0, key) }) {
                        pairs[existing].1 = value
                    } else {
                        pairs.append((key, value))
                    }
                    if take("}") { return .dict(pairs) }
                    guard take(",") else { return nil }
                    if take("}") { return .dict(pairs) }
                    guard let next = parseExpression(), take(":") else { return nil }
                    key = next
                }
            }
            // A set, which Ansible turns into a list; duplicates collapse.
            var elements = [first]
            guard isHashable(first) else { return nil }
            while !take("}") {
                guard take(",") else { return nil }
                if take("}") { break }
                guard let element = parseExpression(), isHashable(element) else { return nil }
                if !elements.contains(where: { sameKey($0, element) }) { elements.append(element) }
            }
            return .sequence(elements)
        }

        private func isHashable(_ value: Value) -> Bool {
            switch value {
            case .dict: return false
            case .sequence: return false  // lists are not hashable; tuples are, but are rare as keys
            default: return true
            }
        }

        private func sameKey(_ lhs: Value, _ rhs: Value) -> Bool {
            lhs.jsonKey != nil && lhs.jsonKey == rhs.jsonKey && lhs.json == rhs.json
        }
    }
}
