import Testing
import Inventory

/// Every inventory in these tests pretends to live here, so resolved paths are exact.
let testBaseDirectory = "/srv/converge/inventory"
let testHomeDirectory = "/home/tester"
let testFile = "inventory/prod.json"

/// A valid fingerprint: the unpadded base64 of the bytes 0 through 31.
let testFingerprint = "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

/// Parses an inventory as if read from `inventory/prod.json`.
func inventory(_ text: String) throws -> Inventory {
    try Inventory.parse(text, file: testFile, baseDirectory: testBaseDirectory, homeDirectory: testHomeDirectory)
}

/// Parses an inventory that must be rejected, and returns the error.
func inventoryError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> InventoryError? {
    do {
        let inventory = try Inventory.parse(
            text, file: testFile, baseDirectory: testBaseDirectory, homeDirectory: testHomeDirectory)
        Issue.record("expected an error, loaded \(inventory.hosts.map(\.name))", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The built-in defaults with the test home directory.
let testDefaults = SSHSettings(
    user: "root", port: 22, identityFiles: [],
    passphraseEnvironmentVariable: nil, passwordEnvironmentVariable: nil,
    usesAgent: true, knownHostsFile: "/home/tester/.ssh/known_hosts", hostKeyPolicy: .strict,
    fingerprint: nil, connectTimeout: .seconds(10),
    usesSudo: false, sudoPasswordEnvironmentVariable: nil)
