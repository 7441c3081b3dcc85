import Testing
import Inventory

/// Parses `text`, expecting success.
private func parse(_ text: String) throws -> JSONNode {
    try JSONNode.parse(text)
}

/// Parses `bytes`, expecting a syntax error, and returns it.
private func syntaxError(
    _ bytes: [UInt8], maximumDepth: Int = JSONNode.defaultMaximumDepth,
    sourceLocation: SourceLocation = #_sourceLocation
) -> JSONSyntaxError? {
    do {
        let node = try JSONNode.parse(bytes, maximumDepth: maximumDepth)
        Issue.record("expected a syntax error, parsed \(node.value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

private func syntaxError(
    _ text: String, maximumDepth: Int = JSONNode.defaultMaximumDepth,
    sourceLocation: SourceLocation = #_sourceLocation
) -> JSONSyntaxError? {
    syntaxError(Array(text.utf8), maximumDepth: maximumDepth, sourceLocation: sourceLocation)
}

/// The source text a range covers.
private func text(_ range: SourceRange, in source: String) -> String {
    String(decoding: Array(source.utf8)[range.bytes], as: UTF8.self)
}

@Suite("JSON parser: values")
struct JSONParserValueTests {
    @Test("scalars and numbers", arguments: [
        ("null", JSONValue.null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("0", .integer(0)),
        ("-0", .integer(0)),
        ("42", .integer(42)),
        ("-17", .integer(-17)),
        ("9223372036854775807", .integer(Int.max)),
        ("-9223372036854775808", .integer(Int.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808.0)),
        ("1.5", .double(1.5)),
        ("-0.25", .double(-0.25)),
        ("10.0", .double(10)),
        ("1e3", .double(1000)),
        ("1E+3", .double(1000)),
        ("2.5e-3", .double(0.0025)),
        ("-1.5E2", .double(-150)),
        ("0e0", .double(0)),
        ("1e-400", .double(0)),
        ("\"\"", .string("")),
        (" \t\r\n 7 \n", .integer(7)),
    ])
    func scalar(text: String, expected: JSONValue) throws {
        #expect(try parse(text).value == expected)
    }

    @Test func shortEscapes() throws {
        let node = try parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#)
        #expect(node.value == .string("a\"b\\c/d\u{08}e\u{0C}f\ng\rh\ti"))
    }

    @Test func unicodeEscapesAndSurrogatePairs() throws {
        let node = try parse(#""\u00e9\u20AC\uD83D\uDE00\u0041\u0000""#)
        #expect(node.value == .string("é€😀A\u{0}"))
        #expect(node.value.stringValue?.unicodeScalars.map(\.value) == [0xE9, 0x20AC, 0x1F600, 0x41, 0])
    }

    @Test func rawUTF8PassesThrough() throws {
        #expect(try parse("\"é€😀\u{7F}\"").value == .string("é€😀\u{7F}"))
    }

    @Test func nestedContainersKeepOrder() throws {
        let node = try parse(#"{"b": [1, {"c": null}], "a": {"z": [], "y": {}}, "m": [[true], "s"]}"#)
        let expected: JSONValue = [
            "b": [1, ["c": nil]],
            "a": ["z": [], "y": [:]],
            "m": [[true], "s"],
        ]
        #expect(node.value == expected)
        guard case .object(let members) = node.kind else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["b", "a", "m"])
        #expect(node.value.objectValue?.keys == ["b", "a", "m"])
        #expect(node.value["a"]?.objectValue?.keys == ["z", "y"])
    }

    @Test("empty containers", arguments: [
        ("{}", JSONValue.object([:])),
        ("[]", .array([])),
        ("{ }", .object([:])),
        ("[\n]", .array([])),
        ("[[]]", .array([.array([])])),
        (#"{"a":{}}"#, .object(["a": .object([:])])),
    ])
    func emptyContainer(text: String, expected: JSONValue) throws {
        #expect(try parse(text).value == expected)
    }

    @Test func leadingByteOrderMarkIsSkipped() throws {
        let node = try parse("\u{FEFF}{\"a\": 1}")
        #expect(node.value == ["a": 1])
        #expect(node.range.start == SourcePosition(offset: 3, line: 1, column: 1))
        #expect(node.member(named: "a")?.keyRange.start == SourcePosition(offset: 4, line: 1, column: 2))
    }

    @Test func nestingUpToTheLimitParses() throws {
        let depth = JSONNode.defaultMaximumDepth
        let node = try parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        var value = node.value
        var levels = 0
        while case .array(let elements) = value {
            levels += 1
            guard let first = elements.first else { break }
            value = first
        }
        #expect(levels == 128)
    }

    @Test func duplicateKeysInSeparateObjectsAreFine() throws {
        let node = try parse(#"{"a": {"a": 1}, "b": {"a": 2}}"#)
        #expect(node.value == ["a": ["a": 1], "b": ["a": 2]])
    }
}

@Suite("JSON parser: source ranges")
struct JSONParserRangeTests {
    @Test func rangesCoverExactlyTheWrittenText() throws {
        let source = "{\"hosts\": [ {\"name\": \"web1\"},\n  42 ], \"s\": \"a\\nb\"}"
        let node = try parse(source)
        #expect(node.range.bytes == 0..<source.utf8.count)
        let hosts = try #require(node.member(named: "hosts"))
        #expect(text(hosts.range, in: source) == "\"hosts\": [ {\"name\": \"web1\"},\n  42 ]")
        #expect(text(hosts.keyRange, in: source) == "\"hosts\"")
        guard case .array(let elements) = hosts.value.kind else {
            Issue.record("hosts is not an array")
            return
        }
        #expect(text(elements[0].range, in: source) == "{\"name\": \"web1\"}")
        #expect(text(try #require(elements[0].member(named: "name")).value.range, in: source) == "\"web1\"")
        #expect(text(elements[1].range, in: source) == "42")
        #expect(elements[1].range.start == SourcePosition(offset: 32, line: 2, column: 3))
        #expect(elements[1].range.end == SourcePosition(offset: 34, line: 2, column: 5))
        #expect(text(try #require(node.member(named: "s")).value.range, in: source) == "\"a\\nb\"")
    }

    @Test func columnsCountUnicodeScalars() {
        let error = syntaxError("{\"é😀\": [1 2]}")
        #expect(error?.position == SourcePosition(offset: 14, line: 1, column: 11))
        #expect(error?.message == "expected ',' or ']' after an array element, found '2'")
    }

    @Test func linesEndAtLFCRLFAndLoneCR() {
        #expect(syntaxError("[\n1,\r\n2,\r3 4]")?.description == "4:3: expected ',' or ']' after an array element, found '4'")
    }

    @Test func positionOfTheDocumentedExample() {
        let source = """
            {
              "a": 1,
              "b": 2,
              "port": 22 ]
            """
        #expect(syntaxError(source)?.description == "4:14: expected ',' or '}' after an object member, found ']'")
    }
}

@Suite("JSON parser: errors")
struct JSONParserErrorTests {
    @Test("syntax errors name the position and what was expected", arguments: [
        // Input and end of input.
        ("", "1:1: expected a JSON value, found end of input"),
        ("  \n ", "2:2: expected a JSON value, found end of input"),
        ("// comment\n{}", "1:1: expected a JSON value, found '//' (JSON does not allow comments)"),
        ("{\"a\": 1 /* one */}", "1:9: expected ',' or '}' after an object member, found '/*' (JSON does not allow comments)"),
        ("[1 / 2]", "1:4: expected ',' or ']' after an array element, found '/'"),
        // Trailing garbage.
        ("{} x", "1:4: expected end of input after the top-level value, found 'x'"),
        ("1 2", "1:3: expected end of input after the top-level value, found '2'"),
        ("[]]", "1:3: expected end of input after the top-level value, found ']'"),
        ("nullx", "1:1: expected a JSON value, found 'nullx'"),
        // Literals.
        ("True", "1:1: expected a JSON value, found 'True' (JSON literals are lowercase: true, false, null)"),
        ("nul", "1:1: expected a JSON value, found 'nul'"),
        ("[Infinity]", "1:2: expected a JSON value or ']', found 'Infinity'"),
        ("NaN", "1:1: expected a JSON value, found 'NaN'"),
        // Numbers.
        ("01", "1:1: leading zeros are not allowed in numbers"),
        ("[-012]", "1:2: leading zeros are not allowed in numbers"),
        ("-", "1:2: expected a digit after '-', found end of input"),
        ("-x", "1:2: expected a digit after '-', found 'x'"),
        ("1.", "1:3: expected a digit after '.' in a number, found end of input"),
        ("1.e5", "1:3: expected a digit after '.' in a number, found 'e5'"),
        ("1e", "1:3: expected a digit in the exponent of a number, found end of input"),
        ("1e+", "1:4: expected a digit in the exponent of a number, found end of input"),
        ("+1", "1:1: expected a JSON value, found '+'"),
        (".5", "1:1: expected a JSON value, found '.'"),
        ("[1, 0x10]", "1:6: expected ',' or ']' after an array element, found 'x10'"),
        ("1e400", "1:1: number 1e400 is too large"),
        ("[-1e400]", "1:2: number -1e400 is too large"),
        // Objects.
        (#"{"a" 1}"#, "1:6: expected ':' after the key \"a\", found '1'"),
        (#"{"a": 1,}"#, "1:9: expected a string key after ',', found '}' (JSON does not allow a trailing comma)"),
        (#"{"a": 1 "b": 2}"#, "1:9: expected ',' or '}' after an object member, found '\"'"),
        (#"{"a": }"#, "1:7: expected a value for the key \"a\", found '}'"),
        (#"{"a": 1, 2}"#, "1:10: expected a string key after ',', found '2'"),
        ("{a: 1}", "1:2: expected a string key or '}', found 'a'"),
        ("{'a': 1}", "1:2: expected a string key or '}', found \"'\" (JSON strings use double quotes)"),
        ("{", "1:2: expected a string key or '}', found end of input"),
        (#"{"a": 1"#, "1:8: expected ',' or '}' after an object member, found end of input"),
        ("{“a”: 1}", "1:2: expected a string key or '}', found '“' (U+201C LEFT DOUBLE QUOTATION MARK)"),
        // Arrays.
        ("[1,]", "1:4: expected a JSON value after ',', found ']' (JSON does not allow a trailing comma)"),
        ("[1 2]", "1:4: expected ',' or ']' after an array element, found '2'"),
        ("[,1]", "1:2: expected a JSON value or ']', found ','"),
        ("[1,,2]", "1:4: expected a JSON value after ',', found ','"),
        ("[1}", "1:3: expected ',' or ']' after an array element, found '}'"),
        ("[1,\u{A0}2]", "1:4: expected a JSON value after ',', found U+00A0 NO-BREAK SPACE"),
        ("[\u{FEFF}1]", "1:2: expected a JSON value or ']', found U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("\u{FEFF}[1,]", "1:4: expected a JSON value after ',', found ']' (JSON does not allow a trailing comma)"),
    ])
    func syntax(text: String, expected: String) {
        #expect(syntaxError(text)?.description == expected)
    }

    @Test("string errors", arguments: [
        (#""abc"#, "1:1: unterminated string: no closing '\"' before the end of input"),
        (#""abc\"#, "1:1: unterminated string: no closing '\"' before the end of input"),
        ("{\"a\": \"abc\n}", "1:7: unterminated string: no closing '\"' before the end of the line"),
        ("[\"ab\r\n\"]", "1:2: unterminated string: no closing '\"' before the end of the line"),
        ("\"a\tb\"", "1:3: control character U+0009 must be escaped in a string (write \\t)"),
        ("\"a\u{01}b\"", "1:3: control character U+0001 must be escaped in a string"),
        ("\"\u{08}\"", "1:2: control character U+0008 must be escaped in a string (write \\b)"),
        (#""a\x""#, #"1:3: invalid escape sequence '\x'; JSON allows \" \\ \/ \b \f \n \r \t and \uXXXX"#),
        (#""\U0041""#, #"1:2: invalid escape sequence '\U'; JSON allows \" \\ \/ \b \f \n \r \t and \uXXXX"#),
        ("\"\\é\"", #"1:2: invalid escape sequence '\' followed by 'é' (U+00E9 LATIN SMALL LETTER E WITH ACUTE); JSON allows \" \\ \/ \b \f \n \r \t and \uXXXX"#),
        (#""\u12G4""#, #"1:6: expected 4 hexadecimal digits after '\u', found 'G4'"#),
        (#""\u12""#, #"1:6: expected 4 hexadecimal digits after '\u', found '"'"#),
        (#""\uD83D""#, #"1:2: unpaired UTF-16 surrogate \uD83D: a high surrogate must be followed by a low surrogate \uDC00-\uDFFF"#),
        (#""\uD83Dx""#, #"1:2: unpaired UTF-16 surrogate \uD83D: a high surrogate must be followed by a low surrogate \uDC00-\uDFFF"#),
        (#""ab\uD83D\u0041""#, #"1:4: unpaired UTF-16 surrogate \uD83D: a high surrogate must be followed by a low surrogate \uDC00-\uDFFF"#),
        (#""\uDE00""#, #"1:2: unpaired UTF-16 surrogate \uDE00: a low surrogate must follow a high surrogate \uD800-\uDBFF"#),
        (#""\uDE00\uD83D""#, #"1:2: unpaired UTF-16 surrogate \uDE00: a low surrogate must follow a high surrogate \uD800-\uDBFF"#),
    ])
    func string(text: String, expected: String) {
        #expect(syntaxError(text)?.description == expected)
    }

    @Test("invalid UTF-8", arguments: [
        ([0x22, 0x61, 0xFF, 0x22], "1:3: invalid UTF-8 byte 0xFF in a string"),
        ([0x22, 0xC0, 0xAF, 0x22], "1:2: invalid UTF-8 byte 0xC0 in a string"),  // overlong '/'
        ([0x22, 0xED, 0xA0, 0x80, 0x22], "1:2: invalid UTF-8 byte 0xED in a string"),  // encoded surrogate
        ([0x22, 0xE2, 0x82], "1:2: invalid UTF-8 byte 0xE2 in a string"),  // truncated
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "1:2: invalid UTF-8 byte 0xF4 in a string"),  // above U+10FFFF
        ([0x5B, 0xFF, 0x5D], "1:2: expected a JSON value or ']', found invalid UTF-8 byte 0xFF"),
    ] as [([UInt8], String)])
    func invalidUTF8(bytes: [UInt8], expected: String) {
        #expect(syntaxError(bytes)?.description == expected)
    }

    @Test func nestingBeyondTheLimitIsRejected() {
        let depth = JSONNode.defaultMaximumDepth + 1
        let error = syntaxError(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        #expect(error?.description == "1:129: nesting exceeds the maximum depth of 128")
        #expect(error?.position.offset == 128)
    }

    @Test func maximumDepthIsConfigurable() throws {
        #expect(syntaxError(#"{"a":{"b":[]}}"#, maximumDepth: 2)?.description == "1:11: nesting exceeds the maximum depth of 2")
        #expect(try JSONNode.parse(#"{"a":{"b":1}}"#, maximumDepth: 2).value == ["a": ["b": 1]])
    }

    @Test func duplicateKeysReportBothPositions() {
        let error = syntaxError("{\"a\": 1,\n \"b\": 2,\n \"a\": 3}")
        #expect(error?.description == "3:2: duplicate key \"a\"; first defined at line 1, column 2")
        #expect(error?.position == SourcePosition(offset: 19, line: 3, column: 2))
        #expect(error?.relatedPosition == SourcePosition(offset: 1, line: 1, column: 2))
    }

    @Test func duplicateKeysAreComparedAfterDecodingEscapes() {
        #expect(syntaxError(#"{"a": 1, "\u0061": 2}"#)?.description == "1:10: duplicate key \"a\"; first defined at line 1, column 2")
    }
}
