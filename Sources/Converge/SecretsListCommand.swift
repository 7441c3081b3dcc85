import ArgumentParser
import Secrets

/// `converge secrets list`: the store's secrets and recipients.
struct SecretsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the store's secrets and who they are encrypted to (nothing is decrypted)."
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let (directory, _) = try store.resolve()
        do throws(SecretStoreError) {
            let names = try directory.names()
            let recipients = try directory.recipients()
            print("secrets in \(directory.directory):")
            for name in names { print("  \(name)") }
            if names.isEmpty { print("  (none)") }
            print("encrypted to \(recipients.count) recipient\(recipients.count == 1 ? "" : "s"):")
            for recipient in recipients { print("  \(RecipientLine.label(recipient))") }
        } catch {
            throw error.failure
        }
    }
}

/// How a recipients line is shown and matched: by its comment (`alice@laptop`), else by
/// its key's type and start.
enum RecipientLine {
    static func label(_ line: String) -> String {
        let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
        if fields.count == 3 { return "\(fields[2]) (\(fields[0]))" }
        return String(line.prefix(40)) + (line.count > 40 ? "…" : "")
    }

    /// Whether `line` is the recipient `match` names: its comment, or its whole key.
    static func matches(_ line: String, _ match: String) -> Bool {
        let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
        let key = fields.prefix(2).joined(separator: " ")
        let matchFields = match.split(separator: " ", maxSplits: 2).map(String.init)
        return (fields.count == 3 && fields[2] == match) || key == matchFields.prefix(2).joined(separator: " ")
    }
}
