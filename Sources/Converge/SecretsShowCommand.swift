import ArgumentParser
import Foundation
import Secrets

/// `converge secrets show NAME`: one secret, decrypted, on standard output.
struct SecretsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one secret, decrypted with your key, to standard output."
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The secret's name.")
    var name: String

    func run() throws {
        let (directory, identities) = try store.storeAndIdentities()
        do throws(SecretStoreError) {
            try SecretStore.validate(name: name)
            guard let value = try directory.read(name, identities: identities) else {
                throw SecretStoreError("the store \(directory.directory) has no secret \(name)")
            }
            FileHandle.standardOutput.write(value)
        } catch {
            throw error.failure
        }
    }
}
