import ArgumentParser
import Resources
import Secrets

/// `converge secrets init`: a new store, with its recipients and the team's plan key.
struct SecretsInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a secret store for the given recipients (your own SSH key by default), and the team's plan key."
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .customLong("recipient"),
            help: ArgumentHelp("A public key file (or key) to encrypt to; repeat for each member and CI.", valueName: "key.pub"))
    var recipients: [String] = []

    func run() throws {
        let (directory, _) = try store.resolve()
        let keys = try recipients.isEmpty ? [PublicKeys.own()] : recipients.map(PublicKeys.line)
        do throws(SecretStoreError) {
            let made = try SecretStore.create(at: directory.directory, recipients: keys)
            // Made now, so that two controllers' first saved plans cannot race for it.
            try made.create(SecretStore.planKeyName, value: PlanKey.random().data)
        } catch {
            throw error.failure
        }
        print("made the secret store \(directory.directory) for \(keys.count) recipient\(keys.count == 1 ? "" : "s"), with the team's plan key")
    }
}
