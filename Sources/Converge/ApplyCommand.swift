import ArgumentParser
import Fleet
import Foundation
import Inventory
import Planner
import Secrets

/// `converge apply` (and plain `converge INVENTORY`): plan every host, then apply the changes.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Plan every host, then make the changes (the default command).",
        discussion: """
            Hosts are converged in parallel. A host whose change restarts what it serves (its \
            roles have health checks, and it passes them) rolls instead: group after group, a \
            batch at a time as the playbook's rollout policy says (a quarter of a group by \
            default), each host drained from the hosts in front of it, changed, waited for \
            until healthy, and put back. A batch that fails stops the rollout, its hosts left \
            drained and the later batches untouched. --serial, --max-fail and --pause override \
            every group's policy; --no-rollout changes every host at once. One failing or \
            unreachable host never stops the others. A first Ctrl-C starts no further host or \
            step and lets the running steps end, a second cuts every connection; the summary then \
            says which hosts were interrupted and which never started. Exits 0 when every host \
            converged, 1 otherwise, 130 when interrupted.
            """
    )

    @OptionGroup(title: "Fleet options (the inventory may also be a plan saved by `converge plan --out`)")
    var fleet: FleetOptions

    @OptionGroup(title: "Output options")
    var output: OutputOptions

    @Option(help: ArgumentHelp("Roll every host with changes in batches of this many of its group (or this share, e.g. 20%).",
                               valueName: "count|percent"))
    var serial: HostCount?

    @Option(name: .customLong("max-fail"),
            help: ArgumentHelp("Start no further batch once more than this many of a group's hosts (or this share) failed.",
                               valueName: "count|percent"))
    var maxFail: HostCount?

    @Option(help: ArgumentHelp("Wait this long after a rollout's batch before the next starts.", valueName: "seconds"))
    var pause: Double?

    @Flag(name: .customLong("no-rollout"), help: "Change every host at once: none waits for a turn or is drained.")
    var noRollout = false

    @Option(name: .customLong("plan-inventory"),
            help: ArgumentHelp("Apply a saved plan with this inventory rather than the one it was made from (another controller's checkout).",
                               valueName: "file"))
    var planInventory: String?

    @Option(name: .customLong("step-timeout"),
            help: ArgumentHelp("Seconds one step (an install, a command) may take on a host before it is stopped.", valueName: "seconds"))
    var stepTimeout = ApplyOptions().stepTimeout

    func validate() throws {
        if let serial, serial == 0 || serial == .percent(0) { throw ValidationError("--serial must be at least 1 (or 1%), not \(serial)") }
        if let pause, pause < 0 || !pause.isFinite { throw ValidationError("--pause must be 0 or more seconds") }
        if noRollout, serial != nil || maxFail != nil || pause != nil {
            throw ValidationError("--no-rollout changes every host at once: --serial, --max-fail and --pause have no batches to act on")
        }
        if stepTimeout < 1 { throw ValidationError("--step-timeout must be at least 1 second") }
    }

    func run() async throws {
        let convergence: Convergence
        let work: [(host: Inventory.Host, prepare: FleetApply.Prepare)]
        if let saved = try SavedPlan.load(fleet.inventory, inventory: planInventory) {
            // Exactly the saved changes, on the hosts it names, if they have not changed since.
            let inventory = saved.inventory
            convergence = Convergence(playbook: Playbook.current, inventory: inventory, secrets: saved.secrets)
            let selected = Set(try inventory.hosts(matching: fleet.selectors).map(\.name))
            work = try saved.plan.hosts.filter { selected.contains($0.host) }.map { hostPlan in
                guard let host = inventory.host(named: hostPlan.host) else {
                    throw CommandFailure(["\(fleet.inventory): host \(hostPlan.host) is no longer in \(saved.inventoryPath)"])
                }
                return (host, { [convergence] run in try await convergence.resume(hostPlan, on: host, in: run) })
            }
        } else {
            if planInventory != nil {
                throw ValidationError("--plan-inventory is for a plan saved by `converge plan --out`; \(fleet.inventory) is not one")
            }
            let (inventory, hosts) = try fleet.selectedHosts()
            convergence = try Convergence.checkingRoles(of: hosts, in: inventory)
            work = hosts.map { host in (host, { [convergence] run in try await convergence.plan(host, refreshingStaleLists: true, in: run) }) }
        }

        var applyOptions = ApplyOptions()
        applyOptions.stepTimeout = stepTimeout
        let interruption = Interruption()
        let signals = InterruptHandler(interruption)
        defer { signals.stop() }
        let rollout = RolloutSettings(isEnabled: !noRollout, batchSize: serial, maxFailures: maxFail,
                                      pause: pause.map { .milliseconds(Int(($0 * 1000).rounded())) })
        let runner = FleetRunner(options: .init(parallel: fleet.parallel), interruption: interruption, events: output.sink(.story))
        let result = await FleetApply(convergence: convergence, options: applyOptions, rollout: rollout).run(work, with: runner)
        output.printReport(of: result)
        if let status = signals.exitStatus { throw ExitCode(status) }
        if !result.report.succeeded { throw ExitCode(1) }
    }
}

extension OutputOptions {
    /// After an apply's run: on a terminal, every host's plan and outcome (the live display
    /// showed only where each host was); elsewhere only what the streamed lines could not
    /// tell; then the summary. With --quiet, only the hosts that did not converge; with
    /// --json, nothing (the stream ended with the run's report).
    func printReport(of result: FleetResult<AppliedHost>) {
        guard !json else { return }
        if quiet {
            print(result.hosts.filter { !$0.status.succeeded }.map(ApplyLog.render).joined(), terminator: "")
        } else if TextOutput.standardOutput.isTerminal {
            print(ApplyLog.render(result), terminator: "")
        }
        print(ApplyLog.summary(result.report), terminator: "")
    }
}

/// A plan saved by `converge plan --out`, given to `converge apply` in place of an inventory.
struct SavedPlan {
    var plan: Plan
    var inventoryPath: String
    var inventory: Inventory
    /// The inventory's secrets, whose store holds the team's plan key the plan was signed with.
    var secrets: SecretReader

    /// The plan in `path`, or nil when the file is not a saved plan (but, say, an inventory).
    ///
    /// - Parameter inventoryPath: The inventory to apply it with; the one it was made from
    ///   by default (which another controller's checkout may hold elsewhere).
    /// - Throws: when the plan was edited or signed with another team's key (its signature
    ///   does not check with the plan key in the inventory's store), or an operation in it
    ///   is not one a plan makes (a bad path, name or mode).
    static func load(_ path: String, inventory inventoryPath: String?) throws -> SavedPlan? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["schema"] as? String == Plan.schema else { return nil }
        let unverified: Plan
        do {
            unverified = try Plan(jsonData: data)
        } catch {
            throw CommandFailure(["\(path): \(error)"])
        }
        guard let inventoryPath = inventoryPath ?? unverified.inventory else {
            throw CommandFailure(["\(path): the plan does not say which inventory it was made from: give it with --plan-inventory FILE"])
        }
        guard FileManager.default.fileExists(atPath: inventoryPath) else {
            throw CommandFailure(["\(path): the plan was made from the inventory \(inventoryPath), which is not on this controller: give yours with --plan-inventory FILE"])
        }
        let inventory = try Inventory.load(contentsOf: inventoryPath)
        let secrets = SecretReader(inventory: inventory)
        let plan: Plan
        do {
            plan = try Plan(jsonData: data, verifiedWith: try secrets.planKey())
            for host in plan.hosts { try host.validateOperations() }
        } catch {
            throw CommandFailure(["\(path): \(error)"])
        }
        return SavedPlan(plan: plan, inventoryPath: inventoryPath, inventory: inventory, secrets: secrets)
    }
}

extension HostCount: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
