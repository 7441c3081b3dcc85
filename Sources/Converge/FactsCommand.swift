import ArgumentParser
import Facts
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

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let (_, hosts) = try fleet.selectedHosts()
        let clock = ContinuousClock()
        let started = clock.now
        let connector = HostConnector()
        let reports = await hosts.concurrentMap(limit: fleet.parallel) { host in
            await FactsReport.Entry.gather(from: host, using: connector)
        }
        let report = FactsReport(entries: reports, duration: clock.now - started)
        print(json ? try report.json() : report.table(), terminator: "")
        if report.failedCount > 0 { throw ExitCode(1) }
    }
}
