import Inventory
import Testing

@testable import AnsibleInventory

/// Ansible reads every INI value with Python's `ast.literal_eval`, keeping the text when it
/// is not a literal. The expectations are what Ansible's own `InventoryModule._parse_value`
/// returns for each input (ansible-core 2.19, Python 3.11), as `ansible-inventory --list`
/// writes it (bytes, which it marks `__ansible_unsafe`, as the text they are).
@Suite("Python literals in INI values")
struct PythonLiteralTests {
    static let cases: [(text: String, ansible: String)] = [
        (#"8080"#, #"8080"#),
        (#"-12"#, #"-12"#),
        (#"+7"#, #"7"#),
        (#"0"#, #"0"#),
        (#"00"#, #"0"#),
        (#"017"#, #""017""#),
        (#"0o17"#, #"15"#),
        (#"0x1F"#, #"31"#),
        (#"0b101"#, #"5"#),
        (#"1_000"#, #"1000"#),
        (#"1__0"#, #""1__0""#),
        (#"1_"#, #""1_""#),
        (#"3.14"#, #"3.14"#),
        (#".5"#, #"0.5"#),
        (#"5."#, #"5.0"#),
        (#"1e3"#, #"1000.0"#),
        (#"1.5e-3"#, #"0.0015"#),
        (#"True"#, #"true"#),
        (#"False"#, #"false"#),
        (#"None"#, #"null"#),
        (#"true"#, #""true""#),
        (#"yes"#, #""yes""#),
        (#"FALSE"#, #""FALSE""#),
        (#"'07'"#, #""07""#),
        (#""quoted""#, #""quoted""#),
        (#"'it''s'"#, #""its""#),
        (#"'a' "b""#, #""ab""#),
        (#"r'\d+'"#, #""\\d+""#),
        (#"'tab\there'"#, #""tab\there""#),
        (#"'\x41\u00e9\101'"#, #""AéA""#),
        (#"b'bytes'"#, #""bytes""#),
        (#"u'unicode'"#, #""unicode""#),
        (#"f'x'"#, #""f'x'""#),
        (#"[1, 2, 3]"#, #"[1,2,3]"#),
        (#"[1, 2,]"#, #"[1,2]"#),
        (#"(1, 2)"#, #"[1,2]"#),
        (#"(1,)"#, #"[1]"#),
        (#"()"#, #"[]"#),
        (#"1, 2"#, #"[1,2]"#),
        (#"{'a': 1, 'b': [True, None]}"#, #"{"a":1,"b":[true,null]}"#),
        (#"{1: 2}"#, #"{"1":2}"#),
        (#"{}"#, #"{}"#),
        (#"{'x', 'y'}"#, #"["x","y"]"#),
        (#"-(1)"#, #"-1"#),
        (#"--1"#, #""--1""#),
        (#"-True"#, #""-True""#),
        (#"10-5"#, #""10-5""#),
        (#"a b"#, #""a b""#),
        (#"blah # note"#, #""blah # note""#),
        (#"23 # note"#, #"23"#),
        (#"[1, 2] # list"#, #"[1,2]"#),
        (#"..."#, #""...""#),
        (#""#, #""""#),
        (#"   42"#, #"42"#),
        (#"'unterminated"#, #""'unterminated""#),
        (#"[1, 2"#, #""[1, 2""#),
        (#"web01"#, #""web01""#),
        (#"192.168.1.10"#, #""192.168.1.10""#),
        (#"1.2.3"#, #""1.2.3""#),
        (#"~/.ssh/id"#, #""~/.ssh/id""#),
        (#""a" + "b""#, #""\"a\" + \"b\"""#),
        (#"{'a': 1, 'a': 2}"#, #"{"a":2}"#),
        (#"'\q'"#, #""\\q""#),
        (#"0.1e+2"#, #"10.0"#),
        (#"1E5"#, #"100000.0"#),
        (#"0777"#, #""0777""#),
        (#"0_0"#, #"0"#),
        (#"0x_ff"#, #"255"#),
        (#"'''triple'''"#, #""triple""#),
        (#"['a', ('b', 'c')]"#, #"["a",["b","c"]]"#),
        // Complex numbers: Ansible keeps Python's text for them.
        (#"1j"#, #""1j""#),
        (#"0j"#, #""0j""#),
        (#"+1j"#, #""1j""#),
        (#"-1j"#, #""(-0-1j)""#),
        (#"-0j"#, #""(-0-0j)""#),
        (#"1+2j"#, #""(1+2j)""#),
        (#"1-0j"#, #""(1+0j)""#),
        (#"-2+3j"#, #""(-2+3j)""#),
        (#"2.5-1.5j"#, #""(2.5-1.5j)""#),
        (#"(1+2j)"#, #""(1+2j)""#),
        (#"1+(2j)"#, #""(1+2j)""#),
        (#"1.5j"#, #""1.5j""#),
        (#"01j"#, #""1j""#),
        (#"1_0j"#, #""10j""#),
        (#"1e20j"#, #""1e+20j""#),
        (#"1e16j"#, #""1e+16j""#),
        (#"1e15j"#, #""1000000000000000j""#),
        (#"12345678901234567j"#, #""1.2345678901234568e+16j""#),
        (#"0.0001j"#, #""0.0001j""#),
        (#"0.00001j"#, #""1e-05j""#),
        (#"1e400j"#, #""infj""#),
        (#"1j+1"#, #""1j+1""#),
        (#"1+-2j"#, #""1+-2j""#),
        (#"1+2j+3"#, #""1+2j+3""#),
        (#"-(1+2j)"#, #""-(1+2j)""#),
        (#"0x1j"#, #""0x1j""#),
        (#"-(-1)"#, #""-(-1)""#),
        // set(), the one call literal_eval reads; sets and tuples inside containers.
        (#"set()"#, #"[]"#),
        (#"set( )"#, #"[]"#),
        (#"set(x)"#, #""set(x)""#),
        (#"set([1])"#, #""set([1])""#),
        (#"{(1, 2)}"#, #"[[1,2]]"#),
        (#"{1j, 1j}"#, #"["1j"]"#),
        (#"{1, 1.0, True}"#, #"[1]"#),
        (#"{1: 'a', 1.0: 'b'}"#, #"{"1":"b"}"#),
        (#"[..., 1j, set(), {1, 2}, b'x']"#, #"["...","1j",[],[1,2],"x"]"#),
        (#"{'a': set(), 'b': (1j, ...)}"#, #"{"a":[],"b":["1j","..."]}"#),
    ]

    @Test("evaluated as Ansible evaluates it", arguments: Self.cases)
    func matchesAnsible(text: String, ansible: String) throws {
        let expected = try JSONNode.parse(ansible).value
        #expect((PythonLiteral.evaluate(text) ?? .string(text)) == expected)
    }

    @Test func integersAndFloatsStayDistinct() {
        #expect(PythonLiteral.evaluate("2") == .integer(2))
        #expect(PythonLiteral.evaluate("2.0") == .double(2))
    }

    @Test func unhashableSetElementsAreNoLiteral() {
        // Python raises TypeError (Ansible then refuses the inventory); converge keeps the text.
        #expect(PythonLiteral.evaluate("{[1]}") == nil)
        #expect(PythonLiteral.evaluate("{set()}") == nil)
    }
}
