import ArgumentParser
import Fleet
import Foundation
import Inventory

/// `converge facts`: what each host runs, gathered in one SSH round trip per host.
struct FactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facts",
        abstract: "Print each host's Debian release, kernel, architecture, packages and init system.",
        discussion: "Exits 0 when every selected host answered, 1 otherwise."
    )

    @OptionGroup var fleet: FleetOptions

    @OptionGroup(title: "Output options")
    var output: OutputOptions

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: "The facts as a table, or as one JSON document ({\"hosts\": [...], \"summary\": {...}}).")
    var format: Format = .table

    func validate() throws {
        if format == .json && output.json {
            throw ValidationError("--format json (one document) and --json (the run's events) are two outputs: give one")
        }
    }

    func run() async throws {
        let (inventory, hosts) = try fleet.selectedHosts()
        let convergence = Convergence(playbook: Playbook.current, inventory: inventory)
        let interruption = Interruption()
        let signals = InterruptHandler(interruption)
        defer { signals.stop() }
        let runner = FleetRunner(options: .init(parallel: fleet.parallel), interruption: interruption,
                                 events: output.sink(.report))
        let result = await convergence.facts(of: hosts, with: runner)
        let report = FactsReport(result, hosts: hosts)
        if !output.json { print(format == .json ? try report.json() : report.table(), terminator: "") }
        if let status = signals.exitStatus { throw ExitCode(status) }
        if report.failedCount > 0 { throw ExitCode(1) }
    }
}
