import AnsibleInventory
import ArgumentParser
import Foundation
import Inventory

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `converge import-ansible`: an Ansible inventory converted into a converge inventory.
struct ImportAnsibleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-ansible",
        abstract: "Convert an Ansible inventory (INI or YAML, group_vars/, host_vars/) into a converge inventory.",
        discussion: """
            Hosts keep their groups (children flattened, in Ansible's precedence order) and get \
            exactly the vars Ansible would give them; ansible_host, ansible_port, ansible_user, \
            ansible_ssh_private_key_file and ansible_become become converge's address and ssh \
            settings. Passwords and vault-encrypted values are never copied: each becomes the name \
            of an environment variable to set. Whatever has no converge equivalent is listed on \
            stderr as FILE:LINE: message. The output passes converge's inventory checks and is the \
            same on every run. Exit status: 0 converted, 2 error (one line, FILE:LINE: error: ...).
            """
    )

    @Argument(help: ArgumentHelp(
        "An Ansible inventory file (INI or YAML), or a directory holding inventory files, group_vars/ and host_vars/.",
        valueName: "path"))
    var path: String

    @Option(help: ArgumentHelp("Write the converge inventory to this file (atomically) instead of stdout.", valueName: "file"))
    var out: String?

    func run() throws {
        let conversion: AnsibleImport.Conversion
        do {
            conversion = try AnsibleImport.convert(inventoryAt: path, outputFile: out)
        } catch {
            Self.printError(error.description)
            throw ExitCode(2)
        }
        for note in conversion.notes { Self.printError(note.description) }
        guard let out else {
            print(conversion.text, terminator: "")
            return
        }
        do {
            try Self.writeAtomically(conversion.text, to: out)
        } catch {
            Self.printError("\(out): error: cannot write the inventory: \(error)")
            throw ExitCode(2)
        }
        // What is on disk now is what every other command will read: check it as they do.
        do {
            _ = try Inventory.load(contentsOf: out)
        } catch {
            Self.printError("\(error.description) (the written inventory fails converge's checks)")
            throw ExitCode(2)
        }
        func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        let inventory = conversion.inventory
        let notes = conversion.notes.isEmpty ? "" : " (\(counted(conversion.notes.count, "note")) above)"
        Self.printError("\(out): \(counted(inventory.hosts.count, "host")) and \(counted(inventory.groups.count, "group")) from \(path)\(notes)")
    }

    private static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Why writing failed, with the system's reason.
    struct WriteFailure: Error, CustomStringConvertible {
        var description: String
        init(_ step: String) { description = "\(step): \(String(cString: strerror(errno)))" }
    }

    /// Writes `text` to a temporary file in the destination's directory, flushes it, then
    /// renames it over `path`: a reader sees the old file or the new one, never a mix.
    static func writeAtomically(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array(((directory.isEmpty ? "." : directory) + "/.\(name).XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw WriteFailure("cannot create a temporary file in \(directory.isEmpty ? "." : directory)") }
        let temporaryPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer {
            close(descriptor)
            if !renamed { unlink(temporaryPath) }
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw WriteFailure("cannot write \(temporaryPath)")
            }
            written += count
        }
        // mkstemp creates the file 0600; give it the mode a new file normally gets.
        let mask = umask(0)
        umask(mask)
        guard fchmod(descriptor, 0o666 & ~mask) == 0 else { throw WriteFailure("cannot set the mode of \(temporaryPath)") }
        guard fsync(descriptor) == 0 else { throw WriteFailure("cannot flush \(temporaryPath)") }
        guard rename(temporaryPath, path) == 0 else { throw WriteFailure("cannot rename \(temporaryPath) to \(path)") }
        renamed = true
    }
}
