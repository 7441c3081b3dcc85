import Inventory

/// Turns the Ansible inventory model into converge's inventory document, so that every
/// host ends up with exactly the vars and connection settings Ansible would give it.
///
/// ## Layout
///
/// - The `all` group's vars become the top-level `vars`, its connection vars the top-level `ssh`.
/// - Every other group (in the order first mentioned) becomes a group with its vars and
///   `ssh`; `ungrouped` only when it has vars of its own.
/// - Each host lists every group it belongs to, directly or through `children`, in
///   Ansible's precedence order (depth, `ansible_group_priority`, name), which is the order
///   converge merges them in.
/// - Each level's vars are its inventory-file vars overridden by its `group_vars/` or
///   `host_vars/` files.
///
/// ## Exactness
///
/// Ansible ranks all `group_vars/` files above all group vars written in the inventory
/// files, whichever group they belong to; converge merges level by level. Where the two
/// orders disagree for a host, the value Ansible would give it is written into that host's
/// own vars (or `ssh` settings), with a note, so converge's merge gives every host what
/// Ansible gives it.
struct ConvergeInventoryBuilder {
    let model: InventoryModel
    let session: ImportSession
    let mapper: ConnectionVarMapper

    struct Output {
        var document: JSONValue
    }

    /// A definition that Ansible ranks differently from converge's merge, and the hosts it matters for.
    private struct Reordering {
        var hosts: [String]
        var message: (String) -> String
        var location: SourceLine
    }

    func build() throws(AnsibleImportError) -> Output {
        let depths = model.depths()
        let allGroup = model.groups[InventoryModel.all]!
        let fleetVars = allGroup.inventoryVars.merging(allGroup.fileVars)
        var levelVars: [String: VarTable] = [:]
        for name in model.groupOrder where name != InventoryModel.all {
            levelVars[name] = model.groups[name]!.inventoryVars.merging(model.groups[name]!.fileVars)
        }
        let writtenGroups = model.groupOrder.filter { name in
            name != InventoryModel.all && (name != InventoryModel.ungrouped || !levelVars[name]!.isEmpty)
        }
        try checkNames(groups: writtenGroups)

        reportTemplates(in: fleetVars)
        let fleetSettings = try mapper.settings(from: fleetVars, report: true)
        var groupSettings: [String: ConnectionSettings] = [:]
        for name in writtenGroups {
            reportTemplates(in: levelVars[name]!)
            groupSettings[name] = try mapper.settings(from: levelVars[name]!, report: true)
        }

        var reorderings: [String: Reordering] = [:]
        var reorderingOrder: [String] = []
        func record(_ key: String, host: String, at location: SourceLine, _ message: @escaping (String) -> String) {
            if reorderings[key] == nil {
                reorderings[key] = Reordering(hosts: [], message: message, location: location)
                reorderingOrder.append(key)
            }
            reorderings[key]!.hosts.append(host)
        }

        var hosts: [JSONValue] = []
        var outputVars: [JSONObject] = []
        for name in model.hostOrder {
            let host = model.hosts[name]!
            let precedence = model.precedenceOrderedGroups(of: name, depths: depths)
            let listedGroups = precedence.filter(writtenGroups.contains)
            var ownVars = host.inventoryVars.merging(host.fileVars)
            reportTemplates(in: ownVars)
            var ownSettings = try mapper.settings(from: ownVars, report: true)

            // What Ansible gives the host, and what converge's merge would give it.
            let ansibleVars = effectiveAnsibleVars(of: host, groups: precedence)
            var mergedVars = fleetVars
            for group in listedGroups { mergedVars.merge(levelVars[group]!) }
            mergedVars.merge(ownVars)
            for (varName, wanted) in ansibleVars.entries where !ConnectionVarMapper.isAnsibleVar(varName) {
                guard mergedVars[varName]?.value != wanted.value else { continue }
                ownVars[varName] = wanted
                let other = mergedVars[varName]?.origin.description ?? "a group"
                record("var \(varName) \(wanted.origin) \(other)", host: name, at: wanted.origin) { hosts in
                    "\(quoted(varName)) here outranks \(quoted(varName)) at \(other) for \(hosts): Ansible ranks group_vars/ files above every group var written in the inventory, which converge's group order cannot express; written into those hosts' own vars"
                }
            }

            let expected = try mapper.settings(from: ansibleVars, report: false)
            var mergedSettings = fleetSettings
            for group in listedGroups { mergedSettings.apply(groupSettings[group]!) }
            mergedSettings.apply(ownSettings)
            for difference in ownSettings.adopt(differencesFrom: expected, comparedWith: mergedSettings) {
                if let (origin, variable) = difference.expected {
                    let other = difference.actual.map { "\($0.variable) at \($0.origin)" } ?? "converge's default"
                    record("setting \(difference.setting) \(origin) \(other)", host: name, at: origin) { hosts in
                        "\(variable) here decides \(difference.setting) for \(hosts) in Ansible's precedence, over \(other); written into those hosts' own settings"
                    }
                } else if let (origin, variable) = difference.actual {
                    record("unset \(difference.setting) \(origin)", host: name, at: origin) { hosts in
                        "\(variable) here does not apply to \(hosts) in Ansible (a later definition is null), but converge cannot unset \(difference.setting) for one host, so it applies"
                    }
                }
            }

            var object = JSONObject()
            object["name"] = .string(name)
            object["address"] = .string(expected.address?.value ?? name)
            if let port = ownSettings.port { object["port"] = .integer(port.value) }
            if let user = ownSettings.user { object["user"] = .string(user.value) }
            if !listedGroups.isEmpty { object["groups"] = .array(listedGroups.map(JSONValue.string)) }
            let plainVars = Self.plainVars(ownVars)
            if !plainVars.isEmpty { object["vars"] = .object(plainVars) }
            var ssh = ownSettings.sshObject
            ssh["user"] = nil
            ssh["port"] = nil
            if !ssh.isEmpty { object["ssh"] = .object(ssh) }
            hosts.append(.object(object))
            outputVars.append(plainVars)
        }
        for key in reorderingOrder {
            let reordering = reorderings[key]!
            session.note(reordering.location, reordering.message(reordering.hosts.joined(separator: ", ")))
        }

        var root = JSONObject()
        let fleetSSH = fleetSettings.sshObject
        if !fleetSSH.isEmpty { root["ssh"] = .object(fleetSSH) }
        let fleetPlainVars = Self.plainVars(fleetVars)
        if !fleetPlainVars.isEmpty { root["vars"] = .object(fleetPlainVars) }
        if !writtenGroups.isEmpty {
            var groups = JSONObject()
            for name in writtenGroups {
                var group = JSONObject()
                let vars = Self.plainVars(levelVars[name]!)
                if !vars.isEmpty { group["vars"] = .object(vars) }
                let ssh = groupSettings[name]!.sshObject
                if !ssh.isEmpty { group["ssh"] = .object(ssh) }
                groups[name] = .object(group)
                outputVars.append(vars)
            }
            root["groups"] = .object(groups)
        }
        root["hosts"] = .array(hosts)
        reportVaultValues(in: [fleetPlainVars] + outputVars)
        return Output(document: .object(root))
    }

    /// Ansible's precedence for one host's vars, lowest first: the `all` group and then
    /// the host's groups as written in the inventory files, `group_vars/all`, the groups'
    /// `group_vars/` files, the host's inventory vars, its `host_vars/` files.
    private func effectiveAnsibleVars(of host: InventoryModel.Host, groups: [String]) -> VarTable {
        let allGroup = model.groups[InventoryModel.all]!
        var vars = allGroup.inventoryVars
        for group in groups { vars.merge(model.groups[group]!.inventoryVars) }
        vars.merge(allGroup.fileVars)
        for group in groups { vars.merge(model.groups[group]!.fileVars) }
        vars.merge(host.inventoryVars)
        vars.merge(host.fileVars)
        return vars
    }

    /// The vars converge carries: everything but Ansible's own `ansible_*` vars.
    private static func plainVars(_ vars: VarTable) -> JSONObject {
        JSONObject(vars.entries.filter { !ConnectionVarMapper.isAnsibleVar($0.name) }.map { ($0.name, $0.definition.value) })
    }

    // MARK: Notes

    private func reportTemplates(in vars: VarTable) {
        for (name, definition) in vars.entries where !ConnectionVarMapper.isAnsibleVar(name) && Self.containsTemplate(definition.value) {
            session.note(definition.origin, "\(quoted(name)) (\(definition.scope)) is a Jinja2 template: converge vars are plain values, so it is written as text; compute the value in the playbook instead")
        }
    }

    private static func containsTemplate(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.contains("{{") || text.contains("{%")
        case .array(let elements): elements.contains(where: containsTemplate)
        case .object(let object): object.contains { containsTemplate($0.value) }
        default: false
        }
    }

    /// One note per vault value the output refers to, at the line that holds the ciphertext.
    private func reportVaultValues(in objects: [JSONObject]) {
        var reported: Set<String> = []
        func visit(_ value: JSONValue) {
            if let name = value.secretEnvironmentName, let vault = session.vaultValues[name] {
                guard reported.insert(name).inserted else { return }
                session.note(vault.origin, "vault-encrypted value of \(quoted(vault.path.joined(separator: "."))) (\(vault.scope)): set the environment variable \(name) to its decrypted value; the var holds {\"secretEnv\": \"\(name)\"}")
                return
            }
            switch value {
            case .array(let elements): elements.forEach(visit)
            case .object(let object): object.forEach { visit($0.value) }
            default: break
            }
        }
        for object in objects { visit(.object(object)) }
    }

    // MARK: Names

    /// converge's rule for host and group names, and distinct host and group names.
    private func checkNames(groups: [String]) throws(AnsibleImportError) {
        for name in groups {
            if let problem = Self.nameProblem(name) {
                throw AnsibleImportError(location: model.groups[name]!.declaration, message: "group name \(quoted(name)) \(problem)")
            }
        }
        let groupNames = Set(groups)
        for name in model.hostOrder {
            let host = model.hosts[name]!
            if let problem = Self.nameProblem(name) {
                throw AnsibleImportError(location: host.declaration, message: "host name \(quoted(name)) \(problem)")
            }
            if groupNames.contains(name) {
                throw AnsibleImportError(
                    location: host.declaration,
                    message: "host \(quoted(name)) has the name of a group (declared at \(model.groups[name]!.declaration)); converge selects hosts and groups by name, so they must differ: rename one in the Ansible inventory")
            }
        }
    }

    private static func nameProblem(_ name: String) -> String? {
        let valid = !name.isEmpty && !name.hasPrefix("-") && name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "_" || scalar == "."
        }
        return valid ? nil : "is not valid in converge: names use letters, digits, '-', '_' and '.', and do not start with '-'; rename it in the Ansible inventory"
    }
}
