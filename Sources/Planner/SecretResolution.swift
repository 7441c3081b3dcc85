import Foundation
import Resources
import Secrets

extension SecretValues {
    /// Reads every secret the resources use through the run's `reader` (which makes the
    /// generated ones the store does not have yet); their digests are keyed with `key`.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` naming the resource whose secret is unreadable.
    public init(resolving resources: [any Resource], with reader: SecretReader, key: PlanKey) throws(PlanError) {
        self.init(key: key)
        for resource in resources {
            for text in resource.secretTexts { try read(text, for: resource.id, with: reader) }
        }
    }

    /// Reads every secret a saved plan writes, and checks each file's content still has the
    /// digest the plan was made with.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` when one is unreadable or has changed.
    public init(resolving plan: HostPlan, with reader: SecretReader, key: PlanKey) throws(PlanError) {
        self.init(key: key)
        for change in plan.changes {
            guard case .writeFile(_, .secret(let text, let digest, _), _, _, _) = change.operation else { continue }
            try read(text, for: change.resource, with: reader)
            guard key.verifies(digest, of: try render(text, for: change.resource)) else {
                throw .secret(change.resource, text.secrets[0].source, "changed since the plan was made")
            }
        }
    }

    private mutating func read(_ text: SecretText, for resource: ResourceID, with reader: SecretReader) throws(PlanError) {
        for secret in text.secrets where self[secret.source] == nil {
            do {
                self[secret.source] = try reader.read(secret)
            } catch {
                throw .secret(resource, secret.source, error.message)
            }
        }
    }
}
