import Foundation
import Testing
import Inventory

/// Loading from disk; each test works in its own temporary directory.
@Suite("Inventory loading")
struct InventoryLoadingTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "converge-inventory-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private func write(_ text: String, to name: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func loadsAFileAndResolvesPathsAgainstItsDirectory() throws {
        let text = #"{"ssh": {"identityFile": "keys/id"}, "hosts": [{"name": "web1", "address": "10.0.0.5"}]}"#
        let path = try write(text, to: "prod.json")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let inventory = try Inventory.load(contentsOf: path, homeDirectory: "/home/tester")
        let canonicalDirectory = "/" + directory.split(separator: "/").joined(separator: "/")
        #expect(inventory.file == path)
        #expect(inventory.baseDirectory == canonicalDirectory)
        #expect(inventory.source == Array(text.utf8))
        #expect(inventory.hosts.first?.ssh.identityFiles == [canonicalDirectory + "/keys/id"])
        #expect(inventory.hosts.first?.ssh.knownHostsFile == "/home/tester/.ssh/known_hosts")
    }

    @Test func errorsInAFileNameThePathAsGiven() throws {
        let path = try write("{\n  \"hosts\": [\n    {\"name\": \"web1\"}\n  ]\n}\n", to: "broken.json")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: InventoryError(
            file: path, position: SourcePosition(offset: 19, line: 3, column: 5), path: "hosts[0]",
            message: #"host "web1" is missing the required key "address""#)
        ) {
            try Inventory.load(contentsOf: path)
        }
    }

    @Test func missingFileGivesTheSystemReason() {
        let path = directory + "/absent.json"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let error = #expect(throws: InventoryError.self) { try Inventory.load(contentsOf: path) }
        #expect(error?.description == "\(path): cannot read the inventory: No such file or directory")
        #expect(error?.position == nil)
        #expect(error?.line == nil)
        #expect(error?.path == "")
    }

    @Test func directoryGivesTheSystemReason() {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let error = #expect(throws: InventoryError.self) { try Inventory.load(contentsOf: directory) }
        #expect(error?.description == "\(directory): cannot read the inventory: Is a directory")
    }

    @Test func largeFileIsReadWhole() throws {
        // Larger than the 64 KiB read buffer, so several reads are needed.
        let hosts = (0..<2000).map { #"{"name": "host\#($0)", "address": "10.0.\#($0 / 256).\#($0 % 256)"}"# }
        let text = #"{"hosts": ["# + hosts.joined(separator: ",\n") + "]}"
        let path = try write(text, to: "large.json")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let inventory = try Inventory.load(contentsOf: path)
        #expect(text.utf8.count > 64 * 1024)
        #expect(inventory.source.count == text.utf8.count)
        #expect(inventory.hosts.count == 2000)
        #expect(inventory.hosts.last?.address == "10.0.7.207")
    }
}
