import Testing

@testable import Resources

@Suite struct TypedVarsTests {
    struct BaseVars: Decodable, Equatable {
        var somaxconn: Int?
        var admins: [Admin]
        var ntpServers: [String]?

        struct Admin: Decodable, Equatable {
            var name: String
            var keys: [String]?
        }

        enum CodingKeys: String, CodingKey {
            case somaxconn, admins
            case ntpServers = "ntp_servers"
        }
    }

    func host(_ vars: VarValue) -> HostContext {
        var host = HostContext(name: "web1", vars: vars)
        host.inventoryFile = "inventory/prod.json"
        return host
    }

    @Test func decodesVarsOfTheRightTypes() throws {
        let vars = try host(["somaxconn": 8192, "admins": [["name": "alice", "keys": ["ssh-ed25519 AAAA"]]],
                             "ntp_servers": ["ntp1.example.net"], "other_role_var": true])
            .vars(as: BaseVars.self)
        #expect(vars == BaseVars(somaxconn: 8192, admins: [.init(name: "alice", keys: ["ssh-ed25519 AAAA"])],
                                 ntpServers: ["ntp1.example.net"]))
        // Optional vars may be left out.
        #expect(try host(["admins": []]).vars(as: BaseVars.self).somaxconn == nil)
    }

    @Test func aStringForAnIntegerIsAnErrorNamingFileHostAndVar() {
        #expect(throws: VarsError(inventoryFile: "inventory/prod.json", host: "web1", keyPath: "somaxconn",
                                  message: "expected an integer, found the string \"8192\"")) {
            try host(["somaxconn": "8192", "admins": []]).vars(as: BaseVars.self)
        }
        let error = VarsError(inventoryFile: "inventory/prod.json", host: "web1", keyPath: "somaxconn",
                              message: "expected an integer, found the string \"8192\"")
        #expect(error.description
            == "inventory/prod.json: host web1: var somaxconn: expected an integer, found the string \"8192\"")
    }

    @Test func aMissingRequiredVarIsNamed() {
        #expect(throws: VarsError(inventoryFile: "inventory/prod.json", host: "web1", keyPath: "admins",
                                  message: "required, and not set")) {
            try host(["somaxconn": 1024]).vars(as: BaseVars.self)
        }
    }

    @Test func nestedVarsAreNamedByTheirPath() {
        #expect(throws: VarsError(inventoryFile: "inventory/prod.json", host: "web1", keyPath: "admins[1].name",
                                  message: "expected a string, found the integer 7")) {
            try host(["admins": [["name": "alice"], ["name": 7]]]).vars(as: BaseVars.self)
        }
        #expect(throws: VarsError(inventoryFile: "inventory/prod.json", host: "web1", keyPath: "admins[0].name",
                                  message: "required, and not set")) {
            try host(["admins": [["keys": []]]]).vars(as: BaseVars.self)
        }
        #expect(throws: VarsError(inventoryFile: "inventory/prod.json", host: "web1", keyPath: "ntp_servers",
                                  message: "expected an array, found the string \"ntp1\"")) {
            try host(["admins": [], "ntp_servers": "ntp1"]).vars(as: BaseVars.self)
        }
    }

    @Test func aFractionForAnIntegerIsAnError() throws {
        let error = try #require(throws: VarsError.self) {
            try host(["somaxconn": 1.5, "admins": []]).vars(as: BaseVars.self)
        }
        #expect(error.keyPath == "somaxconn")
        #expect(error.message.hasPrefix("the number 1.5 does not fit"))
    }

    @Test func aRoleThatThrowsFailsItsResources() {
        let role = Role("base") { host in
            let vars = try host.vars(as: BaseVars.self)
            for admin in vars.admins { User(admin.name) }
        }
        #expect(throws: VarsError.self) { try role.resources(for: host(["admins": "alice"])) }
    }
}
