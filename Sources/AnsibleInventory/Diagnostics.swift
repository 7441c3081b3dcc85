/// A place in an Ansible inventory: a file and, when the problem is on one line, that line.
///
/// Files are named as the user would find them: the path given to the importer joined
/// with the path inside it, such as `ansible/group_vars/web.yml`.
public struct SourceLine: Sendable, Hashable, CustomStringConvertible {
    /// The file, as the user named it (relative paths stay relative).
    public var file: String
    /// The 1-based line, or nil when the whole file is meant.
    public var line: Int?

    /// Creates a location.
    public init(file: String, line: Int?) {
        self.file = file
        self.line = line
    }

    /// `file:line`, or `file` alone when there is no line.
    public var description: String {
        line.map { "\(file):\($0)" } ?? file
    }

    /// Orders locations by file name, then line (a whole file before its lines), for
    /// listing notes in the order a reader walks the files.
    static func precedes(_ lhs: SourceLine, _ rhs: SourceLine) -> Bool {
        if lhs.file != rhs.file { return lhs.file.unicodeScalars.lexicographicallyPrecedes(rhs.file.unicodeScalars) }
        return (lhs.line ?? 0) < (rhs.line ?? 0)
    }
}

/// Something in the Ansible inventory that converge has no exact equivalent for, or that
/// the import changed in form: reported on stderr, never dropped silently.
///
/// Its description is `FILE:LINE: message`, for example
/// `ansible/group_vars/all/vault.yml:2: vault-encrypted value of "db_password" (all hosts): set the environment variable CONVERGE_VAULT_ALL_DB_PASSWORD to its decrypted value`.
public struct ImportNote: Sendable, Hashable, CustomStringConvertible {
    /// Where the reported thing is written.
    public var location: SourceLine
    /// What has no equivalent, and what the import did with it.
    public var message: String

    /// Creates a note.
    public init(location: SourceLine, message: String) {
        self.location = location
        self.message = message
    }

    /// `FILE:LINE: message`.
    public var description: String { "\(location): \(message)" }
}

/// Why an Ansible inventory cannot be imported: malformed INI or YAML, a bad host range,
/// a name converge does not allow, a dynamic inventory, or a file that cannot be read.
///
/// Its description is one line, `FILE:LINE: error: message`, in the form compilers use
/// so terminals and editors can jump to the spot.
public struct AnsibleImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var location: SourceLine
    /// What is wrong and, where there is one, what to do instead.
    public var message: String

    /// Creates an error.
    public init(location: SourceLine, message: String) {
        self.location = location
        self.message = message
    }

    /// Creates an error at `line` of `file`.
    init(_ file: String, line: Int?, _ message: String) {
        self.init(location: SourceLine(file: file, line: line), message: message)
    }

    /// `FILE:LINE: error: message`.
    public var description: String { "\(location): error: \(message)" }
}

/// Text in double quotes with `"` and `\` escaped, for names and values in messages.
func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

/// Python's order for strings (by code point), which Ansible sorts group names and
/// vars files with.
func codePointOrder(_ lhs: String, _ rhs: String) -> Bool {
    lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars)
}
