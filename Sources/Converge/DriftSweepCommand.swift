import ArgumentParser
import Drift
import DriftHistory
import Fleet
import Foundation
import Inventory
import Planner

/// `converge drift INVENTORY`: one read-only sweep of every host, then the report.
struct DriftSweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep every host read-only and report drift (the default drift command)."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, html }

    @OptionGroup var fleet: FleetOptions

    @OptionGroup(title: "Output options")
    var output: OutputOptions

    @Option(help: "Report format: text (coloured on a terminal), json (schema converge-drift-report, version 2) or html. (--json gives the run's events instead; --out and --prometheus still get the report.)")
    var format: Format = .text

    @Option(help: ArgumentHelp("Write the report to this file (atomically) instead of stdout.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Also write metrics for node_exporter's textfile collector to this file.", valueName: "file"))
    var prometheus: String?

    @Option(help: ArgumentHelp("Record the sweep in this SQLite file and mark what is new or resolved since the last one.",
                               valueName: "file"))
    var history: String?

    func run() async throws {
        do {
            let report = try await sweep()
            throw ExitCode(report.exitStatus.rawValue)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // Cron tells errors from drift by the status: 2, never 1 or 3.
            FileOutput.printError("Error: \(error)")
            throw ExitCode(Drift.ExitStatus.error.rawValue)
        }
    }

    private func sweep() async throws -> DriftReport {
        let (inventory, hosts) = try fleet.selectedHosts()
        let convergence = try Convergence.checkingRoles(of: hosts, in: inventory)
        let interruption = Interruption()
        let signals = InterruptHandler(interruption)
        defer { signals.stop() }
        let runner = FleetRunner(options: .init(parallel: fleet.parallel), interruption: interruption,
                                 events: output.sink(.report))
        let started = Date()
        var report = DriftReport(await convergence.sweep(hosts, with: runner), hosts: hosts, sweptAt: started)
        if let status = signals.exitStatus { throw ExitCode(status) }
        if let history {
            try report.record(in: try DriftHistory(path: history),
                              inventory: URL(fileURLWithPath: fleet.inventory).standardizedFileURL.path)
        }
        let rendered: Data
        switch format {
        case .text: rendered = Data(report.text(colored: out == nil && isatty(STDOUT_FILENO) == 1).utf8)
        case .json: rendered = try report.json()
        case .html: rendered = Data(report.html().utf8)
        }
        if let out {
            try writeAtomically(rendered, to: URL(fileURLWithPath: out))
        } else if !output.json {
            FileHandle.standardOutput.write(rendered)
        }
        if let prometheus {
            try report.writePrometheusTextfile(to: URL(fileURLWithPath: prometheus))
        }
        return report
    }
}
