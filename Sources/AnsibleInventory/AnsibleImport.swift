import Foundation
import Inventory

/// Converts an Ansible inventory into a converge inventory: `converge import-ansible`.
///
/// ```swift
/// let conversion = try AnsibleImport.convert(inventoryAt: "ansible/", outputFile: "inventory/production.json")
/// conversion.notes.forEach { print($0) }          // what has no converge equivalent
/// try conversion.text.write(toFile: "inventory/production.json", atomically: true, encoding: .utf8)
/// ```
///
/// The input is an INI or YAML inventory file, or a directory of them (as `ansible -i DIR`
/// reads one), with `group_vars/` and `host_vars/` beside it. Every host gets exactly the
/// vars and connection settings Ansible would give it (see ``ConvergeInventoryBuilder``
/// for how precedence is kept), and the text passes converge's own inventory checks.
/// The conversion is deterministic: the same input gives byte-for-byte the same text.
public enum AnsibleImport {
    /// A converted inventory.
    public struct Conversion: Sendable {
        /// The converge inventory: pretty-printed JSON, 2-space indents, hosts and groups
        /// in the order the Ansible inventory first mentions them, ending in a newline.
        public let text: String
        /// What has no converge equivalent or was changed in form, ordered by file and line.
        public let notes: [ImportNote]
        /// `text` as converge's inventory loader reads it.
        public let inventory: Inventory
    }

    /// Reads the Ansible inventory at `path` and converts it.
    ///
    /// - Parameters:
    ///   - path: An INI or YAML inventory file, or a directory holding inventory files,
    ///     `group_vars/` and `host_vars/`. Messages name files starting with it.
    ///   - workingDirectory: What relative key file paths are resolved against (Ansible
    ///     resolves them against the directory it runs in). Default: the current directory.
    ///   - outputFile: Where the text will be written; it names the file in validation
    ///     errors and is where converge resolves relative paths from. Default: standard output.
    /// - Throws: ``AnsibleImportError`` for malformed INI or YAML, a bad host range, a name
    ///   converge does not allow, a dynamic inventory (script or plugin), an unreadable file.
    public static func convert(
        inventoryAt path: String, workingDirectory: String? = nil, outputFile: String? = nil
    ) throws(AnsibleImportError) -> Conversion {
        let workingDirectory = workingDirectory ?? FileManager.default.currentDirectoryPath
        let session = ImportSession()
        let sources = try InventorySources(path: path)
        var model = InventoryModel(root: SourceLine(file: path, line: nil))

        for source in sources.sources {
            let text = try readText(source.path, displayName: source.displayName)
            if isVaultCiphertext(text) {
                throw AnsibleImportError(
                    source.displayName, line: 1,
                    "this inventory file is vault-encrypted; decrypt it first (`ansible-vault decrypt \(source.displayName)`) and keep its secrets out of the decrypted copy")
            }
            let yaml = YAMLReader(file: source.displayName, session: session)
            switch source.format {
            case .ini:
                try INIInventoryReader(file: source.displayName, session: session).read(text, into: &model)
            case .yaml:
                try YAMLInventoryReader(yaml: yaml).read(text, into: &model)
            case .yamlOrINI:
                if case .mapping? = try? yaml.parse(text) {
                    try YAMLInventoryReader(yaml: yaml).read(text, into: &model)
                } else {
                    try INIInventoryReader(file: source.displayName, session: session).read(text, into: &model)
                }
            }
        }
        try VarsFiles(sources: sources, session: session).apply(to: &model)

        let builder = ConvergeInventoryBuilder(
            model: model, session: session,
            mapper: ConnectionVarMapper(session: session, workingDirectory: workingDirectory))
        let output = try builder.build()
        let text = output.document.jsonText(prettyPrinted: true) + "\n"

        // The result must pass the checks every converge command applies to an inventory.
        let outputName = outputFile ?? "<stdout>"
        let outputDirectory = outputFile.map { ($0 as NSString).deletingLastPathComponent }.flatMap { $0.isEmpty ? nil : $0 }
        let inventory: Inventory
        do {
            inventory = try Inventory.parse(text, file: outputName, baseDirectory: outputDirectory ?? workingDirectory)
        } catch {
            throw AnsibleImportError(
                location: SourceLine(file: outputName, line: error.line),
                message: "the converted inventory fails converge's inventory checks, which is a bug in the importer: \(error.description)")
        }
        return Conversion(text: text, notes: session.sortedNotes, inventory: inventory)
    }
}
