import Foundation
import Inventory
import Resources
import Synchronization

/// Reads the secrets of one run, each once however many hosts use it: the team store's
/// (decrypted with the user's private keys, the generated ones made there first), the
/// controller's environment variables and files.
///
/// A run holds one reader, shared by every host's plan, so a store secret costs one `age`
/// run and a passphrase-protected key is asked for once per secret.
public final class SecretReader: Sendable {
    /// The inventory's store; nil when it names none.
    public let store: SecretStore?
    /// The private keys tried on the store, in order.
    public let identities: [String]
    let environment: [String: String]
    /// The repository the inventory is in: a controller file there is a plaintext secret
    /// about to be committed, and is refused.
    let repository: String?
    /// What each secret came to, failures included: a store this user cannot open is
    /// tried once per run, not once per host.
    private let values = Mutex<[Secret.Source: Result<Data, SecretError>]>([:])
    private let key = Mutex<Result<PlanKey, SecretError>?>(nil)

    public init(store: SecretStore?, identities: [String], environment: [String: String], repository: String?) {
        self.store = store
        self.identities = identities
        self.environment = environment
        self.repository = repository
    }

    /// The reader for `inventory`: its store, the user's keys (``identities(environment:inventory:)``),
    /// and the repository holding it.
    public convenience init(inventory: Inventory, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(
            store: inventory.secretStore.map(SecretStore.init(directory:)),
            identities: Self.identities(environment: environment, inventory: inventory),
            environment: environment,
            repository: Self.repository(containing: inventory.baseDirectory))
    }

    /// The private keys a user decrypts the store with: the files `CONVERGE_IDENTITY`
    /// lists (separated by `:`), else whichever of `~/.ssh/id_ed25519` and `~/.ssh/id_rsa`
    /// exist, then the inventory's own `identityFile`s.
    public static func identities(environment: [String: String], inventory: Inventory?) -> [String] {
        if let listed = environment["CONVERGE_IDENTITY"], !listed.isEmpty {
            return listed.split(separator: ":").map(String.init)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let candidates = [home + "/.ssh/id_ed25519", home + "/.ssh/id_rsa"] + (inventory?.ssh.identityFiles ?? [])
        var seen = Set<String>()
        return candidates.filter { FileManager.default.isReadableFile(atPath: $0) && seen.insert($0).inserted }
    }

    /// The git work tree `directory` is in (the nearest directory up with a `.git`); nil
    /// when it is in none.
    public static func repository(containing directory: String) -> String? {
        var components = URL(fileURLWithPath: directory).standardizedFileURL.pathComponents
        while !components.isEmpty {
            let path = "/" + components.dropFirst().joined(separator: "/")
            if FileManager.default.fileExists(atPath: (path == "/" ? "" : path) + "/.git") { return path }
            components.removeLast()
        }
        return nil
    }

    // MARK: Secrets

    /// The secret's bytes; a store secret the store does not have yet is generated into
    /// it first when the secret has a generator.
    ///
    /// - Throws: ``SecretError`` saying why it cannot be read or made.
    public func read(_ secret: Secret) throws(SecretError) -> Data {
        if let known = values.withLock({ $0[secret.source] }) { return try known.get() }
        let result: Result<Data, SecretError>
        do throws(SecretError) {
            result = .success(try resolve(secret))
        } catch {
            result = .failure(error)
        }
        // Two hosts may have read it at once: both got the same bytes.
        return try values.withLock { $0[secret.source] = $0[secret.source] ?? result; return $0[secret.source]! }.get()
    }

    /// Whether `secret` can be read without making anything: its variable is set, its
    /// file readable, or the store has it and the user's keys decrypt it.
    public func canRead(_ secret: Secret) -> Bool {
        switch secret.source {
        case .environment(let name): return environment[name] != nil
        case .file(let path): return FileManager.default.isReadableFile(atPath: path)
        case .store(let name):
            guard let store, FileManager.default.fileExists(atPath: store.file(of: name)) else { return false }
            return (try? read(secret)) != nil
        }
    }

    private func resolve(_ secret: Secret) throws(SecretError) -> Data {
        switch secret.source {
        case .environment(let name):
            guard let value = environment[name] else {
                throw SecretError(source: secret.source, message: "the environment variable \(name) is not set")
            }
            return Data(value.utf8)
        case .file(let path):
            if let repository, path == repository || path.hasPrefix(repository + "/") {
                throw SecretError(
                    source: secret.source,
                    message: "\(path) is inside the repository \(repository), where a plaintext secret would be committed: "
                        + "keep it in the team's store (`converge secrets add NAME --from \(path)`, then delete the file) "
                        + "and use Secret.stored(\"NAME\")")
            }
            do {
                return try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw SecretError(source: secret.source, message: "cannot read \(path): \(error.localizedDescription)")
            }
        case .store(let name):
            guard let generator = secret.generator else { return try stored(name, source: secret.source, making: nil) }
            return try stored(name, source: secret.source) {
                do {
                    return .success(try SecretGenerator.generate(generator))
                } catch {
                    return .failure(SecretStoreError("cannot make \(generator): \(error)"))
                }
            }
        }
    }

    /// The store's secret `name`, made by `make` when the store does not have it.
    private func stored(
        _ name: String, source: Secret.Source, making make: (() -> Result<Data, SecretStoreError>)?
    ) throws(SecretError) -> Data {
        guard let store else {
            throw SecretError(
                source: source,
                message: "the inventory names no secret store, where the team's secrets and plan key are kept: "
                    + "add \"secrets\": \"../secrets\" to it and run `converge secrets init`")
        }
        do throws(SecretStoreError) {
            if let value = try store.read(name, identities: identities) { return value }
            guard let make else {
                throw SecretStoreError("the store \(store.directory) has no \(name): add it with `converge secrets add \(name)`")
            }
            let value = try make().get()
            // Another controller's run (or another host's plan in this one) may have made
            // it first: then theirs is the secret.
            if try store.create(name, value: value) { return value }
            guard let theirs = try store.read(name, identities: identities) else {
                throw SecretStoreError("\(store.file(of: name)) vanished while it was made")
            }
            return theirs
        } catch {
            throw SecretError(source: source, message: error.message)
        }
    }

    // MARK: The plan key

    /// The team's plan key from the store, made there on first use.
    ///
    /// - Throws: ``SecretError`` when the inventory names no store, or the user's keys
    ///   cannot decrypt it.
    public func planKey() throws(SecretError) -> PlanKey {
        if let known = key.withLock({ $0 }) { return try known.get() }
        let result: Result<PlanKey, SecretError>
        do throws(SecretError) {
            let data = try stored(SecretStore.planKeyName, source: .store(SecretStore.planKeyName)) { .success(PlanKey.random().data) }
            guard data.count >= 32 else {
                throw SecretError(source: .store(SecretStore.planKeyName), message: "holds \(data.count) bytes, not 32")
            }
            result = .success(PlanKey(bytes: data))
        } catch {
            result = .failure(error)
        }
        return try key.withLock { $0 = $0 ?? result; return $0! }.get()
    }
}
