import Foundation
import Inventory
import Testing

@testable import AnsibleInventory

/// The fixtures as the test bundle holds them.
let fixtures: String = {
    guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        fatalError("the test bundle has no Fixtures directory")
    }
    return url.path
}()

/// The fixtures in the source tree, where `UPDATE_GOLDEN=1` writes new golden files.
let sourceFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// The golden-file cases: each `Fixtures/cases/NAME/` holds an Ansible inventory, `input`
/// (the path to convert, relative to the case), `expected.json` and `expected-notes.txt`.
let goldenCases: [String] = {
    let directory = fixtures + "/cases"
    return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}()

func contents(of path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}

/// A golden case converted as `converge import-ansible` would, from the case directory.
struct ConvertedCase {
    let directory: String
    let conversion: AnsibleImport.Conversion

    init(_ name: String) throws {
        directory = fixtures + "/cases/" + name
        let input = try contents(of: directory + "/input").trimmingCharacters(in: .whitespacesAndNewlines)
        conversion = try AnsibleImport.convert(
            inventoryAt: directory + "/" + input, workingDirectory: directory,
            outputFile: directory + "/inventory.json")
    }

    /// The converted text with the case directory written as `<case>`.
    var text: String { conversion.text.replacingOccurrences(of: directory, with: "<case>") }

    /// The notes, one a line, with files relative to the case directory.
    var notes: String {
        conversion.notes.map { note in
            var line = note.description
            if line.hasPrefix(directory + "/") { line.removeFirst(directory.count + 1) }
            return line.replacingOccurrences(of: directory, with: "<case>")
        }.joined(separator: "\n") + "\n"
    }

    /// The converted host named `name`, with converge's effective settings and vars.
    func host(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Inventory.Host {
        try #require(conversion.inventory.host(named: name), sourceLocation: sourceLocation)
    }
}

/// The error converting `path` (relative to `Fixtures/malformed`) gives, with the fixture
/// directory left out of the file names.
func conversionError(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    let directory = fixtures + "/malformed/"
    do {
        let conversion = try AnsibleImport.convert(inventoryAt: directory + path, workingDirectory: directory)
        Issue.record("expected an error, converted \(conversion.inventory.hosts.map(\.name))", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error.description.replacingOccurrences(of: directory, with: "")
    }
}

/// A scratch directory holding the given files, removed at the end of the test.
final class ScratchInventory {
    let path: String

    init(_ files: [String: String]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ansible-import-\(UUID().uuidString)").path
        for (name, text) in files {
            let file = path + "/" + name
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func convert(_ relative: String = "") throws(AnsibleImportError) -> AnsibleImport.Conversion {
        try AnsibleImport.convert(inventoryAt: relative.isEmpty ? path : path + "/" + relative, workingDirectory: path)
    }

    /// Notes with the scratch directory left out of file names.
    func notes(_ conversion: AnsibleImport.Conversion) -> [String] {
        conversion.notes.map { $0.description.replacingOccurrences(of: path + "/", with: "") }
    }
}

