import ArgumentParser
import Fleet
import Foundation
import Planner
import Resources

/// `converge plan`: what converging would change on each host, changing nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what converging would change on each host, without changing anything.",
        discussion: """
            Exits 0 when there is nothing to do, 2 when changes are pending, 1 on error. With \
            --json, each host's plan is in its "planned" event; --out saves the whole plan as one \
            signed document (schema "converge-plan", version \(Plan.version)) for `converge apply PLAN`. \
            The plan ends with the rollout an apply would make: the hosts whose change restarts \
            what they serve, in batches, each with where it is drained from and the checks that \
            gate its batch.
            """
    )

    @OptionGroup var fleet: FleetOptions

    @OptionGroup(title: "Output options")
    var output: OutputOptions

    @Option(help: ArgumentHelp("Also save the plan to this file.", valueName: "file"))
    var out: String?

    func run() async throws {
        let (inventory, hosts) = try fleet.selectedHosts()
        let convergence = try Convergence.checkingRoles(of: hosts, in: inventory)
        let interruption = Interruption()
        let signals = InterruptHandler(interruption)
        defer { signals.stop() }
        let runner = FleetRunner(options: .init(parallel: fleet.parallel), interruption: interruption,
                                 events: output.sink(.report))
        let (result, rollout) = await convergence.plan(hosts, with: runner)
        let plan = Plan(hosts: result.values, inventory: URL(fileURLWithPath: fleet.inventory).standardizedFileURL.path)

        // Signed with the team's plan key: any team controller applies it, none once edited.
        if let out {
            let key: PlanKey
            do {
                key = try convergence.secrets.planKey()
            } catch {
                throw CommandFailure(["\(fleet.inventory): cannot sign the plan: \(error)"])
            }
            try FileOutput.write(try plan.jsonData(signedWith: key), to: out)
        }
        let failures = result.hosts.compactMap(\.report.failure)
        if !output.json {
            print(PlanRenderer.render(plan), terminator: "")
            print(rollout.render(), terminator: "")
            for failure in failures { FileOutput.printError(failure.description) }
        }
        if let status = signals.exitStatus { throw ExitCode(status) }
        if !result.report.succeeded { throw ExitCode(1) }
        if plan.hosts.contains(where: { !$0.isEmpty }) { throw ExitCode(2) }
    }
}
