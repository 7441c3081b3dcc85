/// The JSON path of a value, for messages: `hosts[2].port`, `groups["web.eu"].vars`.
struct ValuePath: CustomStringConvertible {
    let description: String

    static let root = ValuePath(description: "")

    func key(_ key: String) -> ValuePath {
        // Keys that read unambiguously after a dot use one; others (with dots,
        // spaces, …) are quoted in brackets.
        let isPlain = (key.first.map { !$0.isNumber } ?? false) && key.utf8.allSatisfy { byte in
            isASCIILetterOrDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        if !isPlain { return ValuePath(description: description + "[" + quoted(key) + "]") }
        return ValuePath(description: description.isEmpty ? key : description + "." + key)
    }

    func index(_ index: Int) -> ValuePath {
        ValuePath(description: description + "[\(index)]")
    }
}

/// A host as written, before anything is inherited.
struct HostDeclaration {
    var name: String
    var nameNode: JSONNode
    var address: String
    var groups: [String]
    var roles: [String]
    var vars: JSONObject
    /// The host's `ssh` object with its `port` and `user` shorthands applied on top.
    var ssh: SSHOverrides
    var node: JSONNode
    var path: ValuePath
}

/// The inventory as written: validated, paths resolved, nothing merged yet.
struct InventoryDeclaration {
    var secretStore: String?
    var vars = JSONObject()
    var ssh = SSHOverrides()
    var groups: [Inventory.Group] = []
    var hosts: [HostDeclaration] = []
}

/// Turns the parsed tree into an ``InventoryDeclaration``, rejecting anything the
/// schema does not allow with the location and path of the offending value.
///
/// Checks run in a fixed order per object (unknown keys first, then required
/// keys, then each value), and the first failure is reported.
struct InventoryDecoder {
    let file: String
    let source: [UInt8]
    let baseDirectory: String
    let homeDirectory: String

    static let topLevelKeys = ["secrets", "ssh", "vars", "groups", "hosts"]
    static let hostKeys = ["name", "address", "port", "user", "groups", "roles", "vars", "ssh"]
    static let groupKeys = ["vars", "roles", "ssh"]
    static let sshKeys = [
        "user", "port", "identityFile", "passphraseEnv", "passwordEnv", "agent", "knownHosts",
        "hostKeyPolicy", "fingerprint", "connectTimeout", "sudo", "sudoPasswordEnv",
    ]
    /// Keys people bring from Ansible inventories, with what to do instead.
    static let groupHints = [
        "hosts": "group members are listed in each host's \"groups\" array",
        "children": "nested groups are not supported; list every group in the host's \"groups\" array",
    ]
    static let maximumConnectTimeout = 3600

    func decode(_ root: JSONNode) throws(InventoryError) -> InventoryDeclaration {
        let members = try self.members(
            of: root, at: .root, allowed: Self.topLevelKeys, expected: "an object at the top level")
        var declaration = InventoryDeclaration()
        if let member = members["secrets"] {
            declaration.secretStore = try self.path(member.value, at: ValuePath.root.key("secrets"))
        }
        if let member = members["ssh"] {
            declaration.ssh = try sshOverrides(member.value, at: ValuePath.root.key("ssh"), isHost: false)
        }
        if let member = members["vars"] {
            declaration.vars = try vars(member.value, at: ValuePath.root.key("vars"))
        }
        if let member = members["groups"] {
            declaration.groups = try groups(member.value, at: ValuePath.root.key("groups"))
        }
        guard let hostsMember = members["hosts"] else {
            throw error(at: root, .root, "missing required key \"hosts\"")
        }
        let hostsPath = ValuePath.root.key("hosts")
        guard case .array(let elements) = hostsMember.value.kind else {
            throw mismatch(hostsMember.value, hostsPath, expected: "an array of hosts")
        }
        var firstHostByName: [String: HostDeclaration] = [:]
        for (index, element) in elements.enumerated() {
            let host = try self.host(element, at: hostsPath.index(index))
            if let first = firstHostByName[host.name] {
                let firstPosition = first.nameNode.range.start
                throw error(
                    at: host.nameNode, host.path.key("name"),
                    "duplicate host name \(quoted(host.name)); first defined at line \(firstPosition.line), column \(firstPosition.column) (\(first.path))",
                    related: firstPosition)
            }
            firstHostByName[host.name] = host
            declaration.hosts.append(host)
        }
        // A selector names a host or a group; if one name could be both, no
        // selector could say which is meant.
        let declaredGroups = Dictionary(uniqueKeysWithValues: declaration.groups.map { ($0.name, $0) })
        let implicitGroups = Set(declaration.hosts.flatMap(\.groups))
        for host in declaration.hosts where declaredGroups[host.name] != nil || implicitGroups.contains(host.name) {
            var message = "host name \(quoted(host.name)) is also the name of a group"
            if let start = declaredGroups[host.name]?.declaration?.start {
                message += " (declared at line \(start.line), column \(start.column))"
            }
            throw error(
                at: host.nameNode, host.path.key("name"),
                message + "; hosts and groups need distinct names so selectors are unambiguous",
                related: declaredGroups[host.name]?.declaration?.start)
        }
        return declaration
    }

    // MARK: Objects of the schema

    private func groups(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> [Inventory.Group] {
        guard case .object(let members) = node.kind else {
            throw mismatch(node, path, expected: "an object mapping group names to groups")
        }
        var groups: [Inventory.Group] = []
        for member in members {
            let groupPath = path.key(member.key)
            if let problem = nameProblem(member.key, kind: "group") {
                throw InventoryError(
                    file: file, position: member.keyRange.start, path: groupPath.description, message: problem)
            }
            let fields = try self.members(
                of: member.value, at: groupPath, allowed: Self.groupKeys, hints: Self.groupHints)
            var ssh = SSHOverrides()
            if let field = fields["ssh"] {
                ssh = try sshOverrides(field.value, at: groupPath.key("ssh"), isHost: false)
            }
            groups.append(Inventory.Group(
                name: member.key,
                vars: try fields["vars"].map { field throws(InventoryError) in
                    try vars(field.value, at: groupPath.key("vars"))
                } ?? JSONObject(),
                roles: try names(fields["roles"]?.value, at: groupPath.key("roles"), kind: "role"),
                ssh: ssh,
                declaration: member.range))
        }
        return groups
    }

    private func host(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> HostDeclaration {
        let fields = try members(of: node, at: path, allowed: Self.hostKeys, expected: "a host object")
        guard let nameField = fields["name"] else {
            throw error(at: node, path, "missing required key \"name\"")
        }
        let name = try self.name(nameField.value, at: path.key("name"), kind: "host")
        guard let addressField = fields["address"] else {
            throw error(at: node, path, "host \(quoted(name)) is missing the required key \"address\"")
        }
        let address = try self.address(addressField.value, at: path.key("address"))
        var ssh = SSHOverrides()
        if let field = fields["ssh"] {
            ssh = try sshOverrides(field.value, at: path.key("ssh"), isHost: true)
        }
        // The shorthands are the most specific way to say it, so they win over
        // the host's own ssh object.
        if let field = fields["port"] {
            ssh.port = try port(field.value, at: path.key("port"))
        }
        if let field = fields["user"] {
            ssh.user = try user(field.value, at: path.key("user"))
        }
        return HostDeclaration(
            name: name,
            nameNode: nameField.value,
            address: address,
            groups: try names(fields["groups"]?.value, at: path.key("groups"), kind: "group"),
            roles: try names(fields["roles"]?.value, at: path.key("roles"), kind: "role"),
            vars: try fields["vars"].map { field throws(InventoryError) in
                try vars(field.value, at: path.key("vars"))
            } ?? JSONObject(),
            ssh: ssh,
            node: node,
            path: path)
    }

    private func sshOverrides(_ node: JSONNode, at path: ValuePath, isHost: Bool) throws(InventoryError) -> SSHOverrides {
        let fields = try members(of: node, at: path, allowed: Self.sshKeys, expected: "an object of SSH settings")
        var overrides = SSHOverrides()
        if let field = fields["user"] {
            overrides.user = try user(field.value, at: path.key("user"))
        }
        if let field = fields["port"] {
            overrides.port = try port(field.value, at: path.key("port"))
        }
        if let field = fields["identityFile"] {
            overrides.identityFiles = try identityFiles(field.value, at: path.key("identityFile"))
        }
        if let field = fields["passphraseEnv"] {
            overrides.passphraseEnvironmentVariable = try environmentVariable(field.value, at: path.key("passphraseEnv"))
        }
        if let field = fields["passwordEnv"] {
            overrides.passwordEnvironmentVariable = try environmentVariable(field.value, at: path.key("passwordEnv"))
        }
        if let field = fields["agent"] {
            overrides.usesAgent = try bool(field.value, at: path.key("agent"))
        }
        if let field = fields["knownHosts"] {
            overrides.knownHostsFile = try self.path(field.value, at: path.key("knownHosts"))
        }
        if let field = fields["hostKeyPolicy"] {
            overrides.hostKeyPolicy = try hostKeyPolicy(field.value, at: path.key("hostKeyPolicy"))
        }
        if let field = fields["fingerprint"] {
            guard isHost else {
                throw InventoryError(
                    file: file, position: field.keyRange.start, path: path.description,
                    message: "\"fingerprint\" pins one host's key, so it is only allowed in a host's \"ssh\" object")
            }
            overrides.fingerprint = try fingerprint(field.value, at: path.key("fingerprint"))
        }
        if let field = fields["connectTimeout"] {
            overrides.connectTimeout = try connectTimeout(field.value, at: path.key("connectTimeout"))
        }
        if let field = fields["sudo"] {
            overrides.usesSudo = try bool(field.value, at: path.key("sudo"))
        }
        if let field = fields["sudoPasswordEnv"] {
            overrides.sudoPasswordEnvironmentVariable = try environmentVariable(field.value, at: path.key("sudoPasswordEnv"))
        }
        return overrides
    }

    /// The members of an object, by key, after rejecting keys the schema does not
    /// know. (The parser already rejected duplicate keys.)
    private func members(
        of node: JSONNode, at path: ValuePath, allowed: [String], expected: String = "an object",
        hints: [String: String] = [:]
    ) throws(InventoryError) -> [String: JSONNode.Member] {
        guard case .object(let members) = node.kind else {
            throw mismatch(node, path, expected: expected)
        }
        var result: [String: JSONNode.Member] = [:]
        for member in members {
            guard allowed.contains(member.key) else {
                var message = "unknown key \(quoted(member.key))"
                if let hint = hints[member.key] {
                    message += " (\(hint))"
                } else if let suggestion = closestMatch(to: member.key, among: allowed) {
                    message += " (did you mean \(quoted(suggestion))?)"
                }
                message += "; allowed keys: " + allowed.joined(separator: ", ")
                throw InventoryError(
                    file: file, position: member.keyRange.start, path: path.description, message: message)
            }
            result[member.key] = member
        }
        return result
    }

    // MARK: Values

    private func vars(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> JSONObject {
        guard case .object = node.kind, let object = node.value.objectValue else {
            throw mismatch(node, path, expected: "an object of vars")
        }
        return object
    }

    /// Host, group and role names: they are typed as selectors on the command
    /// line and appear in output, so they are kept to one plain token.
    private func name(_ node: JSONNode, at path: ValuePath, kind: String) throws(InventoryError) -> String {
        guard case .string(let name) = node.kind else {
            throw mismatch(node, path, expected: "a \(kind) name")
        }
        if let problem = nameProblem(name, kind: kind) {
            throw error(at: node, path, problem)
        }
        return name
    }

    private func nameProblem(_ name: String, kind: String) -> String? {
        if name.isEmpty { return "expected a non-empty \(kind) name" }
        let valid = name.utf8.first != UInt8(ascii: "-") && name.utf8.allSatisfy { byte in
            isASCIILetterOrDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".")
        }
        if valid { return nil }
        return "invalid \(kind) name \(quoted(name)): use letters, digits, '-', '_' and '.', not starting with '-'"
    }

    /// A list of group or role names; a name listed twice is an error, since it
    /// is almost always a copy-and-paste slip.
    private func names(_ node: JSONNode?, at path: ValuePath, kind: String) throws(InventoryError) -> [String] {
        guard let node else { return [] }
        guard case .array(let elements) = node.kind else {
            var message = "expected an array of \(kind) names, found \(describe(node))"
            if case .string(let name) = node.kind { message += " (write [\(quoted(name))])" }
            throw error(at: node, path, message)
        }
        var names: [String] = []
        var firstPositions: [String: SourcePosition] = [:]
        for (index, element) in elements.enumerated() {
            let name = try self.name(element, at: path.index(index), kind: kind)
            if let first = firstPositions[name] {
                throw error(
                    at: element, path.index(index),
                    "\(kind) \(quoted(name)) is listed twice; first at line \(first.line), column \(first.column)",
                    related: first)
            }
            firstPositions[name] = element.range.start
            names.append(name)
        }
        return names
    }

    private func address(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> String {
        let expected = "an IP address or DNS name"
        guard case .string(let address) = node.kind, !address.isEmpty else {
            throw mismatch(node, path, expected: expected)
        }
        var message = "expected \(expected), found \(quoted(address))"
        if address.contains("@") {
            throw error(at: node, path, message + " (set the login user with \"user\")")
        }
        if address.filter({ $0 == ":" }).count == 1 {
            throw error(at: node, path, message + " (set the port with \"port\")")
        }
        // Letters, digits, '.', '-' and '_' for names and IPv4; ':' and '%' for
        // IPv6 addresses and their zone.
        let valid = address.utf8.allSatisfy { byte in
            isASCIILetterOrDigit(byte) || [UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
                                           UInt8(ascii: ":"), UInt8(ascii: "%")].contains(byte)
        }
        if !valid {
            message += " (only letters, digits, '.', '-', '_', ':' and '%' can appear in one)"
            throw error(at: node, path, message)
        }
        return address
    }

    private func port(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> Int {
        guard case .integer(let port) = node.kind, (1...65535).contains(port) else {
            throw mismatch(node, path, expected: "an integer from 1 to 65535")
        }
        return port
    }

    private func user(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> String {
        guard case .string(let user) = node.kind, !user.isEmpty else {
            throw mismatch(node, path, expected: "a non-empty user name")
        }
        return user
    }

    private func bool(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> Bool {
        guard case .bool(let value) = node.kind else {
            throw mismatch(node, path, expected: "true or false")
        }
        return value
    }

    private func identityFiles(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> [String] {
        switch node.kind {
        case .string:
            return [try self.path(node, at: path)]
        case .array(let elements):
            guard !elements.isEmpty else {
                throw error(at: node, path, "expected at least one key file path, found an empty array")
            }
            var paths: [String] = []
            for (index, element) in elements.enumerated() {
                paths.append(try self.path(element, at: path.index(index)))
            }
            return paths
        default:
            throw mismatch(node, path, expected: "a key file path or an array of them")
        }
    }

    /// A file path, made absolute: `~/…` against the home directory, a relative
    /// path against the inventory file's directory, so the inventory means the
    /// same thing whatever directory converge runs in.
    private func path(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> String {
        guard case .string(let text) = node.kind, !text.isEmpty else {
            throw mismatch(node, path, expected: "a non-empty path")
        }
        if text == "~" || text.hasPrefix("~/") {
            return normalizedPath(homeDirectory + "/" + text.dropFirst())
        }
        if text.hasPrefix("~") {
            throw error(
                at: node, path,
                "expected a path that is absolute, relative to the inventory's directory or starts with \"~/\", found \(quoted(text)) (\"~user\" paths are not supported)")
        }
        if text.hasPrefix("/") { return normalizedPath(text) }
        return normalizedPath(baseDirectory + "/" + text)
    }

    /// The name of an environment variable that holds a secret. The value is never
    /// echoed: if someone wrote the secret itself here, it must not reach a log.
    private func environmentVariable(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> String {
        let expected = "the name of an environment variable (letters, digits and '_', not starting with a digit)"
        guard case .string(let name) = node.kind else {
            throw error(at: node, path, "expected \(expected), found \(describe(node, revealingValues: false))")
        }
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[0])
            && bytes.allSatisfy { isASCIILetterOrDigit($0) || $0 == UInt8(ascii: "_") }
        guard valid else {
            throw error(
                at: node, path,
                "expected \(expected); this key names the variable that holds the secret, not the secret itself")
        }
        return name
    }

    private func hostKeyPolicy(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> HostKeyPolicy {
        let choices = HostKeyPolicy.allCases.map(\.rawValue)
        let expected = choices.map(quoted).joined(separator: " or ")
        guard case .string(let text) = node.kind else {
            throw mismatch(node, path, expected: expected)
        }
        guard let policy = HostKeyPolicy(rawValue: text) else {
            var message = "expected \(expected), found \(quoted(text))"
            if let suggestion = closestMatch(to: text, among: choices) {
                message += " (did you mean \(quoted(suggestion))?)"
            }
            throw error(at: node, path, message)
        }
        return policy
    }

    private func fingerprint(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> HostKeyFingerprint {
        let expected = "\"SHA256:\" followed by 43 base64 characters without padding, as ssh-keygen -l prints"
        guard case .string(let text) = node.kind else {
            throw mismatch(node, path, expected: expected)
        }
        guard let fingerprint = HostKeyFingerprint(text) else {
            throw error(at: node, path, "expected \(expected), found \(quoted(text))")
        }
        return fingerprint
    }

    private func connectTimeout(_ node: JSONNode, at path: ValuePath) throws(InventoryError) -> Duration {
        let limit = Self.maximumConnectTimeout
        let expected = "a number of seconds greater than 0 and at most \(limit)"
        switch node.kind {
        case .integer(let seconds) where seconds > 0 && seconds <= limit:
            return .seconds(seconds)
        case .double(let seconds) where seconds > 0 && seconds <= Double(limit):
            return .seconds(seconds)
        default:
            throw mismatch(node, path, expected: expected)
        }
    }

    // MARK: Errors

    /// "expected …, found …" at `node`.
    private func mismatch(_ node: JSONNode, _ path: ValuePath, expected: String) -> InventoryError {
        error(at: node, path, "expected \(expected), found \(describe(node))")
    }

    private func error(
        at node: JSONNode, _ path: ValuePath, _ message: String, related: SourcePosition? = nil
    ) -> InventoryError {
        InventoryError(
            file: file, position: node.range.start, path: path.description, message: message,
            relatedPosition: related)
    }

    /// What a value is, for "found …": its type, or for numbers and literals the
    /// text as written. Strings are not quoted here, since most callers expected
    /// another type; callers that expected a string quote it themselves.
    private func describe(_ node: JSONNode, revealingValues: Bool = true) -> String {
        switch node.kind {
        case .null: return "null"
        case .bool(let value): return revealingValues ? String(value) : "a Boolean"
        case .integer, .double:
            return revealingValues ? String(decoding: source[node.range.bytes], as: UTF8.self) : "a number"
        case .string(let value): return value.isEmpty ? "an empty string" : "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
}
