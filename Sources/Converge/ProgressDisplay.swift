import Fleet
import Foundation

/// A live line per host on a terminal ("lab01  applying 15 changes"), redrawn in place as
/// hosts move on; nothing at all when stdout is not a terminal, so piped output and
/// `--json` stay plain.
actor ProgressDisplay: FleetProgress {
    private let hosts: [String]
    private var states: [String: String]
    private let enabled: Bool
    private var drawnLines = 0
    private let width: Int

    init(hosts: [String], enabled: Bool = isatty(STDOUT_FILENO) == 1) {
        self.hosts = hosts
        self.states = Dictionary(uniqueKeysWithValues: hosts.map { ($0, "waiting") })
        self.enabled = enabled
        self.width = hosts.map(\.count).max() ?? 0
    }

    func update(_ host: String, _ state: String) {
        guard enabled else { return }
        states[host] = state
        redraw()
    }

    /// Removes the display, leaving the terminal as it was before it appeared.
    func finish() {
        guard enabled, drawnLines > 0 else { return }
        write("\u{1B}[\(drawnLines)A\u{1B}[J")
        drawnLines = 0
    }

    private func redraw() {
        var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
        for host in hosts {
            text += "\u{1B}[2K" + host.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (states[host] ?? "") + "\n"
        }
        drawnLines = hosts.count
        write(text)
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
