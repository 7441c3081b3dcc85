import ArgumentParser
import Foundation
import Secrets

/// `converge secrets add NAME`: a secret put into the store, encrypted to every recipient.
struct SecretsAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a secret to the store, from a file or standard input, encrypted to every recipient.",
        discussion: """
            The value is taken byte for byte (from a terminal, without the final newline). \
            Moving a controller's plaintext secret in: `converge secrets add NAME --from FILE`, \
            then delete FILE and use Secret.stored("NAME") in the roles.
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The secret's name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(help: ArgumentHelp("Read the value from this file rather than standard input.", valueName: "file"))
    var from: String?

    @Flag(help: "Replace the secret if the store has it (a rotation).")
    var replace = false

    func validate() throws {
        do throws(SecretStoreError) {
            try SecretStore.validate(name: name)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        let (directory, _) = try store.resolve()
        var value: Data
        if let from {
            guard let data = FileManager.default.contents(atPath: from) else { throw CommandFailure(["cannot read \(from)"]) }
            value = data
        } else {
            value = FileHandle.standardInput.readDataToEndOfFile()
            if isatty(0) == 1, value.last == UInt8(ascii: "\n") { value.removeLast() }
        }
        do throws(SecretStoreError) {
            if replace {
                try directory.write(name, value: value)
            } else if try !directory.create(name, value: value) {
                throw SecretStoreError("the store has \(name) already: --replace to rotate it")
            }
        } catch {
            throw error.failure
        }
        print("\(replace ? "set" : "added") \(name) in \(directory.directory): commit \(directory.file(of: name))")
    }
}
