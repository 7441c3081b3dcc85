import Crypto
import Foundation
import Resources

/// Secrets read on the controller, handed to the planner (to compare hashes) and to
/// ``ApplyScript`` (to write them). Never encoded anywhere.
public struct SecretValues: Sendable {
    private var values: [Secret.Source: Data]

    /// Secrets given directly, e.g. in tests.
    public init(_ values: [Secret.Source: Data] = [:]) {
        self.values = values
    }

    /// Reads every secret the resources use.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` naming the resource whose secret is unreadable.
    public init(
        resolving resources: [any Resource],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PlanError) {
        values = [:]
        for resource in resources {
            guard let file = resource as? File, case .secret(let secret) = file.content,
                values[secret.source] == nil
            else { continue }
            do {
                values[secret.source] = try secret.resolve(environment: environment)
            } catch {
                throw .secret(file.id, secret.source, error.message)
            }
        }
    }

    /// Reads every secret a saved plan writes, and checks each still has the hash the plan
    /// was made with.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` when one is unreadable or has changed.
    public init(
        resolving plan: HostPlan, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PlanError) {
        values = [:]
        for change in plan.changes {
            guard case .writeFile(_, .secret(let source, let sha256, _), _, _, _) = change.operation else { continue }
            let data: Data
            do {
                data = try Secret(source: source).resolve(environment: environment)
            } catch {
                throw .secret(change.resource, source, error.message)
            }
            guard sha256Hex(data) == sha256 else {
                throw .secret(change.resource, source, "changed since the plan was made")
            }
            values[source] = data
        }
    }

    public subscript(source: Secret.Source) -> Data? {
        get { values[source] }
        set { values[source] = newValue }
    }
}

/// The SHA-256 of `data`, lowercase hex.
func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined()
}
