import Dispatch
import Fleet
import Foundation

/// Ctrl-C during a run: the first asks the run to stop gracefully, the second at once, each
/// said on standard error. Restores the default handling when stopped.
final class InterruptHandler: @unchecked Sendable {
    private let source: DispatchSourceSignal

    init(_ interruption: Interruption) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            switch interruption.request() {
            case .stopping:
                FileOutput.printError("\ninterrupted: starting no further host or step; running steps finish (Ctrl-C again to cut every connection)")
            case .aborting:
                FileOutput.printError("\ninterrupted again: cutting every connection")
            case .none:
                break
            }
        }
        source.resume()
    }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
