import Inventory

/// Whose var a definition is: the `all` group's (every host), a group's or a host's.
enum VarScope: Hashable, CustomStringConvertible {
    case all
    case group(String)
    case host(String)

    /// For messages: `all hosts`, `group "web"`, `host "web01"`.
    var description: String {
        switch self {
        case .all: "all hosts"
        case .group(let name): "group \(quoted(name))"
        case .host(let name): "host \(quoted(name))"
        }
    }

    /// The scope as part of an environment variable name: `ALL`, `WEB`, `DB_EU_1`.
    var environmentToken: String {
        switch self {
        case .all: "ALL"
        case .group(let name), .host(let name): environmentVariableToken(name)
        }
    }
}

/// `text` upper-cased with everything but ASCII letters and digits turned into `_`.
func environmentVariableToken(_ text: String) -> String {
    String(text.unicodeScalars.map { scalar -> Character in
        switch scalar {
        case "a"..."z": Character(String(scalar).uppercased())
        case "A"..."Z", "0"..."9": Character(scalar)
        default: "_"
        }
    })
}

/// One var as one place in the Ansible inventory defines it.
struct DefinedVar: Equatable {
    /// The value, converted to JSON. Vault-encrypted parts are already
    /// `{"secretEnv": NAME}` objects (see ``ImportSession/vaultEnvironmentName``).
    var value: JSONValue
    /// The line that defines it.
    var origin: SourceLine
    /// Whose var it is, which names the environment variables its secrets go to.
    var scope: VarScope
}

/// Vars by name in the order first defined, as a Python dict keeps them: setting a
/// defined name replaces its value in place. Merges are shallow, as Ansible's default
/// `hash_behaviour = replace` is.
struct VarTable: Equatable {
    private(set) var names: [String] = []
    private var definitions: [String: DefinedVar] = [:]

    var isEmpty: Bool { names.isEmpty }

    subscript(name: String) -> DefinedVar? {
        get { definitions[name] }
        set {
            if let newValue {
                if definitions.updateValue(newValue, forKey: name) == nil { names.append(name) }
            } else if definitions.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    /// Every var of `other` set on this table, later (`other`'s) values winning.
    mutating func merge(_ other: VarTable) {
        for name in other.names { self[name] = other[name] }
    }

    func merging(_ other: VarTable) -> VarTable {
        var result = self
        result.merge(other)
        return result
    }

    /// The vars in order with their definitions.
    var entries: [(name: String, definition: DefinedVar)] {
        names.map { ($0, definitions[$0]!) }
    }

    /// The values as a JSON object, in order.
    var jsonObject: JSONObject {
        JSONObject(names.map { ($0, definitions[$0]!.value) })
    }
}

/// What one import collects besides the inventory itself: the notes for stderr, and the
/// environment variables vault-encrypted values and passwords are sent to.
final class ImportSession {
    /// A vault-encrypted value, replaced in the output by `{"secretEnv": name}`.
    struct VaultValue {
        var environmentName: String
        var origin: SourceLine
        var scope: VarScope
        /// The var and, for a value inside a list or object, the keys down to it.
        var path: [String]
    }

    private(set) var notes: [ImportNote] = []
    private var noted: Set<ImportNote> = []
    private(set) var vaultValues: [String: VaultValue] = [:]
    private var namesByDefinition: [String: String] = [:]
    private var takenNames: Set<String> = []

    /// Records a note for stderr; the same note twice is kept once.
    func note(_ location: SourceLine, _ message: String) {
        let note = ImportNote(location: location, message: message)
        if noted.insert(note).inserted { notes.append(note) }
    }

    /// The notes, ordered by file and line; notes on the same line keep the order they were made in.
    var sortedNotes: [ImportNote] {
        notes.enumerated().sorted { lhs, rhs in
            if SourceLine.precedes(lhs.element.location, rhs.element.location) { return true }
            if SourceLine.precedes(rhs.element.location, lhs.element.location) { return false }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// The environment variable that takes the place of a vault-encrypted value:
    /// `CONVERGE_VAULT_<SCOPE>_<VAR>[_<KEY>...]`, upper-cased.
    func vaultEnvironmentName(scope: VarScope, path: [String], origin: SourceLine) -> String {
        let name = environmentName(
            base: (["CONVERGE_VAULT", scope.environmentToken] + path.map(environmentVariableToken)).joined(separator: "_"),
            definition: "vault \(scope) \(path) \(origin)")
        if vaultValues[name] == nil {
            vaultValues[name] = VaultValue(environmentName: name, origin: origin, scope: scope, path: path)
        }
        return name
    }

    /// The environment variable a plain-text password of `scope` is sent to:
    /// `CONVERGE_<SCOPE>_<PURPOSE>`, such as `CONVERGE_WEB_SUDO_PASSWORD`.
    func passwordEnvironmentName(scope: VarScope, purpose: String, origin: SourceLine) -> String {
        environmentName(base: "CONVERGE_\(scope.environmentToken)_\(purpose)",
                        definition: "password \(purpose) \(scope) \(origin)")
    }

    /// A unique, stable name: the same definition always gets the same name, and two
    /// definitions whose names would collide get `_2`, `_3`, ... in the order asked.
    private func environmentName(base: String, definition: String) -> String {
        if let name = namesByDefinition[definition] { return name }
        var name = base
        var suffix = 2
        while takenNames.contains(name) {
            name = "\(base)_\(suffix)"
            suffix += 1
        }
        takenNames.insert(name)
        namesByDefinition[definition] = name
        return name
    }
}

extension JSONValue {
    /// `{"secretEnv": name}`: how a secret is written into converge vars.
    static func secretEnvironment(_ name: String) -> JSONValue {
        .object(JSONObject([("secretEnv", .string(name))]))
    }

    /// The environment variable name if this is `{"secretEnv": name}` and nothing else.
    var secretEnvironmentName: String? {
        guard let object = objectValue, object.count == 1 else { return nil }
        return object["secretEnv"]?.stringValue
    }
}
