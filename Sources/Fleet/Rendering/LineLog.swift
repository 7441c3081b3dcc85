import Foundation
import Planner
import Resources

/// A run as plain lines, each written as it happens and stamped with the time: what a
/// cron job's log or a CI job shows when the output is not a terminal.
///
/// ```
/// converge apply: 2 hosts, started 2026-12-03 12:01:02 UTC
/// 12:01:02 web1: 2 changes
/// 12:01:02 web1:   ~ file:/etc/motd  content differs
/// 12:01:03 web1:   ~ file:/etc/motd  ok
/// 12:01:03 web1:   * service:apache2  ok
/// 12:01:03 web1: changed, 2 changes in 1.20 s
/// 12:01:03 web2: unreachable: connect: no answer from 10.0.0.2 port 22 within 10 s
/// ```
///
/// Every line of a host starts with its time and name, so `grep ' web1: '` gives its story.
public final class LineLog: FleetEventSink, @unchecked Sendable {
    private let output: TextOutput
    private let lock = NSLock()
    private var plans: [String: HostPlan] = [:]
    private var firstFailure: [String: Change] = [:]
    private var reported: [String: Set<Int>] = [:]
    private var hostsWithOwnLines: Set<String> = []
    private let clock: DateFormatter
    private let stamp: DateFormatter

    /// - Parameter output: Where the lines go, standard output by default.
    public init(output: TextOutput = .standardOutput, timeZone: TimeZone = .current) {
        self.output = output
        clock = DateFormatter()
        clock.dateFormat = "HH:mm:ss"
        clock.timeZone = timeZone
        stamp = DateFormatter()
        stamp.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        stamp.timeZone = timeZone
    }

    public func receive(_ event: FleetEvent, at time: Date) {
        lock.withLock {
            let lines = lines(for: event, at: time)
            if !lines.isEmpty { output.write(lines.joined(separator: "\n") + "\n") }
        }
    }

    private func lines(for event: FleetEvent, at time: Date) -> [String] {
        let now = clock.string(from: time)
        func host(_ name: String, _ texts: [String]) -> [String] { texts.map { "\(now) \(name): \($0)" } }
        switch event {
        case .runStarted(let command, let hosts):
            return ["converge \(command): \(hosts.count) host\(hosts.count == 1 ? "" : "s"), started \(stamp.string(from: time))"]
        case .batchStarted(let number, let count, let group, let hosts):
            return ["\(now) rollout batch \(number) of \(count) (\(group)): \(hosts.joined(separator: ", "))"]
        case .planned(let name, let plan):
            // A host planned again (after a release upgrade) reports its new plan's steps.
            plans[name] = plan
            reported[name] = nil
            firstFailure[name] = nil
            guard !plan.isEmpty else { return [] }
            return host(name, PlanRenderer.render(plan).split(separator: "\n", omittingEmptySubsequences: false)
                .dropLast().map { line in
                    line.hasPrefix(name + ": ") ? String(line.dropFirst(name.count + 2)) : String(line)
                })
        case .stepFinished(let name, let step):
            guard let plan = plans[name] else { return [] }
            let outcome = Self.outcome(of: step)
            if case .failed = outcome, firstFailure[name] == nil { firstFailure[name] = plan.changes[step.changes[0]] }
            reported[name, default: []].formUnion(step.changes)
            return host(name, step.changes.flatMap { index in
                PlanRenderer.render(outcome, of: plan.changes[index], note: index == step.changes[0] && step.outcome == .ok ? step.output : nil,
                                    failed: firstFailure[name])
            })
        case .applied(let name, let applied):
            // What the streamed steps did not say: steps never reported, how the script ended.
            var texts: [String] = []
            if let result = applied.result {
                texts += PlanRenderer.opening(of: result, host: name)
                let failed = result.firstFailure.map { applied.plan.changes[$0] }
                for (index, change) in applied.plan.changes.enumerated() where !(reported[name]?.contains(index) ?? false) {
                    texts += PlanRenderer.render(result.outcomes[index], of: change, note: result.notes[index], failed: failed)
                }
                texts += PlanRenderer.closing(of: result, host: name)
            }
            texts += ApplyLog.outcome(of: AppliedHost(plan: applied.plan, notApplied: applied.notApplied, failure: applied.failure,
                                                      connectionCut: applied.connectionCut), host: name)
                .split(separator: "\n").map(String.init)
            hostsWithOwnLines.insert(name)
            return host(name, texts.map { $0.hasPrefix(name + ": ") ? String($0.dropFirst(name.count + 2)) : $0 })
        case .note(let name, let text):
            return host(name, [text])
        case .output(let name, let output):
            return host(name, ExecLog.lines(of: output))
        case .hostFinished(let name, let report):
            let changes = report.changes > 0 ? ", \(report.changes) change\(report.changes == 1 ? "" : "s")" : ""
            var texts = ["\(report.status.rawValue)\(changes) in \(formattedSeconds(report.seconds))"]
            // A failure the apply's own lines did not name (planning, connecting).
            if let failure = report.failure, !hostsWithOwnLines.contains(name) { texts = [failure.headline] }
            return host(name, texts)
        case .interruptRequested(let level, let signal):
            let by = signal.map { "SIG\($0)" } ?? "a request"
            return ["\(now) \(by): " + (level == .aborting ? "cutting every connection" : "starting no further host or step; running steps finish")]
        case .hostStarted, .phaseEntered, .batchFinished, .runFinished:
            return []
        }
    }

    private static func outcome(of step: StepReport) -> ApplyResult.Outcome {
        switch step.outcome {
        case .ok: .succeeded
        case .failed: .failed(exitStatus: step.exitStatus ?? 1, output: step.output ?? "")
        case .skipped: .skipped
        case .interrupted: .interrupted
        }
    }
}
