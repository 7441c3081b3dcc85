import Inventory
import Yams

/// Reads an Ansible YAML inventory the way Ansible's `yaml` inventory plugin does:
///
/// ```yaml
/// all:
///   vars: { ntp_server: ntp.example.net }
///   children:
///     web:
///       hosts:
///         web[01:03]:
///         web04: { ansible_host: 192.0.2.24 }
///       vars: { http_port: 8080 }
/// ```
///
/// Top-level keys are groups; a group has `hosts` (patterns, each with its vars or
/// nothing), `children` (groups, recursively) and `vars`. What Ansible skips with a warning
/// (an unknown key in a group, a group that is not a mapping) is skipped here with a note;
/// what Ansible refuses is an error. A file with a `plugin:` key configures a dynamic
/// inventory plugin and is refused.
struct YAMLInventoryReader {
    let yaml: YAMLReader
    var file: String { yaml.file }

    func read(_ text: String, into model: inout InventoryModel) throws(AnsibleImportError) {
        guard let root = try yaml.parse(text) else {
            throw AnsibleImportError(file, line: nil, "the YAML inventory is empty")
        }
        guard case .mapping = root else {
            throw AnsibleImportError(
                file, line: yaml.line(of: root),
                "a YAML inventory is a mapping of group names (usually `all:`) to groups")
        }
        let pairs = try yaml.pairs(of: root)
        if let plugin = pairs.first(where: { $0.key.scalar?.string == "plugin" }), !yaml.isNull(plugin.value) {
            throw AnsibleImportError(
                file, line: yaml.line(of: plugin.key),
                "this file configures the dynamic inventory plugin \(quoted(plugin.value.scalar?.string ?? "?")), which converge cannot run; run `ansible-inventory -i \(file) --list --export -y > static.yml` and import static.yml")
        }
        for (key, value) in pairs {
            let name = try yaml.nameKey(key, what: "the group name")
            _ = try readGroup(name, value, at: SourceLine(file: file, line: yaml.line(of: key)), into: &model)
        }
    }

    /// Reads one group; returns its name, or nil when Ansible would skip it.
    private func readGroup(
        _ name: String, _ node: Node, at location: SourceLine, into model: inout InventoryModel
    ) throws(AnsibleImportError) -> String? {
        guard yaml.isNull(node) || node.mapping != nil else {
            yaml.session.note(location, "group \(quoted(name)) is not a mapping of hosts, children and vars: skipped, as Ansible skips it")
            return nil
        }
        model.addGroup(name, at: location)
        guard node.mapping != nil else { return name }
        let scope: VarScope = name == InventoryModel.all ? .all : .group(name)

        for (key, value) in try yaml.pairs(of: node) {
            let section = try yaml.keyText(key)
            let sectionLocation = SourceLine(file: file, line: yaml.line(of: key))
            guard ["hosts", "children", "vars"].contains(section) else {
                yaml.session.note(sectionLocation, "unexpected key \(quoted(section)) in group \(quoted(name)) is skipped, as Ansible skips it: a group has only hosts, children and vars")
                continue
            }
            if yaml.isNull(value) { continue }
            switch section {
            case "vars":
                for (varName, definition) in try entries(of: value, section: section, group: name, scope: scope) {
                    try model.setGroupVar(varName, definition, of: name)
                }
            case "children":
                for (childKey, childNode) in try sectionPairs(of: value, section: section, group: name) {
                    let childName = try yaml.nameKey(childKey, what: "the group name")
                    let childLocation = SourceLine(file: file, line: yaml.line(of: childKey))
                    if let child = try readGroup(childName, childNode ?? Node("", Tag(.null)), at: childLocation, into: &model) {
                        try model.addChild(child, to: name, at: childLocation)
                    }
                }
            default:  // hosts
                for (patternKey, hostNode) in try sectionPairs(of: value, section: section, group: name) {
                    try readHosts(patternKey, hostNode, in: name, into: &model)
                }
            }
        }
        return name
    }

    /// A section's entries. A single string stands for one entry with no value, as
    /// Ansible allows (`hosts: web01`); anything else must be a mapping.
    private func sectionPairs(
        of node: Node, section: String, group: String
    ) throws(AnsibleImportError) -> [(key: Node, value: Node?)] {
        if case .scalar = node, case .string = try yaml.value(node, scope: .all, path: [], allowVault: false) {
            return [(node, nil)]
        }
        guard node.mapping != nil else {
            throw AnsibleImportError(
                file, line: yaml.line(of: node),
                "\(quoted(section)) of group \(quoted(group)) must be a mapping, found \(kind(of: node))")
        }
        return try yaml.pairs(of: node).map { ($0.key, $0.value) }
    }

    private func entries(
        of node: Node, section: String, group: String, scope: VarScope
    ) throws(AnsibleImportError) -> [(String, DefinedVar)] {
        var table = VarTable()
        for (key, value) in try sectionPairs(of: node, section: section, group: group) {
            let name = try yaml.keyText(key)
            let origin = SourceLine(file: file, line: yaml.line(of: key))
            let converted = try value.map { node throws(AnsibleImportError) in
                try yaml.value(node, scope: scope, path: [name])
            } ?? .null
            table[name] = DefinedVar(value: converted, origin: origin, scope: scope)
        }
        return table.entries.map { ($0.name, $0.definition) }
    }

    private func readHosts(
        _ patternKey: Node, _ hostNode: Node?, in group: String, into model: inout InventoryModel
    ) throws(AnsibleImportError) {
        let location = SourceLine(file: file, line: yaml.line(of: patternKey))
        let patternText = try yaml.nameKey(patternKey, what: "the host pattern")
        let pattern: HostPattern
        do {
            pattern = try HostPattern(patternText)
        } catch {
            throw AnsibleImportError(location: location, message: error.message)
        }
        if let hostNode, !yaml.isNull(hostNode), hostNode.mapping == nil {
            throw AnsibleImportError(
                file, line: yaml.line(of: hostNode),
                "host \(quoted(patternText)) must map to its vars (a mapping) or to nothing, found \(kind(of: hostNode))")
        }
        for host in pattern.names {
            model.addHost(host, to: group, at: location)
            if let port = pattern.port {
                model.setHostVar("ansible_port", DefinedVar(value: .integer(port), origin: location, scope: .host(host)), of: host)
            }
            if let hostNode, hostNode.mapping != nil {
                for (name, definition) in try yaml.vars(of: hostNode, scope: .host(host)).entries {
                    model.setHostVar(name, definition, of: host)
                }
            }
        }
    }

    private func kind(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): "the scalar \(quoted(scalar.string))"
        case .sequence: "a list"
        case .mapping: "a mapping"
        case .alias: "an alias"
        }
    }
}
