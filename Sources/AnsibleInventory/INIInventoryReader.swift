import Foundation
import Inventory

/// Reads an Ansible INI inventory the way Ansible's `ini` inventory plugin does.
///
/// - Lines are stripped; empty lines and lines starting with `#` or `;` are skipped.
/// - `[group]` lists hosts, `[group:children]` child groups, `[group:vars]` vars; lines
///   before the first section are hosts of `ungrouped`.
/// - A host line is split like a shell line (`shlex`, `#` starts a comment): a host
///   pattern (`web[01:03]`, `db-[a:c]`, `host:2222`) then `key=value` words.
/// - Every value, on host lines and in `:vars` sections, is read as a Python literal when
///   it is one (``PythonLiteral``); `[group:vars]` lines are not split, so everything after
///   the first `=` is the value, including any `# ...` (Ansible keeps it, and so does this).
/// - A child group must be declared as a section somewhere in the same file, and a
///   `[group:vars]` section needs the group declared, as Ansible requires.
struct INIInventoryReader {
    /// The file as messages name it.
    let file: String
    let session: ImportSession

    private enum SectionKind: String { case hosts, children, vars }

    /// A group named in a `:children` or `:vars` section before it is declared.
    private struct PendingDeclaration {
        var kind: SectionKind
        var line: Int
        var parents: [String] = []
    }

    func read(_ text: String, into model: inout InventoryModel) throws(AnsibleImportError) {
        var group = InventoryModel.ungrouped
        var kind = SectionKind.hosts
        var pending: [String: PendingDeclaration] = [:]
        var pendingOrder: [String] = []

        for (index, rawLine) in Self.lines(of: text).enumerated() {
            let lineNumber = index + 1
            let location = SourceLine(file: file, line: lineNumber)
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let first = line.first, first != "#", first != ";" else { continue }

            if let section = line.wholeMatch(of: #/\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?/#) {
                let name = String(section.1)
                let kindName = section.2.map(String.init) ?? "hosts"
                guard let sectionKind = SectionKind(rawValue: kindName) else {
                    throw AnsibleImportError(
                        location: location,
                        message: "section [\(name):\(kindName)] has an unknown type \(quoted(kindName)) (use [\(name)], [\(name):children] or [\(name):vars])")
                }
                if !model.hasGroup(name) {
                    // [group:vars] alone does not declare a group; check at the end that something did.
                    if sectionKind == .vars && pending[name] == nil {
                        pending[name] = PendingDeclaration(kind: .vars, line: lineNumber)
                        pendingOrder.append(name)
                    }
                    model.addGroup(name, at: location)
                }
                if let declaration = pending[name], sectionKind != .vars {
                    if declaration.kind == .children {
                        try addPendingChildren(of: name, pending: &pending, into: &model)
                    } else {
                        pending[name] = nil
                    }
                }
                group = name
                kind = sectionKind
                continue
            }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                throw AnsibleImportError(
                    location: location,
                    message: "invalid section \(quoted(line)): a section is [name], [name:children] or [name:vars], with no spaces and no ':' or ']' in the name")
            }

            switch kind {
            case .hosts:
                try readHostLine(line, in: group, at: location, into: &model)
            case .vars:
                guard let equals = line.firstIndex(of: "=") else {
                    throw AnsibleImportError(location: location, message: "expected key=value in [\(group):vars], found \(quoted(line))")
                }
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                let valueText = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                let value = PythonLiteral.evaluate(valueText)
                if value == nil, let comment = valueText.firstMatch(of: #/\s[#;].*/#) {
                    session.note(location, "the value of \(quoted(key)) in [\(group):vars] keeps \(quoted(String(comment.0.drop(while: \.isWhitespace)))) as text, as Ansible does: a :vars line has no end-of-line comments")
                }
                let scope: VarScope = group == InventoryModel.all ? .all : .group(group)
                try model.setGroupVar(key, definition(value ?? .string(valueText), key: key, scope: scope, at: location), of: group)
            case .children:
                guard let match = line.wholeMatch(of: #/([^:\]\s]+)\s*(?:#.*)?/#) else {
                    throw AnsibleImportError(location: location, message: "expected a group name in [\(group):children], found \(quoted(line))")
                }
                let child = String(match.1)
                if model.hasGroup(child) {
                    try model.addChild(child, to: group, at: location)
                } else if pending[child] != nil {
                    pending[child]!.parents.append(group)
                } else {
                    pending[child] = PendingDeclaration(kind: .children, line: lineNumber, parents: [group])
                    pendingOrder.append(child)
                }
            }
        }

        // Anything still pending was named but never declared; Ansible reports the first.
        for name in pendingOrder {
            guard let declaration = pending[name] else { continue }
            let location = SourceLine(file: file, line: declaration.line)
            switch declaration.kind {
            case .vars:
                throw AnsibleImportError(location: location, message: "section [\(name):vars] is not valid for the undefined group \(quoted(name)) (declare it with [\(name)] or [\(name):children])")
            default:
                throw AnsibleImportError(location: location, message: "section [\(declaration.parents.last!):children] includes the undefined group \(quoted(name)) (declare it with [\(name)] or [\(name):children])")
            }
        }
    }

    /// The lines of `text`, split at LF, CRLF and CR as Python's `splitlines` does.
    static func lines(of text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    private func addPendingChildren(
        of group: String, pending: inout [String: PendingDeclaration], into model: inout InventoryModel
    ) throws(AnsibleImportError) {
        guard let declaration = pending[group] else { return }
        for parent in declaration.parents {
            try model.addChild(group, to: parent, at: SourceLine(file: file, line: declaration.line))
            if pending[parent]?.kind == .children {
                try addPendingChildren(of: parent, pending: &pending, into: &model)
            }
        }
        pending[group] = nil
    }

    private func readHostLine(
        _ line: String, in group: String, at location: SourceLine, into model: inout InventoryModel
    ) throws(AnsibleImportError) {
        let words: [String]
        do {
            words = try ShellWords.split(line, comments: true)
        } catch {
            throw AnsibleImportError(location: location, message: "cannot parse the host line \(quoted(line)): \(error.message)")
        }
        guard let patternText = words.first else { return }
        if patternText == "---" {
            throw AnsibleImportError(location: location, message: "\"---\" is not a host: this looks like a YAML file; name it .yml or .yaml")
        }
        let pattern: HostPattern
        do {
            pattern = try HostPattern(patternText)
        } catch {
            throw AnsibleImportError(location: location, message: error.message)
        }
        if patternText.hasSuffix(":") && pattern.port == nil {
            throw AnsibleImportError(location: location, message: "invalid host pattern \(quoted(patternText)): a trailing ':' must be followed by a port")
        }
        var assignments: [(String, String)] = []
        for word in words.dropFirst() {
            guard let equals = word.firstIndex(of: "=") else {
                throw AnsibleImportError(location: location, message: "expected key=value after the host pattern, found \(quoted(word))")
            }
            assignments.append((String(word[..<equals]), String(word[word.index(after: equals)...])))
        }
        for host in pattern.names {
            model.addHost(host, to: group, at: location)
            if let port = pattern.port {
                model.setHostVar("ansible_port", DefinedVar(value: .integer(port), origin: location, scope: .host(host)), of: host)
            }
            for (key, valueText) in assignments {
                let value = PythonLiteral.evaluate(valueText) ?? .string(valueText)
                model.setHostVar(key, definition(value, key: key, scope: .host(host), at: location), of: host)
            }
        }
    }

    /// A var definition; vault ciphertext (`$ANSIBLE_VAULT;...`) becomes a secret reference.
    private func definition(_ value: JSONValue, key: String, scope: VarScope, at location: SourceLine) -> DefinedVar {
        DefinedVar(value: replacingVaultText(in: value, path: [key], scope: scope, at: location, session: session),
                   origin: location, scope: scope)
    }
}

/// `value` with every string that is Ansible Vault ciphertext (`$ANSIBLE_VAULT;...`)
/// replaced by `{"secretEnv": NAME}`, NAME named after the scope and the keys down to it.
func replacingVaultText(
    in value: JSONValue, path: [String], scope: VarScope, at location: SourceLine, session: ImportSession
) -> JSONValue {
    switch value {
    case .string(let text) where isVaultCiphertext(text):
        return .secretEnvironment(session.vaultEnvironmentName(scope: scope, path: path, origin: location))
    case .array(let elements):
        return .array(elements.enumerated().map { index, element in
            replacingVaultText(in: element, path: path + [String(index)], scope: scope, at: location, session: session)
        })
    case .object(let object):
        return .object(JSONObject(object.map { key, member in
            (key, replacingVaultText(in: member, path: path + [key], scope: scope, at: location, session: session))
        }))
    default:
        return value
    }
}

/// Whether `text` is Ansible Vault ciphertext.
func isVaultCiphertext(_ text: String) -> Bool {
    text.drop(while: { $0.isWhitespace }).hasPrefix("$ANSIBLE_VAULT;")
}
