import Foundation
import Testing

@testable import AnsibleInventory

/// Malformed inventories: each is one error line naming the file and line. The INI and
/// YAML ones are refused by Ansible too; the rest are names or values converge cannot take.
@Suite("Malformed Ansible inventories")
struct MalformedInputTests {
    static let cases: [(file: String, error: String)] = [
        ("range-unequal-width.ini", #"range-unequal-width.ini:3: error: host range in "web[01:5]" must specify equal-length begin and end formats"#),
        ("range-zero-step.ini", #"range-zero-step.ini:2: error: host range in "web[1:6:0].example.com" has an invalid step "0" (a positive integer)"#),
        ("range-empty.ini", #"range-empty.ini:2: error: host range "db[5:1]" yields no hosts (begin is after end?)"#),
        ("unclosed-quote.ini", #"unclosed-quote.ini:2: error: cannot parse the host line "web1 motd=\"hello": No closing quotation"#),
        ("section-with-space.ini", #"section-with-space.ini:2: error: invalid section "[web servers]": a section is [name], [name:children] or [name:vars], with no spaces and no ':' or ']' in the name"#),
        ("unknown-section-type.ini", #"unknown-section-type.ini:1: error: section [web:host] has an unknown type "host" (use [web], [web:children] or [web:vars])"#),
        ("undefined-child.ini", #"undefined-child.ini:3: error: section [prod:children] includes the undefined group "db" (declare it with [db] or [db:children])"#),
        ("vars-of-undefined-group.ini", #"vars-of-undefined-group.ini:4: error: section [db:vars] is not valid for the undefined group "db" (declare it with [db] or [db:children])"#),
        ("missing-equals.ini", #"missing-equals.ini:2: error: expected key=value after the host pattern, found "http_port""#),
        ("children-loop.ini", #"children-loop.ini:8: error: adding group "a" as a child of "c" creates a loop ("c" is already a descendant of "a")"#),
        ("invalid-host-name.ini", #"invalid-host-name.ini:3: error: host name "web@2" is not valid in converge: names use letters, digits, '-', '_' and '.', and do not start with '-'; rename it in the Ansible inventory"#),
        ("invalid-group-name.ini", #"invalid-group-name.ini:1: error: group name "web+db" is not valid in converge: names use letters, digits, '-', '_' and '.', and do not start with '-'; rename it in the Ansible inventory"#),
        ("host-named-like-group.ini", #"host-named-like-group.ini:5: error: host "web" has the name of a group (declared at host-named-like-group.ini:1); converge selects hosts and groups by name, so they must differ: rename one in the Ansible inventory"#),
        ("invalid-port.ini", #"invalid-port.ini:2: error: ansible_port of host "web1" must be a port from 1 to 65535, found "http""#),
        ("templated-address.ini", #"templated-address.ini:2: error: ansible_host of host "web1" is a Jinja2 template ("{{ lookup('env', 'WEB1') }}"), which converge cannot evaluate; write the value itself"#),
        ("encrypted.ini", "encrypted.ini:1: error: this inventory file is vault-encrypted; decrypt it first (`ansible-vault decrypt encrypted.ini`) and keep its secrets out of the decrypted copy"),
        ("bad-indentation.yml", "bad-indentation.yml:6: error: malformed YAML: did not find expected key (while parsing a block mapping at line 4)"),
        ("duplicate-key.yml", #"duplicate-key.yml:4: error: the key "http_port" appears more than once in one mapping (Ansible would keep the last one with a warning); remove the duplicate"#),
        ("aws_ec2.yml", #"aws_ec2.yml:2: error: this file configures the dynamic inventory plugin "amazon.aws.aws_ec2", which converge cannot run; run `ansible-inventory -i aws_ec2.yml --list --export -y > static.yml` and import static.yml"#),
        ("numeric-host.yml", #"numeric-host.yml:3: error: the host pattern "12345" must be a string; YAML reads it as 12345 (quote it)"#),
        ("hosts-as-list.yml", #"hosts-as-list.yml:5: error: "hosts" of group "web" must be a mapping, found a list"#),
        ("invalid-become.yml", #"invalid-become.yml:4: error: ansible_become of host "web1" must be a Boolean (true/false, yes/no, on/off, 1/0), found "maybe""#),
        ("empty.yml", "empty.yml: error: the YAML inventory is empty"),
        ("bad-vars-file", "bad-vars-file/group_vars/web.yml:2: error: a vars file must hold a mapping of var names to values"),
    ]

    @Test func everyFixtureHasACase() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: fixtures + "/malformed").sorted()
        #expect(files == Self.cases.map(\.file).sorted())
    }

    @Test("each is one error with file and line", arguments: Self.cases)
    func reportsFileAndLine(file: String, error: String) {
        #expect(conversionError(file) == error)
    }

    @Test func aDynamicInventoryScriptIsRefused() throws {
        let scratch = try ScratchInventory(["inventory/ec2.py": "#!/usr/bin/env python3\nprint('{}')\n"])
        chmod(scratch.path + "/inventory/ec2.py", 0o755)
        #expect(throws: AnsibleImportError(
            location: SourceLine(file: scratch.path + "/inventory/ec2.py", line: 1),
            message: "this is a dynamic inventory script (executable, starts with #!), which converge cannot run; run `ansible-inventory -i \(scratch.path)/inventory/ec2.py --list --export -y > static.yml` and import static.yml"
        )) {
            try scratch.convert("inventory")
        }
    }

    @Test func aMissingPathSaysSo() {
        #expect(throws: AnsibleImportError(location: SourceLine(file: "/nonexistent/hosts", line: nil), message: "no such file or directory")) {
            try AnsibleImport.convert(inventoryAt: "/nonexistent/hosts")
        }
    }
}
