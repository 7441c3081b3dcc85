import ArgumentParser
import Fleet
import Foundation
import Planner

/// `converge plan`: what converging would change on each host, changing nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what converging would change on each host, without changing anything.",
        discussion: "Exits 0 when there is nothing to do, 2 when changes are pending, 1 on error."
    )

    @OptionGroup var fleet: FleetOptions

    @Flag(help: "Print the plan as JSON (schema \"converge-plan\", version \(Plan.version)).")
    var json = false

    @Option(help: ArgumentHelp("Also save the plan to this file.", valueName: "file"))
    var out: String?

    func run() async throws {
        let (inventory, hosts) = try fleet.selectedHosts()
        let convergence = try Convergence.checkingRoles(of: hosts, in: inventory)

        let outcomes = await hosts.concurrentMap(limit: fleet.parallel) { host -> Result<HostPlan, HostFailure> in
            do {
                let planned = try await convergence.plan(host)
                await planned.connection.close()
                return .success(planned.plan)
            } catch {
                return .failure(HostFailure(error, host: host.name))
            }
        }
        let plans = outcomes.compactMap { try? $0.get() }
        let failures = outcomes.compactMap { if case .failure(let failure) = $0 { failure } else { nil } }
        let plan = Plan(hosts: plans, inventory: URL(fileURLWithPath: fleet.inventory).standardizedFileURL.path)

        // Signed with this controller's key: `converge apply` refuses it once edited.
        if let out { try FileOutput.write(try plan.jsonData(signedWith: ControllerKey.load()), to: out) }
        if json {
            FileHandle.standardOutput.write(try plan.jsonData())
        } else {
            print(PlanRenderer.render(plan), terminator: "")
        }
        for failure in failures { FileOutput.printError(failure.description) }
        if !failures.isEmpty { throw ExitCode(1) }
        if plans.contains(where: { !$0.isEmpty }) { throw ExitCode(2) }
    }
}
