import Facts
import Foundation
import Testing
import TestSupport

@testable import Planner
@testable import Resources

/// ``Reboot``: planned when notified (or asked for by the host), at the end of the run, and
/// an apply script that ends with it.
@Suite struct RebootTests {
    let kernel = Package("linux-image-amd64", notifies: [.reboot("kernel")])
    let motd = File("/etc/motd", content: "hello\n")

    /// A host without the kernel package, with `signals` as the reboot's fact prints them.
    func state(_ signals: String = "", kernelInstalled: Bool = false) -> HostState {
        HostState(
            packages: ["linux-image-amd64": kernelInstalled ? installed("6.1.0") : notInstalled(candidate: "6.1.0")],
            aptLists: freshLists, paths: ["/etc": directoryState()],
            factOutputs: ["reboot:kernel": FactOutput(stdout: signals, stderr: "", exitStatus: 0)])
    }

    @Test func aNotifiedRebootComesLastWithItsReason() throws {
        // Declared first, the reboot still comes after the file and the service.
        let host = try plan([Reboot("kernel"), kernel, motd, Service("ssh")], {
            var state = state()
            state.services["ssh.service"] = running()
            return state
        }())
        #expect(host.changes.map(\.resource) == [.package("linux-image-amd64"), .file("/etc/motd"), .reboot("kernel")])
        let reboot = try #require(host.changes.last)
        #expect(reboot.action == .reboot)
        #expect(reboot.reason == "notified by package:linux-image-amd64")
        #expect(reboot.operation == .reboot(pending: "reboot:kernel", timeout: 600))
        // The install marks the reboot pending on the host, until it happens.
        #expect(host.changes[0].notifies == ["reboot:kernel"])
        #expect(PlanRenderer.render(reboot) == ["* reboot:kernel  reboot: notified by package:linux-image-amd64"])
    }

    @Test func nothingNotifiedNoReboot() throws {
        let host = try plan([Reboot("kernel"), kernel, motd], state(kernelInstalled: true))
        #expect(host.changes.map(\.resource) == [.file("/etc/motd")])
        // The host's flag alone reboots only when asked to.
        let flagged = try plan([Reboot("kernel"), kernel], state("required\npackage linux-image-6.1.0-18-amd64\n", kernelInstalled: true))
        #expect(flagged.isEmpty)
    }

    @Test func theHostsFlagAndAPendingRebootAskForOne() throws {
        let flagged = try plan(
            [Reboot("kernel", timeout: 900, whenRequired: true), kernel],
            state("required\npackage linux-image-6.1.0-18-amd64\npackage libc6\n", kernelInstalled: true))
        #expect(flagged.changes.map(\.reason) == ["the host asks for one (/var/run/reboot-required, for linux-image-6.1.0-18-amd64, libc6)"])
        #expect(flagged.changes.first?.operation == .reboot(pending: "reboot:kernel", timeout: 900))
        let pending = try plan([Reboot("kernel"), kernel], state("pending\n", kernelInstalled: true))
        #expect(pending.changes.map(\.reason) == ["a reboot left pending by an earlier converge"])
    }

    @Test func whatRequiresTheRebootComesAfterIt() throws {
        let after = Command("check", "uname -r", requires: [.reboot("kernel")])
        let host = try plan([after, Reboot("kernel"), kernel, motd], state())
        #expect(host.changes.map(\.resource) == [.package("linux-image-amd64"), .file("/etc/motd"), .reboot("kernel"), .command("check")])
    }

    @Test func namesAndTimeoutsAreChecked() {
        #expect(throws: PlanError.invalid(.reboot("a b"), "a reboot's name is letters, digits, '.', '_' and '-'")) {
            try HostStateQuery(resources: [Reboot("a b")])
        }
        #expect(throws: PlanError.invalid(.reboot("k"), "timeout 0 s is not 1 to 86400")) {
            try HostStateQuery(resources: [Reboot("k", timeout: 0)])
        }
        #expect(throws: PlanError.notifiesNonService(.package("linux-image-amd64"), .package("nginx"))) {
            try plan([Package("linux-image-amd64", notifies: [.package("nginx")]), Package("nginx")], state())
        }
        let forged = HostPlan(host: "web1", factsFingerprint: "", query: HostStateQuery(), changes: [
            Change(resource: .reboot("k"), action: .reboot, reason: "", operation: .reboot(pending: "../../etc/passwd", timeout: 600)),
        ])
        #expect(throws: PlanError.self) { try forged.validateOperations() }
    }

    @Test func theFactReadsTheMarkAndTheFlag() throws {
        let command = Reboot("kernel").signals.command
        try expectValidSyntax(command)
        #expect(command.contains("'/var/lib/converge/pending/reboot:kernel'"))
        // Here, where neither is: nothing.
        let here = try run([dash, "-c", command.replacingOccurrences(of: "/var/run/reboot-required", with: "/nonexistent/converge")])
        #expect(here.status == 0 && here.stdout == "", "\(here.stderr)")
    }

    @Test func aRebootEndsItsScriptAndTheRestIsAnother() throws {
        let after = Command("check", "uname -r", requires: [.reboot("kernel")])
        let host = try plan([after, Reboot("kernel"), kernel, motd], state())
        let boundary = "--converge-apply-test-boundary--"
        let first = try ApplyScript(plan: host, boundary: boundary)
        // The package, the file, the reboot; then the command.
        #expect(first.steps.count == 4)
        #expect(first.stepRange == 0..<3)
        #expect(first.endsInReboot)
        #expect(first.text.contains("converge_reboot 2 'reboot:kernel'\n"))
        #expect(!first.text.contains("# step 3"))
        let second = try ApplyScript(plan: host, boundary: boundary, startingAt: 3)
        #expect(second.stepRange == 3..<4)
        #expect(!second.endsInReboot)
        #expect(second.text.contains("# step 3: command:check\n"))
        #expect(!second.text.contains("# step 2"))

        // The first reports its steps, then the boot ID; the second the rest.
        var total = ApplyResult(outcomes: Array(repeating: .unknown, count: host.changes.count), abortMessage: nil, isComplete: false)
        let report = (0..<3).map { "\(boundary) step \($0) ok\n" }.joined() + "\(boundary) reboot 0ca608af-2afb-4a61-be9e-92c6b88bf0f8\n\(boundary) done\n"
        let reported = first.results(from: report)
        #expect(reported.isComplete)
        #expect(reported.rebootBootID == "0ca608af-2afb-4a61-be9e-92c6b88bf0f8")
        #expect(reported.outcomes.last == .unknown)
        total.merge(reported, of: first)
        #expect(!total.succeeded)
        // The second script's reports of the first one's steps are not its own: ignored.
        let rest = second.results(from: "\(boundary) step 0 ok\n\(boundary) reboot 1\n\(boundary) step 3 ok\n\(boundary) done\n")
        #expect(rest.rebootBootID == nil)
        total.merge(rest, of: second)
        #expect(total.succeeded)
        // A reboot step that failed: no boot ID, so no reboot to wait for.
        let failed = first.results(from: (0..<2).map { "\(boundary) step \($0) ok\n" }.joined() + "\(boundary) step 2 failed 1 6e6f\n\(boundary) reboot 0ca6\n\(boundary) done\n")
        #expect(failed.rebootBootID == nil)
    }

    @Test func theScriptsRunHere() throws {
        // Both halves are valid sh; the reboot's own step checks for systemctl and syncs.
        let host = try plan([Command("check", "true", requires: [.reboot("kernel")]), Reboot("kernel"), kernel], state())
        try expectValidSyntax(try ApplyScript(plan: host).text)
        try expectValidSyntax(try ApplyScript(plan: host, startingAt: 2).text)
        let step = try ShellCommands.commands(for: .reboot(pending: "reboot:kernel", timeout: 600), secrets: SecretValues())
        #expect(step.contains("command -v systemctl") && step.hasSuffix("sync"))
    }
}
