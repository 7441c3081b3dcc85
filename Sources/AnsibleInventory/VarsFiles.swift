import Foundation

/// `group_vars/` and `host_vars/` beside the inventory, read as Ansible's `host_group_vars`
/// plugin reads them.
///
/// For a group or host NAME, the first of `NAME`, `NAME.yml`, `NAME.yaml` and `NAME.json`
/// that exists is read, and only that one; a directory is read whole: its files with no
/// extension or one of those three, in sorted order, recursing into subdirectories, skipping
/// hidden files and `~` backups. Later files win, key by key. Empty files count for nothing.
/// What Ansible would pass over (a shadowed `NAME.yml`, a file named after no group, a file
/// with another extension) is reported, as is a vault-encrypted file, which cannot be read.
struct VarsFiles {
    let sources: InventorySources
    let session: ImportSession

    static let extensions = ["yml", "yaml", "json"]

    /// Reads `group_vars/` and `host_vars/` into `model`.
    func apply(to model: inout InventoryModel) throws(AnsibleImportError) {
        for subdirectory in ["group_vars", "host_vars"] where exists(subdirectory) && !isDirectory(subdirectory) {
            session.note(SourceLine(file: sources.displayName(subdirectory), line: nil),
                         "not read, as Ansible does not read it: \(subdirectory) must be a directory")
        }
        let groupNames = model.groupOrder
        for group in groupNames {
            let scope: VarScope = group == InventoryModel.all ? .all : .group(group)
            model.setGroupFileVars(try vars(for: group, in: "group_vars", scope: scope), of: group)
        }
        for host in model.hostOrder {
            model.setHostFileVars(try vars(for: host, in: "host_vars", scope: .host(host)), of: host)
        }
        try reportUnread(in: "group_vars", known: Set(groupNames), kind: "group")
        try reportUnread(in: "host_vars", known: Set(model.hostOrder), kind: "host")
    }

    private func path(_ relative: String) -> String { sources.baseDirectory + "/" + relative }

    private func isDirectory(_ relative: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path(relative), isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path(relative))
    }

    /// The candidates Ansible tries for NAME, in its order.
    private func candidates(for name: String, in subdirectory: String) -> [String] {
        [subdirectory + "/" + name] + Self.extensions.map { "\(subdirectory)/\(name).\($0)" }
    }

    /// The vars files Ansible reads for `name`, relative to the base directory.
    private func files(for name: String, in subdirectory: String) throws(AnsibleImportError) -> [String] {
        guard isDirectory(subdirectory), !name.hasPrefix("/") else { return [] }
        guard let chosen = candidates(for: name, in: subdirectory).first(where: exists) else { return [] }
        return isDirectory(chosen) ? try filesInside(chosen) : [chosen]
    }

    private func filesInside(_ directory: String) throws(AnsibleImportError) -> [String] {
        var found: [String] = []
        for entry in try listDirectory(path(directory), displayName: sources.displayName(directory)) {
            guard !entry.hasPrefix("."), !entry.hasSuffix("~") else { continue }
            let relative = directory + "/" + entry
            let pathExtension = (entry as NSString).pathExtension
            if isDirectory(relative) {
                if pathExtension.isEmpty { found += try filesInside(relative) }
            } else if pathExtension.isEmpty || Self.extensions.contains(pathExtension) {
                found.append(relative)
            } else {
                session.note(SourceLine(file: sources.displayName(relative), line: nil),
                             "not read, as Ansible does not read it: vars files end in .yml, .yaml or .json or have no extension")
            }
        }
        return found
    }

    private func vars(for name: String, in subdirectory: String, scope: VarScope) throws(AnsibleImportError) -> VarTable {
        var table = VarTable()
        for relative in try files(for: name, in: subdirectory) {
            let displayName = sources.displayName(relative)
            let text = try readText(path(relative), displayName: displayName)
            if isVaultCiphertext(text) {
                session.note(SourceLine(file: displayName, line: 1),
                             "vault-encrypted file: converge cannot decrypt Ansible Vault, so the vars of \(scope) in it are NOT imported; list them with `ansible-vault view \(displayName)`, then pass each secret to converge as an environment variable ({\"secretEnv\": \"NAME\"} in the inventory's vars)")
                continue
            }
            let yaml = YAMLReader(file: displayName, session: session)
            guard let root = try yaml.parse(text), !yaml.isNull(root) else { continue }  // empty files count for nothing
            guard root.mapping != nil else {
                throw AnsibleImportError(displayName, line: yaml.line(of: root), "a vars file must hold a mapping of var names to values")
            }
            table.merge(try yaml.vars(of: root, scope: scope))
        }
        return table
    }

    /// Notes for entries of `subdirectory` Ansible never reads: shadowed by an earlier
    /// candidate, or named after no group or host of the inventory.
    private func reportUnread(in subdirectory: String, known: Set<String>, kind: String) throws(AnsibleImportError) {
        guard isDirectory(subdirectory) else { return }
        for entry in try listDirectory(path(subdirectory), displayName: sources.displayName(subdirectory)) {
            guard !entry.hasPrefix("."), !entry.hasSuffix("~") else { continue }
            let relative = subdirectory + "/" + entry
            let location = SourceLine(file: sources.displayName(relative), line: nil)
            let pathExtension = (entry as NSString).pathExtension
            let name = Self.extensions.contains(pathExtension) ? (entry as NSString).deletingPathExtension : entry
            if known.contains(name) {
                let chosen = candidates(for: name, in: subdirectory).first(where: exists)
                if chosen != relative, let chosen {
                    session.note(location, "not read, as Ansible does not read it: \(sources.displayName(chosen)) comes first for \(kind) \(quoted(name)) (Ansible reads only the first of \(name), \(name).yml, \(name).yaml, \(name).json)")
                }
            } else {
                session.note(location, "not read, as Ansible does not read it: the inventory has no \(kind) named \(quoted(name))")
            }
        }
    }
}
