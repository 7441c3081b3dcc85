import Testing
import Inventory

@Suite("Host selection")
struct InventorySelectionTests {
    let fleet: Inventory

    init() throws {
        fleet = try inventory("""
            {
              "groups": {"web": {}, "db": {}, "empty": {}},
              "hosts": [
                {"name": "web1", "address": "10.0.0.1", "groups": ["web", "bookworm"]},
                {"name": "db1", "address": "10.0.0.2", "groups": ["db"]},
                {"name": "web2", "address": "10.0.0.3", "groups": ["web"]},
                {"name": "mail", "address": "10.0.0.4", "groups": ["bookworm"]}
              ]
            }
            """)
    }

    private func names(_ selectors: [String]) throws -> [String] {
        try fleet.hosts(matching: selectors).map(\.name)
    }

    @Test func noSelectorsSelectEveryHost() throws {
        #expect(try names([]) == ["web1", "db1", "web2", "mail"])
    }

    @Test func hostName() throws {
        #expect(try names(["web2"]) == ["web2"])
    }

    @Test func groupName() throws {
        #expect(try names(["web"]) == ["web1", "web2"])
    }

    @Test func implicitGroup() throws {
        #expect(try names(["bookworm"]) == ["web1", "mail"])
    }

    @Test func declaredGroupWithoutHostsSelectsNothing() throws {
        #expect(try names(["empty"]) == [])
    }

    @Test func resultIsInInventoryOrderWithoutDuplicates() throws {
        #expect(try names(["mail", "web", "web1", "bookworm", "db1"]) == ["web1", "db1", "web2", "mail"])
        #expect(try names(["web2", "web2"]) == ["web2"])
    }

    @Test func unknownSelectorSuggestsTheClosestName() {
        #expect(throws: InventoryError(
            file: "inventory/prod.json", position: nil, path: "",
            message: #"no host or group named "wbe" (did you mean "web"?)"#)
        ) {
            try fleet.hosts(matching: ["web1", "wbe"])
        }
    }

    @Test func everyUnknownSelectorIsListedOnce() {
        let error = #expect(throws: InventoryError.self) {
            try fleet.hosts(matching: ["db2", "web1", "zzz", "db2"])
        }
        #expect(error?.description
            == #"inventory/prod.json: no hosts or groups named "db2" (did you mean "db1"?), "zzz""#)
    }
}

@Suite("Suggestions")
struct SuggestionTests {
    @Test("typos in host keys", arguments: [
        ("adress", "address"),
        ("Address", "address"),
        ("grups", "groups"),
        ("rolse", "roles"),
        ("nmae", "name"),
    ])
    func hostKeyTypo(word: String, expected: String) {
        let error = inventoryError(#"{"hosts": [{"name": "h", "address": "h", "\#(word)": 1}]}"#)
        #expect(error?.message
            == #"unknown key "\#(word)" (did you mean "\#(expected)"?); allowed keys: name, address, port, user, groups, roles, vars, ssh"#)
    }

    @Test("typos in ssh keys", arguments: [
        ("prot", "port"),
        ("KnownHosts", "knownHosts"),
        ("identityFiles", "identityFile"),
        ("connectTimout", "connectTimeout"),
        ("hostkeypolicy", "hostKeyPolicy"),
        ("pasphraseEnv", "passphraseEnv"),
    ])
    func sshKeyTypo(word: String, expected: String) {
        let error = inventoryError(#"{"ssh": {"\#(word)": 1}, "hosts": []}"#)
        #expect(error?.message.hasPrefix(#"unknown key "\#(word)" (did you mean "\#(expected)"?); allowed keys: "#) == true)
    }

    @Test func distantWordsGetNoSuggestion() {
        let error = inventoryError(#"{"hosts": [{"name": "h", "address": "h", "hostname": "x"}]}"#)
        #expect(error?.message == "unknown key \"hostname\"; allowed keys: name, address, port, user, groups, roles, vars, ssh")
    }
}
