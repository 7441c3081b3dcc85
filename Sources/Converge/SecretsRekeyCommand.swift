import ArgumentParser
import Secrets

/// `converge secrets rekey`: every secret re-encrypted to the recipients, after adding or
/// removing some.
struct SecretsRekeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Re-encrypt every secret (and the plan key) to the recipients, after adding or removing some.",
        discussion: """
            Run by a current recipient, whose key decrypts everything first. A removed member's \
            key no longer decrypts the new files, but they may have kept the old ones or the values: \
            rotate what they could read (README, "Secrets").
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .customLong("add-recipient"), help: ArgumentHelp("A public key file (or key) to add.", valueName: "key.pub"))
    var added: [String] = []

    @Option(name: .customLong("remove-recipient"),
            help: ArgumentHelp("A recipient to remove: its key, or the comment after it (alice@laptop).", valueName: "recipient"))
    var removed: [String] = []

    func run() throws {
        let (directory, identities) = try store.storeAndIdentities()
        do {
            var recipients = try directory.recipients()
            for match in removed {
                guard recipients.contains(where: { RecipientLine.matches($0, match) }) else {
                    throw SecretStoreError("no recipient is \(match); they are: \(recipients.map(RecipientLine.label).joined(separator: ", "))")
                }
                recipients.removeAll { RecipientLine.matches($0, match) }
            }
            for key in try added.map(PublicKeys.line) where !recipients.contains(where: { RecipientLine.matches($0, key) }) {
                recipients.append(key)
            }
            // Everything decrypted with the old recipients' keys before the list changes.
            let values = try directory.decryptAll(identities: identities)
            try directory.setRecipients(recipients)
            for (name, value) in values { try directory.write(name, value: value) }
            print("re-encrypted \(values.count) secret\(values.count == 1 ? "" : "s") (the plan key included) to \(recipients.count) recipient\(recipients.count == 1 ? "" : "s"): commit \(directory.directory)")
        } catch let error as SecretStoreError {
            throw error.failure
        }
    }
}
