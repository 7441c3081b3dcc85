import ArgumentParser
import Fleet
import Foundation
import Logging

/// How much a command says, and in which form: the options every command that works on
/// hosts shares.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print every event of the run as a JSON line (schema \"converge-events\", version \(JSONLinesLog.version); docs/events.schema.json).")
    var json = false

    @Flag(name: .shortAndLong, help: "Say more on standard error: SSH phases, commands sent, timings (twice: everything).")
    var verbose: Int

    @Flag(name: .shortAndLong, help: "Say nothing while the run goes on; only the result and errors.")
    var quiet = false

    func validate() throws {
        if quiet && verbose > 0 { throw ValidationError("--quiet and --verbose contradict each other: give one") }
    }

    /// The sink for a command's run events, after setting up diagnostics.
    func sink(_ kind: RunDisplay.Kind) -> any FleetEventSink {
        Diagnostics.configure(level: quiet ? .error : verbose > 1 ? .trace : verbose == 1 ? .debug : .warning)
        return RunDisplay.sink(kind, json: json, quiet: quiet, verbose: verbose > 0)
    }
}

/// The library's log messages (swift-log) on standard error, at the level the operator chose.
enum Diagnostics {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var level = Logger.Level.warning
    nonisolated(unsafe) private static var bootstrapped = false

    static func configure(level: Logger.Level) {
        lock.withLock {
            Self.level = level
            guard !bootstrapped else { return }
            bootstrapped = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = lock.withLock { Self.level }
                return handler
            }
        }
    }
}
