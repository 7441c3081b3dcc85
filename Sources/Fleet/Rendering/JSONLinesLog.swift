import Foundation
import Planner

/// A run as JSON Lines: one object per event, written as it happens (`--json`).
///
/// Every line has `schema` (`converge-events`), `version` (``version``), `time` (RFC 3339,
/// UTC, milliseconds) and `event`, then the event's own fields; `docs/events.schema.json`
/// describes them all. A field is added in a compatible way within a version; a field
/// renamed or removed, or a meaning changed, raises the version.
public final class JSONLinesLog: FleetEventSink, @unchecked Sendable {
    /// The schema's name in every line.
    public static let schema = "converge-events"
    /// The schema's version in every line.
    public static let version = 2

    private let output: TextOutput
    private let lock = NSLock()
    private let encoder: JSONEncoder

    public init(output: TextOutput = .standardOutput) {
        self.output = output
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    public func receive(_ event: FleetEvent, at time: Date) {
        lock.withLock {
            guard let data = try? encoder.encode(Self.line(for: event, at: timestamp.string(from: time))) else { return }
            output.write(String(decoding: data, as: UTF8.self) + "\n")
        }
    }

    private let timestamp: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    /// The object written for `event`.
    static func line(for event: FleetEvent, at time: String) -> Line {
        var line = Line(time: time, event: "")
        switch event {
        case .runStarted(let command, let hosts):
            (line.event, line.command, line.hosts) = ("runStarted", command, hosts)
        case .batchStarted(let number, let count, let group, let hosts):
            (line.event, line.batch, line.batches, line.group, line.hosts) = ("batchStarted", number, count, group, hosts)
        case .hostStarted(let host):
            (line.event, line.host) = ("hostStarted", host)
        case .phaseEntered(let host, let phase):
            (line.event, line.host, line.phase) = ("phaseEntered", host, phase)
        case .planned(let host, let plan):
            (line.event, line.host, line.plan) = ("planned", host, plan)
        case .stepFinished(let host, let step):
            (line.event, line.host, line.step) = ("stepFinished", host, step)
        case .applied(let host, let applied):
            (line.event, line.host, line.applied) = ("applied", host, AppliedLine(applied))
        case .note(let host, let text):
            (line.event, line.host, line.text) = ("note", host, text)
        case .output(let host, let output):
            (line.event, line.host, line.output) = ("output", host, output)
        case .hostFinished(let host, let report):
            (line.event, line.host, line.report) = ("hostFinished", host, report)
        case .batchFinished(let number):
            (line.event, line.batch) = ("batchFinished", number)
        case .interruptRequested(let level, let signal):
            (line.event, line.level, line.signal) = ("interruptRequested", level == .aborting ? "abort" : "stop", signal)
        case .runFinished(let report):
            (line.event, line.run) = ("runFinished", report)
        }
        return line
    }

    /// One line of the stream; nil fields are left out.
    struct Line: Encodable {
        var schema = JSONLinesLog.schema
        var version = JSONLinesLog.version
        var time: String
        var event: String
        var command: String?
        var batches: Int?
        var group: String?
        var batch: Int?
        var hosts: [String]?
        var host: String?
        var phase: HostPhase?
        var plan: HostPlan?
        var step: StepReport?
        var applied: AppliedLine?
        var text: String?
        var output: CommandOutput?
        var report: HostReport?
        var level: String?
        var signal: String?
        var run: RunReport?
    }

    /// What an apply came to, without the plan (its own event) or the steps reported already.
    struct AppliedLine: Encodable {
        /// Each change's outcome, by its index in the plan: ok, failed, skipped, interrupted, unknown.
        var outcomes: [String]
        var notApplied: String?
        var abortMessage: String?
        var lockWaitSeconds: Int?
        var exitStatus: Int32?
        var exitSignal: String?
        var stderr: String?
        var failure: HostFailure?
        var connectionCut: Bool

        init(_ applied: AppliedHost) {
            outcomes = applied.result?.outcomes.map { outcome in
                switch outcome {
                case .succeeded: "ok"
                case .failed: "failed"
                case .skipped: "skipped"
                case .interrupted: "interrupted"
                case .unknown: "unknown"
                }
            } ?? []
            notApplied = applied.notApplied
            abortMessage = applied.result?.abortMessage
            lockWaitSeconds = applied.result?.lockWait
            exitStatus = applied.result?.exit?.status
            exitSignal = applied.result?.exit?.signal
            stderr = applied.result?.exit?.stderr
            failure = applied.failure
            connectionCut = applied.connectionCut
        }
    }
}
