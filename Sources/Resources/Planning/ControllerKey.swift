import Crypto
import Foundation

/// The controller's own secret key: it signs saved plans (so an edited plan is refused) and
/// keys the digests that stand for secret contents in plans and reports (an unkeyed SHA-256
/// of a short secret is easily reversed). It never leaves the controller.
///
/// Kept in `$XDG_CONFIG_HOME/converge/controller.key` (else `~/.config/converge/controller.key`),
/// 32 random bytes made on first use with mode 0600.
public struct ControllerKey: Sendable {
    private let bytes: Data

    /// A key of the given bytes, e.g. in tests.
    public init(bytes: Data) {
        self.bytes = bytes
    }

    /// The controller's key, made on first use.
    ///
    /// - Throws: ``ControllerKeyError`` when it cannot be read or made.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ControllerKey {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return try load(path: base + "/converge/controller.key")
    }

    /// The key in the file at `path`, made there (mode 0600) when it does not exist.
    public static func load(path: String) throws -> ControllerKey {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count >= 32 else { throw ControllerKeyError(path: path, message: "holds \(data.count) bytes, not 32") }
            return ControllerKey(bytes: data)
        }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ControllerKeyError(path: path, message: "cannot create \(directory): \(error.localizedDescription)")
        }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        // Made under a temporary name and linked into place: two runs starting at once
        // agree on one key.
        let temporary = "\(path).\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw ControllerKeyError(path: path, message: "cannot write \(temporary)")
        }
        defer { unlink(temporary) }
        if link(temporary, path) != 0 && errno != EEXIST {
            throw ControllerKeyError(path: path, message: String(cString: strerror(errno)))
        }
        guard let stored = FileManager.default.contents(atPath: path), stored.count >= 32 else {
            throw ControllerKeyError(path: path, message: "cannot read it back")
        }
        return ControllerKey(bytes: stored)
    }

    /// The keyed digest (HMAC-SHA256, lowercase hex) of `data`.
    public func digest(_ data: Data) -> String {
        lowercaseHex(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: bytes)))
    }

    /// Whether `digest` is this key's digest of `data` (compared in constant time).
    public func verifies(_ digest: String, of data: Data) -> Bool {
        let expected = Array(self.digest(data).utf8)
        let given = Array(digest.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The controller's key could not be read or made.
public struct ControllerKeyError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "the controller key \(path): \(message)" }
}
