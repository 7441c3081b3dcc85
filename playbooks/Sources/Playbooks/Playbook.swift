import Converge

extension Playbook {
    /// The reference web stack: every role `inventory/fleet.json` and
    /// `inventory/production.json` assign. `converge roles` lists them. Kept in converge's
    /// repository, it has converge's version.
    public static let reference = Playbook(
        [base, loadBalancer, cache, web, redis, database, storage],
        name: "converge-playbooks", version: ConvergeBuild.version)
}
