import Foundation
import Planner

/// The text of an apply: each host's plan and what became of each change, and the summary.
public enum ApplyLog {
    /// One host's part: its plan and each change's outcome, or why there was none:
    ///
    /// ```
    /// web1: 2 changes
    ///   ~ file:/etc/motd  content differs
    ///   ...
    ///   ~ file:/etc/motd  ok
    ///   * service:apache2  ok
    /// ```
    public static func render(_ host: HostResult<AppliedHost>) -> String {
        render(host.value, report: host.report)
    }

    /// A host's part from what its apply came to (nil when it was never planned) and its report.
    public static func render(_ applied: AppliedHost?, report: HostReport) -> String {
        guard let applied else {
            return report.failure.map { "\($0)\n" } ?? ""
        }
        if applied.plan.isEmpty { return "\(report.host): ok, no changes\n" }
        return PlanRenderer.render(applied.plan) + outcome(of: applied, host: report.host)
    }

    /// What became of a planned host's changes: each step's outcome and the host's last
    /// word, without the plan.
    public static func outcome(of applied: AppliedHost, host: String) -> String {
        var text = ""
        if let result = applied.result { text += PlanRenderer.render(result, of: applied.plan) }
        if let why = applied.notApplied { text += "\(host): not applied: \(why)\n" }
        if applied.connectionCut {
            text += "\(host): interrupted: the connection was cut mid-apply; steps already running on the host may finish there\n"
        } else if let failure = applied.failure {
            text += "\(failure)\n"
        }
        return text
    }

    /// Every host's part, in host order.
    public static func render(_ result: FleetResult<AppliedHost>) -> String {
        result.hosts.map(render).joined()
    }

    /// One line per host, then the counts:
    ///
    /// ```
    /// SUMMARY
    /// web1  changed  3 change(s)
    /// web2  interrupted  12 change(s)
    /// 2 host(s): 0 ok, 1 changed, 0 failed, 0 unreachable, 0 skipped, 1 interrupted in 4.20 s
    /// ```
    public static func summary(_ report: RunReport) -> String {
        var text = "\nSUMMARY\n"
        let width = report.hosts.map(\.host.count).max() ?? 4
        for host in report.hosts {
            let detail = [.changed, .failed, .interrupted].contains(host.status) ? "  \(host.changes) change(s)" : ""
            text += host.host.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(host.status.rawValue)\(detail)\n"
        }
        if let stoppedEarly = report.stoppedEarly, !report.interrupted { text += "stopped: \(stoppedEarly)\n" }
        // The usual five counts always; interrupted and not-started ones when there are any.
        let usual: [HostStatus] = [.ok, .changed, .failed, .unreachable, .skipped]
        let shown = HostStatus.allCases.filter { usual.contains($0) || report.count($0) > 0 }
        let counts = shown.map { "\(report.count($0)) \($0.rawValue)" }
        text += "\(report.hosts.count) host(s): \(counts.joined(separator: ", ")) in \(formattedSeconds(report.seconds))\n"
        if report.interrupted {
            // Ctrl-C goes without saying; a signal from elsewhere (systemd's SIGTERM) is named.
            let by = report.signal.flatMap { $0 == "INT" ? nil : " (SIG\($0))" } ?? ""
            text += "interrupted\(by): hosts \"interrupted\" stopped between steps; \"not started\" ones were not touched\n"
        }
        return text
    }
}
