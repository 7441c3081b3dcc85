import ArgumentParser
import Secrets

/// `converge secrets remove NAME`.
struct SecretsRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a secret from the store (a generated one is made anew by the next run that needs it)."
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The secret's name.")
    var name: String

    func run() throws {
        let (directory, _) = try store.resolve()
        do throws(SecretStoreError) {
            try directory.remove(name)
        } catch {
            throw error.failure
        }
        print("removed \(name) from \(directory.directory)")
    }
}
