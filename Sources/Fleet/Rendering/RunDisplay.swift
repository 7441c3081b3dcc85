import Foundation

/// How a command shows its run while it goes on, chosen once from the operator's options
/// and where the output goes: the sink the run's events are sent to.
public enum RunDisplay {
    /// Whether the command's own output is the run's story (apply, exec, bootstrap) or a
    /// report printed once the run ends (plan, drift, facts), whose progress must stay off
    /// standard output.
    public enum Kind: Sendable {
        case story
        case report
    }

    /// The sink for a run:
    /// - `json`: every event as a JSON line on standard output (``JSONLinesLog``);
    /// - `quiet`: nothing while it runs;
    /// - a story on a terminal: the live display (``LiveDisplay``); elsewhere, plain
    ///   timestamped lines (``LineLog``);
    /// - a report: the live display on standard error when that is a terminal, or plain
    ///   lines there when `verbose`.
    public static func sink(_ kind: Kind, json: Bool, quiet: Bool, verbose: Bool,
                            standardOutput: TextOutput = .standardOutput,
                            standardError: TextOutput = .standardError) -> any FleetEventSink {
        if json { return JSONLinesLog(output: standardOutput) }
        if quiet { return FleetEventFanOut([]) }
        switch kind {
        case .story:
            return standardOutput.isTerminal ? LiveDisplay(output: standardOutput) : LineLog(output: standardOutput)
        case .report:
            if standardError.isTerminal { return LiveDisplay(output: standardError) }
            return verbose ? LineLog(output: standardError) : FleetEventFanOut([])
        }
    }
}
