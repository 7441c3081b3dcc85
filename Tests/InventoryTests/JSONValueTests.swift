import Foundation
import Testing
import Inventory

@Suite("JSON values")
struct JSONValueTests {
    private let sample: JSONValue = [
        "name": "web1",
        "weight": 10,
        "ratio": 0.5,
        "tags": ["a", true, nil],
        "nested": ["z": 1, "a": [:]],
    ]

    @Test func jsonTextKeepsKeyOrder() {
        #expect(sample.jsonText() == #"{"name":"web1","weight":10,"ratio":0.5,"tags":["a",true,null],"nested":{"z":1,"a":{}}}"#)
        #expect(sample.description == sample.jsonText())
    }

    @Test func prettyPrintedJSONText() {
        let expected = """
            {
              "name": "web1",
              "weight": 10,
              "ratio": 0.5,
              "tags": [
                "a",
                true,
                null
              ],
              "nested": {
                "z": 1,
                "a": {}
              }
            }
            """
        #expect(sample.jsonText(prettyPrinted: true) == expected)
        #expect(JSONValue.array([]).jsonText(prettyPrinted: true) == "[]")
    }

    @Test func jsonTextEscapesStrings() {
        #expect(JSONValue.string("a\"b\\c\nd\u{01}é").jsonText() == #""a\"b\\c\nd\u0001é""#)
        #expect(JSONValue.double(.infinity).jsonText() == "null")
    }

    @Test func jsonTextParsesBackToTheSameValue() throws {
        #expect(try JSONNode.parse(sample.jsonText()).value == sample)
        #expect(try JSONNode.parse(sample.jsonText(prettyPrinted: true)).value == sample)
        let escaped: JSONValue = ["k\"ey": "\u{7F}\u{1F}\t😀"]
        #expect(try JSONNode.parse(escaped.jsonText()).value == escaped)
    }

    @Test func codableRoundTripThroughFoundation() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(sample)
        #expect(String(decoding: data, as: UTF8.self)
            == #"{"name":"web1","nested":{"a":{},"z":1},"ratio":0.5,"tags":["a",true,null],"weight":10}"#)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(decoded == sample)
        #expect(decoded["weight"] == .integer(10))
        #expect(decoded["ratio"] == .double(0.5))
    }

    @Test func codableInsideAnotherType() throws {
        struct Payload: Codable, Equatable {
            var host: String
            var vars: JSONObject
        }
        let payload = Payload(host: "web1", vars: ["php": "8.2", "workers": 4])
        let decoded = try JSONDecoder().decode(Payload.self, from: JSONEncoder().encode(payload))
        #expect(decoded == payload)
    }

    @Test func accessors() {
        #expect(sample["name"]?.stringValue == "web1")
        #expect(sample["weight"]?.intValue == 10)
        #expect(sample["weight"]?.doubleValue == 10.0)
        #expect(sample["ratio"]?.intValue == nil)
        #expect(sample["ratio"]?.doubleValue == 0.5)
        #expect(sample["tags"]?[1]?.boolValue == true)
        #expect(sample["tags"]?[2]?.isNull == true)
        #expect(sample["tags"]?[3] == nil)
        #expect(sample["tags"]?.arrayValue?.count == 3)
        #expect(sample["nested"]?.objectValue?.keys == ["z", "a"])
        #expect(sample["missing"] == nil)
        #expect(JSONValue.integer(10) != JSONValue.double(10))
    }

    @Test func objectSubscriptKeepsOrder() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = 3
        object["b"] = 4
        #expect(Array(object.keys) == ["b", "a", "c"])
        #expect(object["b"] == 4)
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object.count == 2)
        #expect(object.map(\.key) == ["b", "c"])
        #expect(object.map(\.value) == [4, 3])
        #expect(JSONObject().isEmpty)
    }

    @Test func mergeIsShallowAndKeepsFirstPositions() {
        let base: JSONObject = ["a": 1, "nested": ["x": 1, "y": 2], "keep": "base"]
        let merged = base.merging(["nested": ["x": 9], "new": true, "a": 2])
        #expect(merged.keys == ["a", "nested", "keep", "new"])
        #expect(merged == ["a": 2, "nested": ["x": 9], "keep": "base", "new": true])
    }

    @Test func objectEqualityIgnoresOrder() {
        let first: JSONObject = ["a": 1, "b": 2]
        let second: JSONObject = ["b": 2, "a": 1]
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != ["a": 1, "b": 3])
        #expect(first != ["a": 1])
    }
}
