import Foundation

/// A live line per host on a terminal (`web1  applying: 4 of 14 changes made`), redrawn
/// in place as hosts move on, and removed when the run ends so that the report follows
/// on a clean screen. Only as many lines as the terminal has rows: beyond that, the hosts
/// being worked on, then a count of the others.
public final class LiveDisplay: FleetEventSink, @unchecked Sendable {
    private let output: TextOutput
    private let lock = NSLock()
    private var hosts: [String] = []
    private var states: [String: String] = [:]
    private var planned: [String: Int] = [:]
    private var made: [String: Int] = [:]
    private var finished: Set<String> = []
    private var drawnLines = 0
    private let rows: Int

    /// - Parameter output: A terminal; the display draws nothing on anything else.
    public init(output: TextOutput = .standardOutput) {
        self.output = output
        var size = winsize()
        rows = output.isTerminal && ioctl(output.descriptor!, UInt(TIOCGWINSZ), &size) == 0 && size.ws_row > 0
            ? Int(size.ws_row) : 24
    }

    public func receive(_ event: FleetEvent, at time: Date) {
        guard output.isTerminal else { return }
        lock.withLock {
            switch event {
            case .runStarted(_, let all):
                erase()
                hosts = all
                for host in all { states[host] = "waiting" }
            case .batchStarted(let number, let count, let group, let batch):
                for host in batch { states[host] = "rollout batch \(number) of \(count) (\(group))" }
            case .hostStarted(let host):
                states[host] = "starting"
            case .phaseEntered(let host, let phase):
                states[host] = switch phase {
                case .connect: "connecting"
                case .facts: "gathering facts"
                case .plan: "planning"
                case .turn: "waiting for its turn in the rollout"
                case .drain: "draining: out of the rotation of the hosts in front of it"
                case .undrain: "undraining: back into rotation"
                case .apply: "applying \(planned[host] ?? 0) change(s)"
                case .stopping: "stopping after the running step"
                case .reboot: "rebooting: waiting for it to come back"
                case .health: "waiting until it passes its health checks"
                case .exec: "running the command"
                case .bootstrap: "bootstrapping"
                }
            case .planned(let host, let plan):
                planned[host] = plan.changes.count
                made[host] = 0
            case .stepFinished(let host, let step):
                made[host, default: 0] += step.changes.count
                states[host] = "applying: \(made[host]!) of \(planned[host] ?? 0) change(s) done"
            case .hostFinished(let host, let report):
                states[host] = report.status.rawValue
                finished.insert(host)
            case .runFinished:
                erase()
                return
            case .batchFinished, .applied, .note, .output, .interruptRequested:
                return
            }
            redraw()
        }
    }

    private func redraw() {
        var shown = hosts
        var footer: String?
        if hosts.count > rows - 2 {
            // The hosts being worked on first; the rest counted.
            let active = hosts.filter { !finished.contains($0) && states[$0] != "waiting" }
            shown = Array(active.prefix(max(rows - 3, 1)))
            let done = hosts.filter(finished.contains).count
            footer = "\(done) done, \(active.count) in progress, \(hosts.count - done - active.count) waiting"
        }
        let width = shown.map(\.count).max() ?? 0
        var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
        for host in shown {
            text += "\u{1B}[2K" + host.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (states[host] ?? "") + "\n"
        }
        if let footer { text += "\u{1B}[2K" + footer + "\n" }
        let lines = shown.count + (footer == nil ? 0 : 1)
        if lines < drawnLines { text += "\u{1B}[J" }
        drawnLines = lines
        output.write(text)
    }

    /// Removes the display, leaving the terminal as it was before it appeared.
    private func erase() {
        guard drawnLines > 0 else { return }
        output.write("\u{1B}[\(drawnLines)A\u{1B}[J")
        drawnLines = 0
    }
}
