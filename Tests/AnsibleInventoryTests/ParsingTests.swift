import Inventory
import Testing

@testable import AnsibleInventory

/// The pieces Ansible's readers are built from: shell-like splitting of host lines, host
/// patterns and ranges, and YAML 1.1 typing.
@Suite("Host lines, host patterns and YAML scalars")
struct ParsingTests {
    // MARK: shlex

    @Test func hostLinesSplitLikeShlex() throws {
        #expect(try ShellWords.split(#"web1 a=1 motd="hello world" x='it''s' y=a\ b"#, comments: true)
            == ["web1", "a=1", "motd=hello world", "x=its", "y=a b"])
        #expect(try ShellWords.split(#"web1 pw=ab#cd e=f"#, comments: true) == ["web1", "pw=ab"])
        #expect(try ShellWords.split(#"web1 pw="ab#cd""#, comments: true) == ["web1", "pw=ab#cd"])
        #expect(try ShellWords.split(#"a="say \"hi\" \n""#, comments: true) == [#"a=say "hi" \n"#])
        #expect(try ShellWords.split(#"a='' b="""#, comments: true) == ["a=", "b="])
        #expect(try ShellWords.split("-o A=1 # not a comment", comments: false) == ["-o", "A=1", "#", "not", "a", "comment"])
    }

    @Test func unbalancedQuotesAreErrors() {
        #expect(throws: ShellWords.Failure.unclosedQuotation) { try ShellWords.split(#"a="b"#, comments: true) }
        #expect(throws: ShellWords.Failure.danglingEscape) { try ShellWords.split(#"a=b\"#, comments: true) }
    }

    // MARK: Host patterns

    @Test func rangesExpandAsAnsibleExpandsThem() throws {
        #expect(try HostPattern("web[01:03]").names == ["web01", "web02", "web03"])
        #expect(try HostPattern("web[1:10:4].example.com").names == ["web1.example.com", "web5.example.com", "web9.example.com"])
        #expect(try HostPattern("db-[a:c]").names == ["db-a", "db-b", "db-c"])
        #expect(try HostPattern("db-[y:B]").names == ["db-y", "db-z", "db-A", "db-B"])
        #expect(try HostPattern("n[:2]").names == ["n0", "n1", "n2"])
        #expect(try HostPattern("r[1:2]-s[a:b]").names == ["r1-sa", "r1-sb", "r2-sa", "r2-sb"])
        #expect(try HostPattern("web[08:10]").names == ["web08", "web09", "web10"])
    }

    struct Parts: Equatable {
        var names: [String]
        var port: Int?
    }

    func parts(_ text: String) throws -> Parts {
        let pattern = try HostPattern(text)
        return Parts(names: pattern.names, port: pattern.port)
    }

    @Test func portsAreSplitOffHostsAndRanges() throws {
        #expect(try parts("web1:2222") == Parts(names: ["web1"], port: 2222))
        #expect(try parts("192.0.2.5:2200") == Parts(names: ["192.0.2.5"], port: 2200))
        #expect(try parts("web[1:2]:2222") == Parts(names: ["web1", "web2"], port: 2222))
        #expect(try parts("[2001:db8::1]:22") == Parts(names: ["2001:db8::1"], port: 22))
        #expect(try parts("2001:db8::1") == Parts(names: ["2001:db8::1"], port: nil))
        #expect(try parts("web-:22") == Parts(names: ["web-:22"], port: nil))
    }

    @Test func badRangesAreErrors() {
        #expect(throws: HostPattern.Failure.self) { try HostPattern("web[1]") }
        #expect(throws: HostPattern.Failure.self) { try HostPattern("web[1:]") }
        #expect(throws: HostPattern.Failure.self) { try HostPattern("web[01:100]") }
        #expect(throws: HostPattern.Failure.self) { try HostPattern("web[c:a]") }
        #expect(throws: HostPattern.Failure.self) { try HostPattern("web[1:x]") }
        #expect(throws: HostPattern.Failure.self) { try HostPattern("web[1:3") }
    }

    // MARK: YAML 1.1

    @Test(arguments: [
        ("yes", JSONValue.bool(true)), ("Off", .bool(false)), ("TRUE", .bool(true)), ("yEs", .string("yEs")),
        ("y", .string("y")), ("0644", .integer(420)), ("0x1f", .integer(31)), ("0b11", .integer(3)),
        ("1_000", .integer(1000)), ("190:20:30", .integer(685230)), ("-12", .integer(-12)), ("08", .string("08")),
        ("1.10", .double(1.1)), ("1e3", .string("1e3")), ("1.5e+3", .double(1500)), (".5", .double(0.5)),
        ("2024-01-31", .string("2024-01-31")), ("=", .string("=")), ("web01", .string("web01")),
    ])
    func plainScalarsAreTypedLikePyYAML(text: String, value: JSONValue) {
        #expect(YAMLReader.plainScalar(text) == .value(value))
    }

    @Test func nullsAndNonFiniteFloats() {
        #expect(YAMLReader.plainScalar("") == .null)
        #expect(YAMLReader.plainScalar("~") == .null)
        #expect(YAMLReader.plainScalar("Null") == .null)
        #expect(YAMLReader.plainScalar(".inf") == .notFinite)
        #expect(YAMLReader.plainScalar(".NaN") == .notFinite)
    }

    @Test func tagsAreHonoured() throws {
        let scratch = try ScratchInventory(["hosts.yml": """
            all:
              vars:
                quoted: "0644"
                string: !!str 0644
                integer: !!int "12"
                unsafe: !unsafe '{{ not a template }}'
                unsafe_number: !unsafe 12
                set: !!set {a, b}
              hosts:
                web1:
            """])
        let vars = try scratch.convert("hosts.yml").inventory.vars
        #expect(vars["quoted"] == "0644")
        #expect(vars["string"] == "0644")
        #expect(vars["integer"] == 12)
        #expect(vars["unsafe"] == "{{ not a template }}")
        #expect(vars["unsafe_number"] == 12)
        #expect(vars["set"] == ["a", "b"])
    }

    @Test func unknownTagsAreErrors() throws {
        let scratch = try ScratchInventory(["hosts.yml": "all:\n  vars:\n    when: !!binary aGVsbG8=\n  hosts:\n    web1:\n"])
        #expect(throws: AnsibleImportError.self) { try scratch.convert("hosts.yml") }
        do {
            _ = try scratch.convert("hosts.yml")
        } catch {
            #expect(error.location.line == 3)
            #expect(error.message.hasPrefix(#"the YAML tag "tag:yaml.org,2002:binary" is not supported here"#))
        }
    }
}
