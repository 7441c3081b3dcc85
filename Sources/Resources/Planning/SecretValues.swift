import Crypto
import Foundation

/// Secrets read on the controller, handed to the planner (to compare hashes) and to
/// the apply script (to write them). Never encoded anywhere.
public struct SecretValues: Sendable {
    private var values: [Secret.Source: Data]
    /// Keys the digests that stand for secret contents in plans.
    public let key: PlanKey

    /// A fixed key for secrets given directly, e.g. in tests.
    public static let testKey = PlanKey(bytes: Data(repeating: 7, count: 32))

    /// Secrets given directly, e.g. in tests.
    public init(_ values: [Secret.Source: Data] = [:], key: PlanKey = SecretValues.testKey) {
        self.values = values
        self.key = key
    }

    /// The bytes of `text` with the secrets' values in it.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` when a secret in it was not read.
    public func render(_ text: SecretText, for resource: ResourceID) throws(PlanError) -> Data {
        guard let data = text.rendered(with: { values[$0] }) else {
            let missing = text.secrets.first { values[$0.source] == nil }!
            throw .secret(resource, missing.source, "not resolved")
        }
        return data
    }

    public subscript(source: Secret.Source) -> Data? {
        get { values[source] }
        set { values[source] = newValue }
    }
}

/// The SHA-256 of `data`, lowercase hex, as `sha256sum` prints it.
public func sha256Hex(_ data: Data) -> String {
    lowercaseHex(SHA256.hash(data: data))
}

/// `bytes` as lowercase hex, two digits a byte.
package func lowercaseHex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    bytes.map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined()
}
