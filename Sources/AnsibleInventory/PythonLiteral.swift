import Inventory

/// Python's `ast.literal_eval`, which Ansible's INI plugin applies to every value it reads
/// (`host key=value` and `[group:vars]` lines alike): `8080` becomes a number, `True` a
/// Boolean, `[1, 2]` a list, `'07'` the string `07`; text that is not a Python literal
/// (`yes`, `FALSE`, `10-5`, `blah # note`) stays the string it is.
///
/// Covered: integers (decimal, `0x`, `0o`, `0b`, `_` separators), floats, complex numbers
/// (`1j`, `1+2j`), strings and bytes with every prefix, escape and implicit concatenation,
/// `True`, `False`, `None`, `...`, `+`/`-` signs, tuples (with or without parentheses),
/// lists, dicts, sets and `set()`, and `#` comments. The result is what Ansible makes of the
/// value afterwards (`_parse_recursive_coerce_types_and_tag`, ansible-core 2.19), element by
/// element inside containers: tuples and sets become lists, bytes text, `...` the string
/// `...`, a complex number Python's text for it (`1j`, `(1+2j)`, `(-0-1j)`). A set's
/// elements keep their written order (Python's own order follows hashes, and for strings
/// changes from run to run). Not covered, and so kept as text: `\N{...}` escapes.
enum PythonLiteral {
    /// The value `text` denotes, or nil when Python would not read it as a literal.
    static func evaluate(_ text: String) -> JSONValue? {
        // literal_eval strips leading spaces and tabs only.
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        guard let tokens = tokenize(Array(trimmed.unicodeScalars)) else { return nil }
        var parser = Parser(tokens: tokens)
        guard let node = parser.parseTopLevel(), parser.isAtEnd else { return nil }
        return node.literal?.json
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
        case complex(real: Double, imaginary: Double)
        case string(String)
        case bytes([UInt8])
        case ellipsis
        /// A tuple (hashable when its elements are), a list or a set.
        case sequence([Value], isTuple: Bool)
        case dict([(Value, Value)])

        /// An `int`, `float` or `complex`: what literal_eval lets a sign or `+`/`-` apply to.
        /// Not `bool`, though Python counts it an `int` elsewhere.
        var isNumber: Bool {
            switch self {
            case .integer, .bigInteger, .float, .complex: true
            default: false
            }
        }

        /// Whether Python could put the value in a set or use it as a dict key.
        var isHashable: Bool {
            switch self {
            case .dict: false
            case .sequence(let elements, let isTuple): isTuple && elements.allSatisfy(\.isHashable)
            default: true
            }
        }

        var json: JSONValue? {
            switch self {
            case .none: return .null
            case .bool(let value): return .bool(value)
            case .integer(let value): return .integer(value)
            case .bigInteger(let value), .float(let value):
                return value.isFinite ? .double(value) : nil
            case .complex(let real, let imaginary):
                // Ansible keeps complex numbers as Python's text for them.
                return .string(complexText(real: real, imaginary: imaginary))
            case .string(let value): return .string(value)
            case .bytes(let bytes):
                // Ansible turns bytes into text (UTF-8, strictly).
                guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
                return .string(text)
            case .ellipsis: return .string("...")
            case .sequence(let elements, _):
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
        /// as `json.dumps` spells them. Containers (and complex numbers, which Ansible
        /// leaves as keys JSON cannot write) cannot be keys.
        var jsonKey: String? {
            switch self {
            case .string(let value): value
            case .bytes: json?.stringValue
            case .none: "null"
            case .bool(let value): value ? "true" : "false"
            case .integer(let value): String(value)
            case .bigInteger, .float: json.map { $0.jsonText() }
            case .complex, .ellipsis, .sequence, .dict: nil
            }
        }

        /// A number as a point of the complex plane, for Python's comparisons across
        /// `bool`, `int`, `float` and `complex` (`1 == 1.0 == True == 1+0j`).
        private var complexValue: (Double, Double)? {
            switch self {
            case .bool(let value): (value ? 1 : 0, 0)
            case .integer(let value): (Double(value), 0)
            case .bigInteger(let value), .float(let value): (value, 0)
            case .complex(let real, let imaginary): (real, imaginary)
            default: nil
            }
        }

        /// Python's `==`, with which a set drops an element equal to an earlier one and a
        /// dict keeps one entry per key.
        func isEqual(to other: Value) -> Bool {
            switch (self, other) {
            case (.integer(let lhs), .integer(let rhs)): return lhs == rhs
            case (.string(let lhs), .string(let rhs)): return lhs.unicodeScalars.elementsEqual(rhs.unicodeScalars)
            case (.bytes(let lhs), .bytes(let rhs)): return lhs == rhs
            case (.none, .none), (.ellipsis, .ellipsis): return true
            case (.sequence(let lhs, true), .sequence(let rhs, true)):
                return lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.isEqual(to: $1) }
            default:
                guard let lhs = complexValue, let rhs = other.complexValue else { return false }
                return lhs == rhs
            }
        }

        /// Unary minus, as Python computes it.
        var negated: Value? {
            switch self {
            case .integer(let value):
                let (negated, overflow) = 0.subtractingReportingOverflow(value)
                return overflow ? .bigInteger(-Double(value)) : .integer(negated)
            case .bigInteger(let value): return .bigInteger(-value)
            case .float(let value): return .float(-value)
            case .complex(let real, let imaginary): return .complex(real: -real, imaginary: -imaginary)
            default: return nil
            }
        }
    }

    /// Python's `repr` of a complex number: `1j` when the real part is +0, else
    /// `(1+2j)`, each part written as a float without a trailing `.0`.
    static func complexText(real: Double, imaginary: Double) -> String {
        if real == 0, real.sign == .plus { return floatText(imaginary) + "j" }
        let imaginaryText = floatText(imaginary)
        let sign = imaginaryText.hasPrefix("-") ? "" : "+"
        return "(" + floatText(real) + sign + imaginaryText + "j)"
    }

    /// A float as Python's `repr` writes it (format code `r`) without forcing a `.0`:
    /// the shortest digits that read back the same, in exponent notation when the
    /// decimal exponent is below -4 or above 15 (`1e-05`, `1e+16`), else positional.
    static func floatText(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // Swift's description has the same shortest digits; only the layout may differ.
        let description = "\(value.magnitude)"
        var mantissa = Substring(description)
        var exponent = 0
        if let e = description.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = description[..<e]
            exponent = Int(description[description.index(after: e)...])!
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerDigits = String(parts[0])
        let fractionDigits = parts.count > 1 ? String(parts[1]) : ""
        // The digits without leading or trailing zeros, and where the point goes after the first.
        var digits = integerDigits + fractionDigits
        var point = integerDigits.count + exponent  // digits before the decimal point
        while digits.count > 1, digits.first == "0" { digits.removeFirst(); point -= 1 }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        let sign = value.sign == .minus ? "-" : ""
        if digits == "0" { return sign + "0" }
        let decimalExponent = point - 1
        if decimalExponent < -4 || decimalExponent >= 16 {
            let rest = digits.dropFirst()
            let exponentText = (decimalExponent < 0 ? "-" : "+")
                + (abs(decimalExponent) < 10 ? "0" : "") + String(abs(decimalExponent))
            return sign + String(digits.first!) + (rest.isEmpty ? "" : "." + rest) + "e" + exponentText
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) }
        return sign + digits.prefix(point) + "." + digits.dropFirst(point)
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
        /// An imaginary literal (`2j`, `1.5e3j`), its digits as a float's.
        case imaginary(String)
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
            return .imaginary(text)  // leading zeros are allowed here: `01j`
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

    /// An expression as Python's parser gives it to literal_eval: parentheses make no node
    /// of their own, so `-(1)` is a sign applied to a constant, as `-1` is.
    fileprivate indirect enum Node {
        /// A number, string, bytes, `True`, `False`, `None` or `...`.
        case constant(Value)
        case tuple([Node])
        case list([Node])
        case set([Node])
        case dict([(Node, Node)])
        /// `set()`, the only call literal_eval accepts.
        case emptySet
        case unary(negate: Bool, Node)
        case binary(subtract: Bool, Node, Node)

        /// The value literal_eval gives the node (its `_convert`), or nil where it raises.
        var literal: Value? {
            switch self {
            case .constant(let value):
                return value
            case .tuple(let nodes), .list(let nodes):
                var elements: [Value] = []
                for node in nodes {
                    guard let element = node.literal else { return nil }
                    elements.append(element)
                }
                return .sequence(elements, isTuple: { if case .tuple = self { true } else { false } }())
            case .set(let nodes):
                // Duplicates collapse onto the first; an unhashable element is a TypeError.
                var elements: [Value] = []
                for node in nodes {
                    guard let element = node.literal, element.isHashable else { return nil }
                    if !elements.contains(where: { $0.isEqual(to: element) }) { elements.append(element) }
                }
                return .sequence(elements, isTuple: false)
            case .emptySet:
                return .sequence([], isTuple: false)
            case .dict(let nodes):
                // A repeated key keeps its first position and its last value, as a dict does.
                var pairs: [(Value, Value)] = []
                for (keyNode, valueNode) in nodes {
                    guard let key = keyNode.literal, key.isHashable, let value = valueNode.literal else { return nil }
                    if let existing = pairs.firstIndex(where: { $0.0.isEqual(to: key) }) {
                        pairs[existing].1 = value
                    } else {
                        pairs.append((key, value))
                    }
                }
                return .dict(pairs)
            case .binary(let subtract, let left, let right):
                // Only a real number plus or minus an imaginary constant: `1+2j`, `-1.5-2j`.
                guard let left = left.signedNumber, let right = right.number,
                      case .complex(let real, let imaginary) = right else { return nil }
                let value: Double
                switch left {
                case .integer(let integer): value = Double(integer)
                case .bigInteger(let big) where big.isFinite: value = big
                case .float(let float): value = float
                default: return nil  // a complex on the left, or an int too large for a float
                }
                // Python (3.11 to 3.13) makes the real number complex first: its imaginary
                // part is +0, so `1-0j` is `(1+0j)`.
                return subtract
                    ? .complex(real: value - real, imaginary: 0.0 - imaginary)
                    : .complex(real: value + real, imaginary: 0.0 + imaginary)
            case .unary:
                return signedNumber
            }
        }

        /// A number constant (`_convert_num`).
        var number: Value? {
            guard case .constant(let value) = self, value.isNumber else { return nil }
            return value
        }

        /// A number constant with an optional sign (`_convert_signed_num`): `--1`, `-True`
        /// and `-(1+2j)` are none.
        var signedNumber: Value? {
            guard case .unary(let negate, let operand) = self else { return number }
            guard let value = operand.number else { return nil }
            return negate ? value.negated : value
        }
    }

    /// Recursive descent over the tokens into the nodes Python's parser makes of them, in
    /// eval mode; anything else (names, calls, operators other than `+` and `-`) fails.
    private struct Parser {
        let tokens: [Token]
        var index = 0

        var isAtEnd: Bool { index == tokens.count }

        private var current: Token? { index < tokens.count ? tokens[index] : nil }

        private func peek(_ offset: Int) -> Token? {
            index + offset < tokens.count ? tokens[index + offset] : nil
        }

        private mutating func take(_ punctuation: Character) -> Bool {
            if current == .punctuation(punctuation) {
                index += 1
                return true
            }
            return false
        }

        /// `expr`, or `expr, expr, ...` (a tuple) as eval mode allows.
        mutating func parseTopLevel() -> Node? {
            guard !isAtEnd else { return nil }  // empty input: a syntax error
            return parseExpressionList(until: nil)
        }

        /// Expressions separated by commas up to `closing` (or the end); a comma makes a tuple.
        private mutating func parseExpressionList(until closing: Character?) -> Node? {
            guard let first = parseExpression() else { return nil }
            var elements = [first]
            var sawComma = false
            while take(",") {
                sawComma = true
                if isAtEnd || (closing != nil && current == .punctuation(closing!)) { break }
                guard let element = parseExpression() else { return nil }
                elements.append(element)
            }
            return sawComma ? .tuple(elements) : first
        }

        /// Terms joined by binary `+` and `-`, left to right.
        private mutating func parseExpression() -> Node? {
            guard var node = parseFactor() else { return nil }
            while current == .punctuation("+") || current == .punctuation("-") {
                let subtract = current == .punctuation("-")
                index += 1
                guard let right = parseFactor() else { return nil }
                node = .binary(subtract: subtract, node, right)
            }
            return node
        }

        /// An atom with any number of unary signs before it.
        private mutating func parseFactor() -> Node? {
            if current == .punctuation("+") || current == .punctuation("-") {
                let negate = current == .punctuation("-")
                index += 1
                guard let operand = parseFactor() else { return nil }
                return .unary(negate: negate, operand)
            }
            return parseAtom()
        }

        private mutating func parseAtom() -> Node? {
            guard let token = current else { return nil }
            index += 1
            switch token {
            case .number(let number):
                switch number {
                case .integer(let digits, let radix):
                    if let value = Int(digits, radix: radix) { return .constant(.integer(value)) }
                    // Too large for Int: keep the magnitude as a Double.
                    let magnitude = digits.reduce(0.0) { $0 * Double(radix) + Double(Int(String($1), radix: radix)!) }
                    return .constant(.bigInteger(magnitude))
                case .float(let text):
                    guard let value = floatValue(text) else { return nil }
                    return .constant(.float(value))
                case .imaginary(let text):
                    guard let value = floatValue(text) else { return nil }
                    return .constant(.complex(real: 0, imaginary: value))
                }
            case .string(let isBytes, let value):
                // Adjacent literals concatenate; bytes and text cannot mix.
                var code = value
                while case .string(let nextIsBytes, let next)? = current {
                    guard nextIsBytes == isBytes else { return nil }
                    code += next
                    index += 1
                }
                if isBytes { return .constant(.bytes(code.map { UInt8(truncatingIfNeeded: $0) })) }
                var text = ""
                for point in code {
                    guard let scalar = Unicode.Scalar(point) else { return nil }
                    text.unicodeScalars.append(scalar)
                }
                return .constant(.string(text))
            case .name(let name):
                switch name {
                case "True": return .constant(.bool(true))
                case "False": return .constant(.bool(false))
                case "None": return .constant(.none)
                case "set" where current == .punctuation("(") && peek(1) == .punctuation(")"):
                    index += 2
                    return .emptySet
                default: return nil
                }
            case .ellipsis:
                return .constant(.ellipsis)
            case .punctuation("("):
                if take(")") { return .tuple([]) }
                guard let inner = parseExpressionList(until: ")"), take(")") else { return nil }
                return inner
            case .punctuation("["):
                var elements: [Node] = []
                while !take("]") {
                    guard let element = parseExpression() else { return nil }
                    elements.append(element)
                    if take("]") { break }
                    guard take(",") else { return nil }
                }
                return .list(elements)
            case .punctuation("{"):
                return parseDictOrSet()
            default:
                return nil
            }
        }

        private mutating func parseDictOrSet() -> Node? {
            if take("}") { return .dict([]) }
            guard let first = parseExpression() else { return nil }
            if take(":") {
                var pairs: [(Node, Node)] = []
                var key = first
                while true {
                    guard let value = parseExpression() else { return nil }
                    pairs.append((key, value))
                    if take("}") { return .dict(pairs) }
                    guard take(",") else { return nil }
                    if take("}") { return .dict(pairs) }
                    guard let next = parseExpression(), take(":") else { return nil }
                    key = next
                }
            }
            var elements = [first]
            while !take("}") {
                guard take(",") else { return nil }
                if take("}") { break }
                guard let element = parseExpression() else { return nil }
                elements.append(element)
            }
            return .set(elements)
        }

        /// A float literal's value: `.5`, `5.` and `1.e3` as Python reads them.
        private func floatValue(_ text: String) -> Double? {
            var normalized = text
            if normalized.hasPrefix(".") { normalized = "0" + normalized }
            normalized = normalized.replacingOccurrences(of: ".e", with: ".0e")
            if normalized.hasSuffix(".") { normalized += "0" }
            return Double(normalized)
        }
    }
}
