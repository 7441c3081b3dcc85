import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files an Ansible inventory path stands for, and where its `group_vars/` and
/// `host_vars/` live.
struct InventorySources {
    /// How one inventory file is read.
    enum Format {
        case ini
        case yaml
        /// No extension: YAML when it reads as a YAML mapping, else INI (Ansible tries its
        /// YAML plugin before its INI plugin on such files).
        case yamlOrINI
    }

    struct Source {
        /// Where the file is on disk.
        var path: String
        /// The file as messages name it.
        var displayName: String
        var format: Format
    }

    /// The inventory files, in the order Ansible reads them.
    var sources: [Source]
    /// The directory `group_vars/` and `host_vars/` are looked for in.
    var baseDirectory: String
    /// `baseDirectory` as messages name it ("" for the current directory).
    var displayDirectory: String

    /// Names Ansible never reads as inventory inside an inventory directory.
    static let ignoredNames: Set<String> = ["group_vars", "host_vars", "vars_plugins"]
    /// Ansible's `INVENTORY_IGNORE_EXTS`.
    static let ignoredSuffixes = [".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry"]

    /// The sources `path` names: a file, or a directory whose files (recursively, sorted,
    /// skipping hidden files, `group_vars/`, `host_vars/` and backup or documentation
    /// files) are all inventory sources, as `ansible -i DIRECTORY` reads them.
    init(path: String) throws(AnsibleImportError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AnsibleImportError(path, line: nil, "no such file or directory")
        }
        if isDirectory.boolValue {
            baseDirectory = path
            displayDirectory = Self.trimmingTrailingSlashes(path)
            sources = []
            try collect(directory: path, displayName: displayDirectory)
            if sources.isEmpty {
                throw AnsibleImportError(path, line: nil, "no inventory file in this directory")
            }
        } else {
            let directory = (path as NSString).deletingLastPathComponent
            baseDirectory = directory.isEmpty ? "." : directory
            displayDirectory = directory
            sources = [try Self.source(path: path, displayName: path)]
        }
    }

    /// `displayDirectory` joined with `relativePath`.
    func displayName(_ relativePath: String) -> String {
        displayDirectory.isEmpty ? relativePath : displayDirectory + "/" + relativePath
    }

    private mutating func collect(directory: String, displayName: String) throws(AnsibleImportError) {
        for name in try listDirectory(directory, displayName: displayName) {
            if name.hasPrefix(".") || Self.ignoredNames.contains(name) || Self.ignoredSuffixes.contains(where: name.hasSuffix) {
                continue
            }
            let path = directory + "/" + name
            let display = displayName + "/" + name
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try collect(directory: path, displayName: display)
            } else {
                sources.append(try Self.source(path: path, displayName: display))
            }
        }
    }

    private static func source(path: String, displayName: String) throws(AnsibleImportError) -> Source {
        if isExecutableScript(path) {
            throw AnsibleImportError(
                displayName, line: 1,
                "this is a dynamic inventory script (executable, starts with #!), which converge cannot run; run `ansible-inventory -i \(displayName) --list --export -y > static.yml` and import static.yml")
        }
        switch (path as NSString).pathExtension.lowercased() {
        case "yml", "yaml", "json": return Source(path: path, displayName: displayName, format: .yaml)
        case "": return Source(path: path, displayName: displayName, format: .yamlOrINI)
        case "toml":
            throw AnsibleImportError(
                displayName, line: nil,
                "TOML inventories are not supported; run `ansible-inventory -i \(displayName) --list --export -y > static.yml` and import static.yml")
        default: return Source(path: path, displayName: displayName, format: .ini)
        }
    }

    private static func isExecutableScript(_ path: String) -> Bool {
        guard access(path, X_OK) == 0, let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 2)) == Data("#!".utf8)
    }

    private static func trimmingTrailingSlashes(_ path: String) -> String {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }
}

/// The entries of a directory sorted by code point, as Python's `sorted(os.listdir())`.
func listDirectory(_ path: String, displayName: String) throws(AnsibleImportError) -> [String] {
    do {
        return try FileManager.default.contentsOfDirectory(atPath: path).sorted(by: codePointOrder)
    } catch {
        throw AnsibleImportError(displayName, line: nil, "cannot list the directory: \(systemReason(error))")
    }
}

/// The UTF-8 text of a file, or an error naming the system's reason.
func readText(_ path: String, displayName: String) throws(AnsibleImportError) -> String {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        throw AnsibleImportError(displayName, line: nil, "cannot read: \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count == 0 { break }
        if count < 0 {
            if errno == EINTR { continue }
            throw AnsibleImportError(displayName, line: nil, "cannot read: \(String(cString: strerror(errno)))")
        }
        bytes += buffer[0..<count]
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw AnsibleImportError(displayName, line: nil, "the file is not UTF-8 text")
    }
    return text
}

private func systemReason(_ error: any Error) -> String {
    if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
       underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    return error.localizedDescription
}
