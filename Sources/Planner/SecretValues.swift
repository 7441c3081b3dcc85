import Crypto
import Foundation
import Resources

/// Secrets read on the controller, handed to the planner (to compare hashes) and to
/// ``ApplyScript`` (to write them). Never encoded anywhere.
public struct SecretValues: Sendable {
    private var values: [Secret.Source: Data]
    /// Keys the digests that stand for secret contents in plans.
    public let key: ControllerKey

    /// A fixed key for secrets given directly, e.g. in tests.
    public static let testKey = ControllerKey(bytes: Data(repeating: 7, count: 32))

    /// Secrets given directly, e.g. in tests.
    public init(_ values: [Secret.Source: Data] = [:], key: ControllerKey = SecretValues.testKey) {
        self.values = values
        self.key = key
    }

    /// Reads every secret the resources use, making the generated ones that do not exist yet.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` naming the resource whose secret is unreadable.
    public init(
        resolving resources: [any Resource], key: ControllerKey,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PlanError) {
        values = [:]
        self.key = key
        for resource in resources {
            guard let file = resource as? File, case .secret(let text) = file.content else { continue }
            try read(text, for: file.id, environment: environment)
        }
    }

    /// Reads every secret a saved plan writes, and checks each file's content still has the
    /// digest the plan was made with.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` when one is unreadable or has changed.
    public init(
        resolving plan: HostPlan, key: ControllerKey, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PlanError) {
        values = [:]
        self.key = key
        for change in plan.changes {
            guard case .writeFile(_, .secret(let text, let digest, _), _, _, _) = change.operation else { continue }
            try read(text, for: change.resource, environment: environment)
            guard key.verifies(digest, of: try render(text, for: change.resource)) else {
                throw .secret(change.resource, text.secrets[0].source, "changed since the plan was made")
            }
        }
    }

    private mutating func read(_ text: SecretText, for resource: ResourceID, environment: [String: String]) throws(PlanError) {
        for secret in text.secrets where values[secret.source] == nil {
            do {
                values[secret.source] = try SecretStore.read(secret, environment: environment)
            } catch {
                throw .secret(resource, secret.source, error.message)
            }
        }
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
func lowercaseHex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    bytes.map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined()
}
