import ArgumentParser
import Foundation
import Inventory
import Secrets

/// `converge secrets`: the team's secret store, encrypted with age to the team's SSH keys.
struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Manage the team's secret store: secrets encrypted to every member's SSH key.",
        discussion: """
            The store is a directory in the playbooks repository (the inventory's "secrets", \
            ./secrets by default): a recipients file listing the team's SSH public keys and CI's, \
            and one age-encrypted file per secret, committed like the playbooks. A controller \
            decrypts with $CONVERGE_IDENTITY, else ~/.ssh/id_ed25519 or ~/.ssh/id_rsa, else the \
            inventory's identityFile. Secrets the roles generate (Secret.stored(_:generatedAs:)) \
            are made there by the first run that needs them, and read by every later one.
            """,
        subcommands: [
            SecretsInitCommand.self, SecretsListCommand.self, SecretsShowCommand.self, SecretsAddCommand.self,
            SecretsRemoveCommand.self, SecretsRekeyCommand.self,
        ]
    )
}

/// Which store a `converge secrets` command works on, and the keys it decrypts with.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The store's directory.", valueName: "directory"))
    var store: String?

    @Option(name: [.short, .long], help: ArgumentHelp("The store the inventory names (its \"secrets\").", valueName: "file"))
    var inventory: String?

    func validate() throws {
        if store != nil && inventory != nil { throw ValidationError("give --store or --inventory, not both") }
    }

    /// The chosen store, and the inventory it came from.
    func resolve() throws -> (store: SecretStore, inventory: Inventory?) {
        guard let inventory else {
            return (SecretStore(directory: URL(fileURLWithPath: store ?? "secrets").standardizedFileURL.path), nil)
        }
        let loaded = try Inventory.load(contentsOf: inventory)
        guard let directory = loaded.secretStore else {
            throw CommandFailure(["\(inventory): names no secret store: add \"secrets\": \"../secrets\" (a directory, relative to the inventory)"])
        }
        return (SecretStore(directory: directory), loaded)
    }

    /// The store, and the private keys this user decrypts it with.
    func storeAndIdentities() throws -> (SecretStore, [String]) {
        let (store, inventory) = try resolve()
        return (store, SecretReader.identities(environment: ProcessInfo.processInfo.environment, inventory: inventory))
    }
}

extension SecretStoreError {
    /// As a command's failure.
    var failure: CommandFailure { CommandFailure([message]) }
}

/// Reads public key files (or key lines) given on the command line.
enum PublicKeys {
    /// The key line of `argument`: the file's first key line, or the argument itself when
    /// it is a key (`ssh-ed25519 AAAA… name`, `age1…`).
    static func line(_ argument: String) throws -> String {
        if argument.hasPrefix("ssh-") || argument.hasPrefix("age1") { return argument }
        guard let data = FileManager.default.contents(atPath: argument) else {
            throw CommandFailure(["cannot read the public key \(argument)"])
        }
        guard let line = String(decoding: data, as: UTF8.self).split(separator: "\n")
            .map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { !$0.isEmpty && !$0.hasPrefix("#") })
        else { throw CommandFailure(["\(argument) holds no public key"]) }
        return line
    }

    /// The user's own public key: `~/.ssh/id_ed25519.pub`, else `~/.ssh/id_rsa.pub`.
    static func own() throws -> String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        for candidate in ["id_ed25519.pub", "id_rsa.pub"] where FileManager.default.fileExists(atPath: "\(home)/.ssh/\(candidate)") {
            return try line("\(home)/.ssh/\(candidate)")
        }
        throw CommandFailure(["no ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub: give the recipients with --recipient KEY.pub"])
    }
}
