import ArgumentParser
import DriftHistory
import Foundation

/// `converge drift history`: the sweeps recorded with `--history`, newest first.
struct DriftHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the drift sweeps recorded in a history file, newest first."
    )

    @Option(help: ArgumentHelp("The SQLite history file drift sweeps were recorded in.", valueName: "file"))
    var history: String

    @Option(help: "Show at most this many sweeps.")
    var limit = 50

    func run() async throws {
        guard FileManager.default.fileExists(atPath: history) else {
            throw CommandFailure(["\(history): no such drift history (record one with `converge drift INVENTORY --history \(history)`)"])
        }
        let store = try DriftHistory(path: history)
        print(SweepTable.render(try store.sweeps(limit: limit), showInventory: true), terminator: "")
    }
}
