import Foundation
import Inventory
import Yams

/// YAML read the way Ansible reads it: PyYAML's YAML 1.1 rules for untagged scalars
/// (`yes`/`no`/`on`/`off` are Booleans, `0755` is octal, `1e3` is a string, `08` is a
/// string), Ansible's `!vault` and `!unsafe` tags, and `<<` merge keys. Yams parses; the
/// typing is done here, because Yams' own rules are YAML 1.2's.
struct YAMLReader {
    /// The file as messages name it.
    let file: String
    let session: ImportSession

    /// The tag Yams gives a plain scalar that carries no tag, so it can be typed by
    /// PyYAML's rules rather than Yams' own.
    private static let plainTag = Tag.Name(rawValue: "tag:converge,2026:plain")
    private static let resolver: Resolver = (try? Resolver.basic.appending(plainTag, "^")) ?? .basic

    // MARK: Documents

    /// The document's root node; nil for an empty file (nothing but comments).
    func parse(_ text: String) throws(AnsibleImportError) -> Node? {
        do {
            return try Parser(yaml: text, resolver: Self.resolver, encoding: .utf8).singleRoot()
        } catch let error as YamlError {
            throw describe(error, in: text)
        } catch {
            throw AnsibleImportError(file, line: nil, "cannot parse the YAML: \(error)")
        }
    }

    private func describe(_ error: YamlError, in text: String) -> AnsibleImportError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return AnsibleImportError(file, line: mark.line, "malformed YAML: \(problem)\(detail)")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { text.prefix($0).filter(\.isNewline).count + 1 }
            return AnsibleImportError(file, line: line, "cannot read the YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map(quoted).joined(separator: ", ")
            return AnsibleImportError(
                file, line: context.mark.line,
                "the key \(keys) appears more than once in one mapping (Ansible would keep the last one with a warning); remove the duplicate")
        default:
            return AnsibleImportError(file, line: nil, "cannot parse the YAML: \(error)")
        }
    }

    // MARK: Mappings

    /// The line a node starts on.
    func line(of node: Node) -> Int? { node.mark?.line }

    /// The pairs of a mapping with `<<` merge keys applied as PyYAML applies them: merged
    /// pairs first (later merges after earlier), then the mapping's own pairs, so that a
    /// dict built in order lets the mapping's own keys win.
    func pairs(of node: Node) throws(AnsibleImportError) -> [(key: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { return [] }
        var merged: [(key: Node, value: Node)] = []
        var own: [(key: Node, value: Node)] = []
        for (key, value) in mapping {
            guard isMergeKey(key) else {
                own.append((key, value))
                continue
            }
            switch value {
            case .mapping:
                merged += try pairs(of: value)
            case .sequence(let sequence):
                for element in sequence {
                    guard case .mapping = element else {
                        throw AnsibleImportError(file, line: line(of: element), "a '<<' merge list may only hold mappings")
                    }
                    merged += try pairs(of: element)
                }
            default:
                throw AnsibleImportError(file, line: line(of: value), "a '<<' merge key needs a mapping or a list of mappings")
            }
        }
        return merged + own
    }

    private func isMergeKey(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.string == "<<" && node.tag.rawValue == Self.plainTag.rawValue
    }

    /// Whether the node is YAML null (`~`, `null`, an empty value).
    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        switch node.tag.rawValue {
        case Self.plainTag.rawValue: return Self.plainScalar(scalar.string) == .null
        case Tag.Name.null.rawValue: return true
        default: return false
        }
    }

    /// A mapping key as a string, as JSON writes Python dict keys (`1` → `"1"`,
    /// `true` → `"true"`). Lists, mappings and vault values cannot be keys.
    func keyText(_ node: Node) throws(AnsibleImportError) -> String {
        guard case .scalar = node else {
            throw AnsibleImportError(file, line: line(of: node), "a mapping key must be a scalar, not a list or a mapping")
        }
        let value = try self.value(node, scope: .all, path: [], allowVault: false)
        switch value {
        case .string(let text): return text
        case .null: return "null"
        default: return value.jsonText()
        }
    }

    /// A key that names a group or a host: it must be a string, as Ansible requires.
    func nameKey(_ node: Node, what: String) throws(AnsibleImportError) -> String {
        let value = try self.value(node, scope: .all, path: [], allowVault: false)
        guard case .string(let text) = value else {
            throw AnsibleImportError(
                file, line: line(of: node),
                "\(what) \(keyDescription(node)) must be a string; YAML reads it as \(value.jsonText()) (quote it)")
        }
        return text
    }

    private func keyDescription(_ node: Node) -> String {
        node.scalar.map { quoted($0.string) } ?? "key"
    }

    /// The vars of a mapping (a group's `vars:`, a host's entry, a vars file) in order,
    /// each defined at its key's line.
    func vars(of node: Node, scope: VarScope) throws(AnsibleImportError) -> VarTable {
        var table = VarTable()
        for (key, value) in try pairs(of: node) {
            let name = try keyText(key)
            let origin = SourceLine(file: file, line: line(of: key))
            table[name] = DefinedVar(value: try self.value(value, scope: scope, path: [name]), origin: origin, scope: scope)
        }
        return table
    }

    // MARK: Values

    /// The JSON value of a node. Vault-encrypted scalars (`!vault`, or text starting with
    /// `$ANSIBLE_VAULT;`) become `{"secretEnv": NAME}`, NAME after `scope` and `path`.
    func value(_ node: Node, scope: VarScope, path: [String], allowVault: Bool = true) throws(AnsibleImportError) -> JSONValue {
        let tag = node.tag.rawValue
        switch node {
        case .scalar(let scalar):
            return try scalarValue(scalar.string, tag: tag, at: node, scope: scope, path: path, allowVault: allowVault)
        case .mapping:
            switch tag {
            case Tag.Name.map.rawValue, "!unsafe":
                var object = JSONObject()
                for (key, member) in try pairs(of: node) {
                    let name = try keyText(key)
                    object[name] = try value(member, scope: scope, path: path + [name], allowVault: allowVault)
                }
                return .object(object)
            case Tag.Name.set.rawValue:
                var keys: [JSONValue] = []
                for (key, _) in try pairs(of: node) { keys.append(.string(try keyText(key))) }
                return .array(keys)
            default:
                throw unsupportedTag(tag, at: node)
            }
        case .sequence(let sequence):
            guard tag == Tag.Name.seq.rawValue || tag == "!unsafe" else { throw unsupportedTag(tag, at: node) }
            var elements: [JSONValue] = []
            for (index, element) in sequence.enumerated() {
                elements.append(try value(element, scope: scope, path: path + [String(index)], allowVault: allowVault))
            }
            return .array(elements)
        case .alias:
            // The parser resolves aliases to the nodes they name.
            throw AnsibleImportError(file, line: line(of: node), "unresolved YAML alias")
        }
    }

    private func scalarValue(
        _ text: String, tag: String, at node: Node, scope: VarScope, path: [String], allowVault: Bool
    ) throws(AnsibleImportError) -> JSONValue {
        func vault() throws(AnsibleImportError) -> JSONValue {
            guard allowVault else {
                throw AnsibleImportError(file, line: line(of: node), "a vault-encrypted value cannot be a key or a name")
            }
            let origin = SourceLine(file: file, line: line(of: node))
            return .secretEnvironment(session.vaultEnvironmentName(scope: scope, path: path, origin: origin))
        }
        switch tag {
        case Self.plainTag.rawValue, "!unsafe":
            // !unsafe only stops Ansible templating the value; it is typed like a plain scalar.
            switch Self.plainScalar(text) {
            case .value(let value):
                if case .string(let string) = value, isVaultCiphertext(string) { return try vault() }
                return value
            case .null: return .null
            case .notFinite:
                session.note(SourceLine(file: file, line: line(of: node)),
                             "\(quoted(text)) is a YAML float that JSON cannot hold; written as the string \(quoted(text))")
                return .string(text)
            }
        case Tag.Name.str.rawValue, Tag.Name.timestamp.rawValue:
            return isVaultCiphertext(text) ? try vault() : .string(text)
        case "!vault", "!vault-encrypted":
            return try vault()
        case Tag.Name.null.rawValue:
            return .null
        case Tag.Name.bool.rawValue:
            guard let value = Self.yaml11Bool(text) else { throw typeMismatch(text, "a Boolean", at: node) }
            return .bool(value)
        case Tag.Name.int.rawValue:
            guard let value = Self.yaml11Int(text) else { throw typeMismatch(text, "an integer", at: node) }
            return value
        case Tag.Name.float.rawValue:
            guard let value = Self.yaml11Float(text) ?? Self.yaml11Int(text)?.doubleValue.map(JSONValue.double) else {
                throw typeMismatch(text, "a float", at: node)
            }
            return value
        default:
            throw unsupportedTag(tag, at: node)
        }
    }

    private func typeMismatch(_ text: String, _ expected: String, at node: Node) -> AnsibleImportError {
        AnsibleImportError(file, line: line(of: node), "\(quoted(text)) is tagged as \(expected) but is not one")
    }

    private func unsupportedTag(_ tag: String, at node: Node) -> AnsibleImportError {
        AnsibleImportError(
            file, line: line(of: node),
            "the YAML tag \(quoted(tag)) is not supported here (supported: !vault, !unsafe and the standard !!str, !!int, !!float, !!bool, !!null, !!map, !!seq, !!set)")
    }

    // MARK: PyYAML's implicit types

    /// What an untagged plain scalar is under PyYAML's resolver.
    enum PlainScalar: Equatable {
        case value(JSONValue)
        case null
        /// `.inf`, `.nan` and the like.
        case notFinite
    }

    /// PyYAML's implicit resolution, in its order: bool, float, int, null; timestamps and
    /// everything else stay strings.
    static func plainScalar(_ text: String) -> PlainScalar {
        if let value = yaml11Bool(text), text.wholeMatch(of: #/yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF/#) != nil {
            return .value(.bool(value))
        }
        if text.wholeMatch(of: #/[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)/#) != nil {
            guard let value = yaml11Float(text), let number = value.doubleValue, number.isFinite else { return .notFinite }
            return .value(value)
        }
        if text.wholeMatch(of: #/[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+/#) != nil,
           let value = yaml11Int(text) {
            return .value(value)
        }
        if text.isEmpty || text.wholeMatch(of: #/~|null|Null|NULL/#) != nil {
            return .null
        }
        return .value(.string(text))
    }

    /// PyYAML's `construct_yaml_bool`.
    static func yaml11Bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "true", "on": true
        case "no", "false", "off": false
        default: nil
        }
    }

    /// PyYAML's `construct_yaml_int`: `_` ignored, `0b` binary, `0x` hex, a leading `0`
    /// octal, `:` base 60. Integers beyond `Int` become floats.
    static func yaml11Int(_ text: String) -> JSONValue? {
        var digits = text.replacingOccurrences(of: "_", with: "")
        var sign = 1
        if digits.hasPrefix("-") { sign = -1 }
        if digits.hasPrefix("-") || digits.hasPrefix("+") { digits.removeFirst() }
        guard !digits.isEmpty else { return nil }
        func integer(_ text: Substring, radix: Int) -> JSONValue? {
            guard !text.isEmpty else { return nil }
            if let value = Int(text, radix: radix) { return .integer(sign * value) }
            guard text.allSatisfy({ $0.isHexDigit }) else { return nil }
            let magnitude = text.reduce(0.0) { $0 * Double(radix) + Double(Int(String($1), radix: radix) ?? 0) }
            return .double(Double(sign) * magnitude)
        }
        if digits == "0" { return .integer(0) }
        if digits.hasPrefix("0b") { return integer(digits.dropFirst(2), radix: 2) }
        if digits.hasPrefix("0x") { return integer(digits.dropFirst(2), radix: 16) }
        if digits.hasPrefix("0") { return integer(digits.dropFirst(), radix: 8) }
        if digits.contains(":") {
            var value = 0
            for part in digits.split(separator: ":") {
                guard let number = Int(part) else { return nil }
                value = value * 60 + number
            }
            return .integer(sign * value)
        }
        return integer(Substring(digits), radix: 10)
    }

    /// PyYAML's `construct_yaml_float`: `_` ignored, `.inf`, `.nan`, `:` base 60.
    static func yaml11Float(_ text: String) -> JSONValue? {
        var digits = text.replacingOccurrences(of: "_", with: "").lowercased()
        var sign = 1.0
        if digits.hasPrefix("-") { sign = -1 }
        if digits.hasPrefix("-") || digits.hasPrefix("+") { digits.removeFirst() }
        if digits == ".inf" { return .double(sign * .infinity) }
        if digits == ".nan" { return .double(.nan) }
        if digits.contains(":") {
            var value = 0.0
            for part in digits.split(separator: ":") {
                guard let number = Double(part) else { return nil }
                value = value * 60 + number
            }
            return .double(sign * value)
        }
        if digits.hasPrefix(".") { digits = "0" + digits }
        digits = digits.replacingOccurrences(of: ".e", with: ".0e")
        if digits.hasSuffix(".") { digits += "0" }
        guard let value = Double(digits) else { return nil }
        return .double(sign * value)
    }
}
