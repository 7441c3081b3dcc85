import Crypto
import Foundation

/// The team's plan key: it signs saved plans (so that a plan made by one controller is
/// applied by another, and an edited one is refused) and keys the digests that stand for
/// secret contents in plans and reports (an unkeyed SHA-256 of a short secret is easily
/// reversed).
///
/// It is kept in the team's secret store, encrypted like every secret there, and made
/// on first use: every controller holding a recipient's key reads the same one.
public struct PlanKey: Sendable {
    private let bytes: Data

    /// A key of the given bytes (at least 32).
    public init(bytes: Data) {
        self.bytes = bytes
    }

    /// A new random key, e.g. for one run's digests when there is no store.
    public static func random() -> PlanKey {
        PlanKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    /// The key's bytes, to be stored (encrypted).
    public var data: Data { bytes }

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
