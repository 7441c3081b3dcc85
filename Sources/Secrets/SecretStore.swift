import Foundation

/// The team's secret store: a directory in the playbooks repository holding each secret
/// encrypted with age to every recipient, so that it can be committed and shared like the
/// playbooks themselves.
///
/// ```
/// secrets/
///   recipients          the team's SSH public keys (and CI's), one per line, # comments
///   mariadb-app.age     one secret, ASCII-armored age
///   site.pem.age
///   .plan-key.age       the key that signs saved plans (``PlanKey``)
/// ```
///
/// Anything else in the directory is refused: a plaintext secret must never sit there
/// waiting to be committed.
public struct SecretStore: Sendable {
    /// The store's directory, absolute.
    public let directory: String

    /// The name of the team's plan key in the store; hidden from ``names()``.
    public static let planKeyName = ".plan-key"

    public init(directory: String) {
        self.directory = directory
    }

    /// The file listing the recipients.
    public var recipientsFile: String { directory + "/recipients" }

    /// The encrypted file of the secret `name`.
    public func file(of name: String) -> String { "\(directory)/\(name).age" }

    /// Whether the directory is a store (has a recipients file).
    public var exists: Bool { FileManager.default.fileExists(atPath: recipientsFile) }

    // MARK: Reading

    /// The recipients' lines (keys with their comments), in file order.
    ///
    /// - Throws: ``SecretStoreError`` when there is no store or no recipient.
    public func recipients() throws(SecretStoreError) -> [String] {
        guard let data = FileManager.default.contents(atPath: recipientsFile) else {
            throw SecretStoreError(
                "\(directory) is not a secret store (no recipients file): make one with `converge secrets init --store \(directory)`")
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let keys = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !keys.isEmpty else { throw SecretStoreError("\(recipientsFile) lists no recipient") }
        return keys
    }

    /// The secrets' names, sorted; the plan key is not one.
    ///
    /// - Throws: ``SecretStoreError`` naming every file of the directory that is not an
    ///   age-encrypted secret (a plaintext secret about to be committed, say).
    public func names() throws(SecretStoreError) -> [String] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw SecretStoreError("cannot read the secret store \(directory): \(error.localizedDescription)")
        }
        var names: [String] = []
        var strays: [String] = []
        for entry in entries.sorted() where entry != "recipients" && !entry.hasPrefix(".") || entry == Self.planKeyName + ".age" {
            let name = entry.hasSuffix(".age") ? String(entry.dropLast(4)) : nil
            guard let name, Self.isEncrypted(atPath: "\(directory)/\(entry)") else {
                strays.append(entry)
                continue
            }
            if name != Self.planKeyName { names.append(name) }
        }
        guard strays.isEmpty else {
            throw SecretStoreError(
                "the secret store \(directory) holds \(strays.map { "\($0)" }.joined(separator: ", ")), which "
                    + (strays.count == 1 ? "is" : "are")
                    + " not age-encrypted: a secret store keeps no plaintext. Add each with `converge secrets add NAME --from FILE`, then delete it")
        }
        return names
    }

    /// Whether the file at `path` is age's format (armored or binary), by its first bytes.
    static func isEncrypted(atPath path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 34)) ?? Data(), as: UTF8.self)
        return head.hasPrefix("-----BEGIN AGE ENCRYPTED FILE-----") || head.hasPrefix("age-encryption.org/v1")
    }

    /// The secret `name`, decrypted with the first of `identities` that is a recipient;
    /// nil when the store has no such secret.
    ///
    /// - Throws: ``SecretStoreError`` when it cannot be decrypted (none of the keys is a
    ///   recipient), or `age` is missing.
    public func read(_ name: String, identities: [String]) throws(SecretStoreError) -> Data? {
        try read(name, identities: identities, age: nil)
    }

    func read(_ name: String, identities: [String], age: Age?) throws(SecretStoreError) -> Data? {
        guard let encrypted = FileManager.default.contents(atPath: file(of: name)) else { return nil }
        guard !identities.isEmpty else {
            throw SecretStoreError(
                "cannot decrypt \(file(of: name)): no private key to try (set CONVERGE_IDENTITY, or make ~/.ssh/id_ed25519)")
        }
        let tool: Age
        if let age { tool = age } else { tool = try Age.find() }
        do throws(SecretStoreError) {
            return try tool.decrypt(encrypted, identities: identities)
        } catch {
            throw SecretStoreError(
                "cannot decrypt \(file(of: name)) with \(identities.joined(separator: ", ")): \(error.message). "
                    + "A recipient can add your public key: `converge secrets rekey --add-recipient KEY.pub`")
        }
    }

    // MARK: Writing

    /// Adds the secret `name` unless the store has it already: encrypted beside it, then
    /// hard-linked into place, which fails when another run made it first. Returns whether
    /// this call made it.
    @discardableResult
    public func create(_ name: String, value: Data) throws(SecretStoreError) -> Bool {
        try Self.validate(name: name)
        let temporary = try encryptedTemporary(value, for: name)
        defer { unlink(temporary) }
        if link(temporary, file(of: name)) != 0 {
            guard errno == EEXIST else {
                throw SecretStoreError("cannot create \(file(of: name)): \(String(cString: strerror(errno)))")
            }
            return false
        }
        return true
    }

    /// Sets the secret `name` to `value`, replacing any it had (never left half written).
    public func write(_ name: String, value: Data) throws(SecretStoreError) {
        try Self.validate(name: name)
        let temporary = try encryptedTemporary(value, for: name)
        guard rename(temporary, file(of: name)) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SecretStoreError("cannot write \(file(of: name)): \(reason)")
        }
    }

    /// Removes the secret `name`.
    public func remove(_ name: String) throws(SecretStoreError) {
        try Self.validate(name: name)
        guard unlink(file(of: name)) == 0 else {
            throw SecretStoreError("cannot remove \(file(of: name)): \(String(cString: strerror(errno)))")
        }
    }

    /// Every secret and the plan key, decrypted with `identities`: what a rekey writes
    /// again once the recipients changed.
    ///
    /// - Throws: ``SecretStoreError`` when one cannot be decrypted: a rekey must not drop it.
    public func decryptAll(identities: [String]) throws(SecretStoreError) -> [(name: String, value: Data)] {
        let planKey = FileManager.default.fileExists(atPath: file(of: Self.planKeyName)) ? [Self.planKeyName] : []
        let age = try Age.find()
        var values: [(name: String, value: Data)] = []
        for name in try names() + planKey {
            guard let value = try read(name, identities: identities, age: age) else { continue }
            values.append((name, value))
        }
        return values
    }

    /// Makes a store in `directory` (created when missing) for `recipients`, public key
    /// lines as `ssh-keygen` writes them.
    ///
    /// - Throws: ``SecretStoreError`` when the directory is a store already.
    public static func create(at directory: String, recipients: [String]) throws(SecretStoreError) -> SecretStore {
        let store = SecretStore(directory: directory)
        guard !store.exists else { throw SecretStoreError("\(directory) is a secret store already") }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SecretStoreError("cannot create \(directory): \(error.localizedDescription)")
        }
        try store.setRecipients(recipients)
        return store
    }

    /// Replaces the recipients file with `recipients`, after checking that age takes each.
    public func setRecipients(_ recipients: [String]) throws(SecretStoreError) {
        guard !recipients.isEmpty else { throw SecretStoreError("a secret store needs at least one recipient") }
        let header = """
            # The team's keys: every secret in this directory is encrypted to each of them.
            # Edit with `converge secrets rekey --add-recipient KEY.pub` / `--remove-recipient NAME`.

            """
        let text = header + recipients.joined(separator: "\n") + "\n"
        let temporary = "\(recipientsFile).\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw SecretStoreError("cannot write \(temporary)")
        }
        do throws(SecretStoreError) {
            // age refuses a key it cannot use: checked before the file is replaced.
            _ = try Age.find().encrypt(Data(), recipientsFile: temporary)
        } catch {
            unlink(temporary)
            throw SecretStoreError("a recipient is not a key age takes (ssh-ed25519, ssh-rsa or age1…): \(error.message)")
        }
        guard rename(temporary, recipientsFile) == 0 else {
            unlink(temporary)
            throw SecretStoreError("cannot write \(recipientsFile): \(String(cString: strerror(errno)))")
        }
    }

    private func encryptedTemporary(_ value: Data, for name: String) throws(SecretStoreError) -> String {
        _ = try recipients()
        let encrypted = try Age.find().encrypt(value, recipientsFile: recipientsFile)
        let temporary = "\(directory)/.\(name).\(UUID().uuidString).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: encrypted, attributes: [.posixPermissions: 0o644]) else {
            throw SecretStoreError("cannot write \(temporary)")
        }
        return temporary
    }

    /// A secret's name is a file name: letters, digits, `.`, `_` and `-`, not starting with `.`.
    public static func validate(name: String) throws(SecretStoreError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard name == planKeyName || (!name.isEmpty && !name.hasPrefix(".") && name.allSatisfy(allowed.contains)) else {
            throw SecretStoreError("\"\(name)\" is not a secret's name: letters, digits, '.', '_' and '-', not starting with '.'")
        }
    }
}

/// The secret store could not be read or written; the message says why and what to do.
public struct SecretStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
