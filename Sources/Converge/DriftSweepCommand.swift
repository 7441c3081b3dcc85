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

    @Option(help: "Report format: text (coloured on a terminal), json (schema converge-drift-report, version 2) or html.")
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

        let started = Date()
        let clock = ContinuousClock()
        let begin = clock.now
        let sweeps = await hosts.concurrentMap(limit: fleet.parallel) { host in
            await Self.sweep(host, with: convergence)
        }
        let duration = (clock.now - begin).secondsValue
        var report = DriftReport(sweeps: sweeps, sweptAt: started, duration: duration)

        if let history {
            let store = try DriftHistory(path: history)
            let recorded = try store.record(
                startedAt: report.sweptAt, duration: report.duration,
                inventory: URL(fileURLWithPath: fleet.inventory).standardizedFileURL.path,
                hostCount: report.hosts.count, unreachableCount: report.unsweptHosts.count,
                findings: report.findings.map {
                    RecordedFinding(key: $0.key, category: $0.category.rawValue, subject: $0.subject, summary: $0.summary)
                },
                unverifiedSubjects: report.unsweptHosts)
            report.apply(FindingHistory(newKeys: Set(recorded.comparison.new.map(\.key)),
                                        resolved: recorded.comparison.resolved.map {
                                            ResolvedFinding(key: $0.key, summary: $0.summary)
                                        }))
        }

        let rendered: Data
        switch format {
        case .text: rendered = Data(report.text(colored: out == nil && isatty(STDOUT_FILENO) == 1).utf8)
        case .json: rendered = try report.json()
        case .html: rendered = Data(report.html().utf8)
        }
        if let out {
            try writeAtomically(rendered, to: URL(fileURLWithPath: out))
        } else {
            FileHandle.standardOutput.write(rendered)
        }
        if let prometheus {
            try report.writePrometheusTextfile(to: URL(fileURLWithPath: prometheus))
        }
        return report
    }

    /// Sweeps the host read-only (``Convergence/sweep(_:options:)``): its facts, how it
    /// stands with apt, dpkg and reboots, and what differs from the playbooks.
    static func sweep(_ host: Inventory.Host, with convergence: Convergence) async -> HostSweep {
        do {
            return HostSweep(try await convergence.sweep(host))
        } catch {
            let failure = HostFailure(error, host: host.name)
            return HostSweep(host: host.name, address: host.address, groups: host.groups,
                             outcome: failure.unreachable ? .unreachable(failure.headline) : .failed(failure.headline),
                             roles: host.roles)
        }
    }
}
