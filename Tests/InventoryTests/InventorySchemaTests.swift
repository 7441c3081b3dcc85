import Testing
import Inventory

/// Each case is an inventory and the exact one-line error it must produce.
@Suite("Inventory schema errors")
struct InventorySchemaTests {
    @Test("top level", arguments: [
        ("[]", "inventory/prod.json:1:1: expected an object at the top level, found an array"),
        ("{}", #"inventory/prod.json:1:1: missing required key "hosts""#),
        (#"{"hosts": {}}"#, "inventory/prod.json:1:11: hosts: expected an array of hosts, found an object"),
        (#"{"host": []}"#, #"inventory/prod.json:1:2: unknown key "host" (did you mean "hosts"?); allowed keys: secrets, ssh, vars, groups, hosts"#),
        (#"{"vars": [], "hosts": []}"#, "inventory/prod.json:1:10: vars: expected an object of vars, found an array"),
        (#"{"ssh": "root", "hosts": []}"#, "inventory/prod.json:1:9: ssh: expected an object of SSH settings, found a string"),
        (#"{"hosts": [42]}"#, "inventory/prod.json:1:12: hosts[0]: expected a host object, found 42"),
        (#"{"hosts": [null]}"#, "inventory/prod.json:1:12: hosts[0]: expected a host object, found null"),
    ])
    func topLevel(json: String, expected: String) {
        #expect(inventoryError(json)?.description == expected)
    }

    @Test("hosts", arguments: [
        (#"{"hosts": [{"name": "web1", "adress": "10.0.0.5"}]}"#,
         #"inventory/prod.json:1:29: hosts[0]: unknown key "adress" (did you mean "address"?); allowed keys: name, address, port, user, groups, roles, vars, ssh"#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "colour": "red"}]}"#,
         #"inventory/prod.json:1:52: hosts[0]: unknown key "colour"; allowed keys: name, address, port, user, groups, roles, vars, ssh"#),
        (#"{"hosts": [{"address": "10.0.0.5"}]}"#,
         #"inventory/prod.json:1:12: hosts[0]: missing required key "name""#),
        (#"{"hosts": [{"name": "", "address": "10.0.0.5"}]}"#,
         "inventory/prod.json:1:21: hosts[0].name: expected a non-empty host name"),
        (#"{"hosts": [{"name": "web 1", "address": "10.0.0.5"}]}"#,
         #"inventory/prod.json:1:21: hosts[0].name: invalid host name "web 1": use letters, digits, '-', '_' and '.', not starting with '-'"#),
        (#"{"hosts": [{"name": "-web1", "address": "10.0.0.5"}]}"#,
         #"inventory/prod.json:1:21: hosts[0].name: invalid host name "-web1": use letters, digits, '-', '_' and '.', not starting with '-'"#),
        (#"{"hosts": [{"name": 5, "address": "10.0.0.5"}]}"#,
         "inventory/prod.json:1:21: hosts[0].name: expected a host name, found 5"),
        (#"{"hosts": [{"name": "web1"}]}"#,
         #"inventory/prod.json:1:12: hosts[0]: host "web1" is missing the required key "address""#),
        (#"{"hosts": [{"name": "web1", "address": ""}]}"#,
         "inventory/prod.json:1:40: hosts[0].address: expected an IP address or DNS name, found an empty string"),
        (#"{"hosts": [{"name": "web1", "address": 10}]}"#,
         "inventory/prod.json:1:40: hosts[0].address: expected an IP address or DNS name, found 10"),
        (#"{"hosts": [{"name": "web1", "address": "root@10.0.0.5"}]}"#,
         #"inventory/prod.json:1:40: hosts[0].address: expected an IP address or DNS name, found "root@10.0.0.5" (set the login user with "user")"#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5:2222"}]}"#,
         #"inventory/prod.json:1:40: hosts[0].address: expected an IP address or DNS name, found "10.0.0.5:2222" (set the port with "port")"#),
        (#"{"hosts": [{"name": "web1", "address": "web 1.example.com"}]}"#,
         #"inventory/prod.json:1:40: hosts[0].address: expected an IP address or DNS name, found "web 1.example.com" (only letters, digits, '.', '-', '_', ':' and '%' can appear in one)"#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "port": "22"}]}"#,
         "inventory/prod.json:1:60: hosts[0].port: expected an integer from 1 to 65535, found a string"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "port": 0}]}"#,
         "inventory/prod.json:1:60: hosts[0].port: expected an integer from 1 to 65535, found 0"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "port": 70000}]}"#,
         "inventory/prod.json:1:60: hosts[0].port: expected an integer from 1 to 65535, found 70000"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "port": 22.5}]}"#,
         "inventory/prod.json:1:60: hosts[0].port: expected an integer from 1 to 65535, found 22.5"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "port": 2.2e1}]}"#,
         "inventory/prod.json:1:60: hosts[0].port: expected an integer from 1 to 65535, found 2.2e1"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "port": -1}]}"#,
         "inventory/prod.json:1:60: hosts[0].port: expected an integer from 1 to 65535, found -1"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "user": ""}]}"#,
         "inventory/prod.json:1:60: hosts[0].user: expected a non-empty user name, found an empty string"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "user": null}]}"#,
         "inventory/prod.json:1:60: hosts[0].user: expected a non-empty user name, found null"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "groups": "web"}]}"#,
         #"inventory/prod.json:1:62: hosts[0].groups: expected an array of group names, found a string (write ["web"])"#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "groups": [1]}]}"#,
         "inventory/prod.json:1:63: hosts[0].groups[0]: expected a group name, found 1"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "groups": ["web", "db", "web"]}]}"#,
         #"inventory/prod.json:1:76: hosts[0].groups[2]: group "web" is listed twice; first at line 1, column 63"#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "groups": ["web servers"]}]}"#,
         #"inventory/prod.json:1:63: hosts[0].groups[0]: invalid group name "web servers": use letters, digits, '-', '_' and '.', not starting with '-'"#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "roles": ["apache", ""]}]}"#,
         "inventory/prod.json:1:72: hosts[0].roles[1]: expected a non-empty role name"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "roles": ["apache", "apache"]}]}"#,
         #"inventory/prod.json:1:72: hosts[0].roles[1]: role "apache" is listed twice; first at line 1, column 62"#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "vars": []}]}"#,
         "inventory/prod.json:1:60: hosts[0].vars: expected an object of vars, found an array"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "ssh": []}]}"#,
         "inventory/prod.json:1:59: hosts[0].ssh: expected an object of SSH settings, found an array"),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "ssh": {"fingerprint": "SHA256:abc"}}]}"#,
         #"inventory/prod.json:1:75: hosts[0].ssh.fingerprint: expected "SHA256:" followed by 43 base64 characters without padding, as ssh-keygen -l prints, found "SHA256:abc""#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "ssh": {"fingerprint": "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}}]}"#,
         #"inventory/prod.json:1:75: hosts[0].ssh.fingerprint: expected "SHA256:" followed by 43 base64 characters without padding, as ssh-keygen -l prints, found "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=""#),
        (#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "ssh": {"fingerprint": 42}}]}"#,
         #"inventory/prod.json:1:75: hosts[0].ssh.fingerprint: expected "SHA256:" followed by 43 base64 characters without padding, as ssh-keygen -l prints, found 42"#),
    ])
    func hosts(json: String, expected: String) {
        #expect(inventoryError(json)?.description == expected)
    }

    @Test func duplicateHostNamesNameBothLocations() {
        let json = """
            {"hosts": [
              {"name": "web1", "address": "10.0.0.5"},
              {"name": "web1", "address": "10.0.0.6"}
            ]}
            """
        let error = inventoryError(json)
        #expect(error?.description
            == #"inventory/prod.json:3:12: hosts[1].name: duplicate host name "web1"; first defined at line 2, column 12 (hosts[0])"#)
        #expect(error?.relatedPosition == SourcePosition(offset: 23, line: 2, column: 12))
    }

    @Test func hostNameMayNotBeADeclaredGroupName() {
        let json = #"{"groups": {"web": {}}, "hosts": [{"name": "web", "address": "10.0.0.5"}]}"#
        let error = inventoryError(json)
        #expect(error?.description
            == #"inventory/prod.json:1:44: hosts[0].name: host name "web" is also the name of a group (declared at line 1, column 13); hosts and groups need distinct names so selectors are unambiguous"#)
        #expect(error?.relatedPosition?.column == 13)
    }

    @Test func hostNameMayNotBeAnImplicitGroupName() {
        let json = #"{"hosts": [{"name": "db", "address": "10.0.0.5"}, {"name": "web1", "address": "10.0.0.6", "groups": ["db"]}]}"#
        #expect(inventoryError(json)?.description
            == #"inventory/prod.json:1:21: hosts[0].name: host name "db" is also the name of a group; hosts and groups need distinct names so selectors are unambiguous"#)
    }

    @Test("ssh settings", arguments: [
        (#"{"ssh": {"identityfile": "id"}, "hosts": []}"#,
         #"inventory/prod.json:1:10: ssh: unknown key "identityfile" (did you mean "identityFile"?); allowed keys: user, port, identityFile, passphraseEnv, passwordEnv, agent, knownHosts, hostKeyPolicy, fingerprint, connectTimeout, sudo, sudoPasswordEnv"#),
        (#"{"ssh": {"user": ""}, "hosts": []}"#,
         "inventory/prod.json:1:18: ssh.user: expected a non-empty user name, found an empty string"),
        (#"{"ssh": {"port": "22"}, "hosts": []}"#,
         "inventory/prod.json:1:18: ssh.port: expected an integer from 1 to 65535, found a string"),
        (#"{"ssh": {"identityFile": 5}, "hosts": []}"#,
         "inventory/prod.json:1:26: ssh.identityFile: expected a key file path or an array of them, found 5"),
        (#"{"ssh": {"identityFile": []}, "hosts": []}"#,
         "inventory/prod.json:1:26: ssh.identityFile: expected at least one key file path, found an empty array"),
        (#"{"ssh": {"identityFile": ["a", 1]}, "hosts": []}"#,
         "inventory/prod.json:1:32: ssh.identityFile[1]: expected a non-empty path, found 1"),
        (#"{"ssh": {"identityFile": ""}, "hosts": []}"#,
         "inventory/prod.json:1:26: ssh.identityFile: expected a non-empty path, found an empty string"),
        (#"{"ssh": {"identityFile": "~deploy/id"}, "hosts": []}"#,
         #"inventory/prod.json:1:26: ssh.identityFile: expected a path that is absolute, relative to the inventory's directory or starts with "~/", found "~deploy/id" ("~user" paths are not supported)"#),
        (#"{"ssh": {"knownHosts": false}, "hosts": []}"#,
         "inventory/prod.json:1:24: ssh.knownHosts: expected a non-empty path, found false"),
        (#"{"ssh": {"passphraseEnv": "hunter2!"}, "hosts": []}"#,
         "inventory/prod.json:1:27: ssh.passphraseEnv: expected the name of an environment variable (letters, digits and '_', not starting with a digit); this key names the variable that holds the secret, not the secret itself"),
        (#"{"ssh": {"passwordEnv": 1234}, "hosts": []}"#,
         "inventory/prod.json:1:25: ssh.passwordEnv: expected the name of an environment variable (letters, digits and '_', not starting with a digit), found a number"),
        (#"{"ssh": {"sudoPasswordEnv": "9LIVES"}, "hosts": []}"#,
         "inventory/prod.json:1:29: ssh.sudoPasswordEnv: expected the name of an environment variable (letters, digits and '_', not starting with a digit); this key names the variable that holds the secret, not the secret itself"),
        (#"{"ssh": {"agent": "yes"}, "hosts": []}"#,
         "inventory/prod.json:1:19: ssh.agent: expected true or false, found a string"),
        (#"{"ssh": {"sudo": 1}, "hosts": []}"#,
         "inventory/prod.json:1:18: ssh.sudo: expected true or false, found 1"),
        (#"{"ssh": {"hostKeyPolicy": "accept_new"}, "hosts": []}"#,
         #"inventory/prod.json:1:27: ssh.hostKeyPolicy: expected "strict" or "accept-new", found "accept_new" (did you mean "accept-new"?)"#),
        (#"{"ssh": {"hostKeyPolicy": "yes"}, "hosts": []}"#,
         #"inventory/prod.json:1:27: ssh.hostKeyPolicy: expected "strict" or "accept-new", found "yes""#),
        (#"{"ssh": {"hostKeyPolicy": true}, "hosts": []}"#,
         #"inventory/prod.json:1:27: ssh.hostKeyPolicy: expected "strict" or "accept-new", found true"#),
        (#"{"ssh": {"fingerprint": "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}, "hosts": []}"#,
         #"inventory/prod.json:1:10: ssh: "fingerprint" pins one host's key, so it is only allowed in a host's "ssh" object"#),
        (#"{"groups": {"web": {"ssh": {"fingerprint": "x"}}}, "hosts": []}"#,
         #"inventory/prod.json:1:29: groups.web.ssh: "fingerprint" pins one host's key, so it is only allowed in a host's "ssh" object"#),
        (#"{"ssh": {"connectTimeout": 0}, "hosts": []}"#,
         "inventory/prod.json:1:28: ssh.connectTimeout: expected a number of seconds greater than 0 and at most 3600, found 0"),
        (#"{"ssh": {"connectTimeout": -1.5}, "hosts": []}"#,
         "inventory/prod.json:1:28: ssh.connectTimeout: expected a number of seconds greater than 0 and at most 3600, found -1.5"),
        (#"{"ssh": {"connectTimeout": "10"}, "hosts": []}"#,
         "inventory/prod.json:1:28: ssh.connectTimeout: expected a number of seconds greater than 0 and at most 3600, found a string"),
        (#"{"ssh": {"connectTimeout": 3600.5}, "hosts": []}"#,
         "inventory/prod.json:1:28: ssh.connectTimeout: expected a number of seconds greater than 0 and at most 3600, found 3600.5"),
    ])
    func ssh(json: String, expected: String) {
        #expect(inventoryError(json)?.description == expected)
    }

    @Test func secretsAreNeverEchoed() {
        let error = inventoryError(#"{"hosts": [{"name": "web1", "address": "10.0.0.5", "ssh": {"passwordEnv": "hunter2!"}}]}"#)
        #expect(error?.path == "hosts[0].ssh.passwordEnv")
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test("groups", arguments: [
        (#"{"groups": [], "hosts": []}"#,
         "inventory/prod.json:1:12: groups: expected an object mapping group names to groups, found an array"),
        (#"{"groups": {"web servers": {}}, "hosts": []}"#,
         #"inventory/prod.json:1:13: groups["web servers"]: invalid group name "web servers": use letters, digits, '-', '_' and '.', not starting with '-'"#),
        (#"{"groups": {"web": true}, "hosts": []}"#,
         "inventory/prod.json:1:20: groups.web: expected an object, found true"),
        (#"{"groups": {"web": {"hosts": ["web1"]}}, "hosts": []}"#,
         #"inventory/prod.json:1:21: groups.web: unknown key "hosts" (group members are listed in each host's "groups" array); allowed keys: vars, roles, ssh"#),
        (#"{"groups": {"web": {"children": ["db"]}}, "hosts": []}"#,
         #"inventory/prod.json:1:21: groups.web: unknown key "children" (nested groups are not supported; list every group in the host's "groups" array); allowed keys: vars, roles, ssh"#),
        (#"{"groups": {"web": {"role": ["apache"]}}, "hosts": []}"#,
         #"inventory/prod.json:1:21: groups.web: unknown key "role" (did you mean "roles"?); allowed keys: vars, roles, ssh"#),
        (#"{"groups": {"web": {"roles": "apache"}}, "hosts": []}"#,
         #"inventory/prod.json:1:30: groups.web.roles: expected an array of role names, found a string (write ["apache"])"#),
        (#"{"groups": {"web": {"vars": 1}}, "hosts": []}"#,
         "inventory/prod.json:1:29: groups.web.vars: expected an object of vars, found 1"),
        (#"{"groups": {"web.eu": {"vars": 1}}, "hosts": []}"#,
         #"inventory/prod.json:1:32: groups["web.eu"].vars: expected an object of vars, found 1"#),
        (#"{"groups": {"web": {"ssh": {"port": 0}}}, "hosts": []}"#,
         "inventory/prod.json:1:37: groups.web.ssh.port: expected an integer from 1 to 65535, found 0"),
    ])
    func groups(json: String, expected: String) {
        #expect(inventoryError(json)?.description == expected)
    }

    @Test func errorFieldsAreExposed() {
        let json = """
            {
              "hosts": [
                {"name": "web1", "address": "10.0.0.5"},
                {"name": "web2", "address": "10.0.0.6"},
                {"name": "web3", "address": "10.0.0.7",
                 "port": "2222"}
              ]
            }
            """
        let error = inventoryError(json)
        #expect(error?.file == "inventory/prod.json")
        #expect(error?.line == 6)
        #expect(error?.column == 14)
        #expect(error?.path == "hosts[2].port")
        #expect(error?.message == "expected an integer from 1 to 65535, found a string")
        #expect(error?.description == "inventory/prod.json:6:14: hosts[2].port: expected an integer from 1 to 65535, found a string")
        #expect(error?.errorDescription == error?.description)
    }

    @Test func syntaxErrorsCarryTheFileName() {
        let json = """
            {
              "a": 1,
              "b": 2,
              "port": 22 ]
            """
        let error = inventoryError(json)
        #expect(error?.description == "inventory/prod.json:4:14: expected ',' or '}' after an object member, found ']'")
        #expect(error?.path == "")
    }

    @Test func duplicateKeysCarryTheFileNameAndBothPositions() {
        let error = inventoryError("{\"hosts\": [],\n \"hosts\": []}")
        #expect(error?.description == #"inventory/prod.json:2:2: duplicate key "hosts"; first defined at line 1, column 2"#)
        #expect(error?.relatedPosition == SourcePosition(offset: 1, line: 1, column: 2))
    }
}
