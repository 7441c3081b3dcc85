import Dispatch
import Fleet
import Foundation

/// Ctrl-C, SIGTERM (systemd stopping a timer's unit, `kill`) and SIGHUP (a closed
/// terminal) during a run, all alike: the first asks the run to stop gracefully, the
/// second at once, each said on standard error. Restores the default handling when stopped.
final class InterruptHandler: @unchecked Sendable {
    private static let signals: [(number: Int32, name: String)] = [(SIGINT, "INT"), (SIGTERM, "TERM"), (SIGHUP, "HUP")]
    private let sources: [any DispatchSourceSignal]
    private let interruption: Interruption

    init(_ interruption: Interruption) {
        self.interruption = interruption
        sources = Self.signals.map { signalNumber, name in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                let how = signalNumber == SIGINT ? "" : " (SIG\(name))"
                switch interruption.request(signal: name) {
                case .stopping:
                    FileOutput.printError("\ninterrupted\(how): starting no further host or step; running steps finish (Ctrl-C again to cut every connection)")
                case .aborting:
                    FileOutput.printError("\ninterrupted again\(how): cutting every connection")
                case .none:
                    break
                }
            }
            source.resume()
            return source
        }
    }

    /// The exit status of an interrupted command: 128 + the first signal's number, as a
    /// shell reports a command the signal killed (130 for Ctrl-C, 143 for SIGTERM, 129
    /// for SIGHUP); nil when not interrupted.
    var exitStatus: Int32? {
        guard interruption.level > .none else { return nil }
        let number = Self.signals.first { $0.name == interruption.signal }?.number ?? SIGINT
        return 128 + number
    }

    func stop() {
        for source in sources { source.cancel() }
        for (number, _) in Self.signals { signal(number, SIG_DFL) }
    }
}
