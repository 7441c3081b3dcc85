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

    @Test func theBaselinesRebootFollowsAnUpgradeOfLibcSystemdOrAKernel() throws {
        let reboot = UpgradePolicies.reboot
        func state(_ signals: String) -> HostState {
            var state = HostState(paths: ["/etc": directoryState()],
                                  factOutputs: [reboot.signals.name: FactOutput(stdout: signals, stderr: "", exitStatus: 0)])
            state.aptLists = freshLists
            return state
        }
        let libc = Change(resource: ResourceID(kind: "upgrades", name: "all"), action: .update, reason: "security upgrade",
                          operation: .upgradePackage(name: "libc6:amd64", version: "2.36-9+deb12u13"))
        struct Upgrades: Resource {
            var changes: [Change]
            var id: ResourceID { ResourceID(kind: "upgrades", name: "all") }
            var requires: [ResourceID] { [] }
            static var stage: ConvergenceStage { .packages }
            func addFacts(to query: inout HostStateQuery) throws(PlanError) {}
            func plan(in context: inout PlanContext) throws(PlanError) { changes.forEach { context.append($0) } }
        }
        let upgraded = try plan([reboot, Upgrades(changes: [libc])], state(""))
        #expect(upgraded.changes.map(\.resource) == [libc.resource, .reboot("upgrades")])
        #expect(upgraded.changes.last?.reason == "upgrades libc6:amd64")
        // Another package: no reboot.
        var openssl = libc
        openssl.operation = .upgradePackage(name: "openssl", version: nil)
        #expect(try plan([reboot, Upgrades(changes: [openssl])], state("")).changes.count == 1)
        let kernel = Change(resource: .package("linux-image-6.1.0-28-amd64"), action: .create, reason: "",
                            operation: .installPackage(name: "linux-image-6.1.0-28-amd64", version: nil, allowDowngrade: false))
        #expect(try plan([reboot, Upgrades(changes: [kernel])], state("")).changes.last?.reason == "upgrades linux-image-6.1.0-28-amd64")
        // What only a reboot renews still on a replaced library: a reboot, upgrades or not.
        let replaced = try plan([reboot], state("replaced 1 systemd\nreplaced 312 dbus-daemon\nreplaced 340 dbus-daemon\n"))
        #expect(replaced.changes.map(\.reason) == ["dbus-daemon, systemd still run a replaced library"])
        #expect(Reboot.package("linux-image-6.1.0-28-amd64", matches: "linux-image-*"))
        #expect(!Reboot.package("libc6-dev", matches: "libc6"))
        #expect(throws: PlanError.invalid(.reboot("k"), #""Libc" is not a package name pattern (lowercase letters, digits, '+', '-', '.', and '*')"#)) {
            try HostStateQuery(resources: [Reboot("k", whenUpgrading: ["Libc"])])
        }
    }

    @Test func theReplacedLibraryProbeRunsHere() throws {
        let command = UpgradePolicies.reboot.signals.command
        try expectValidSyntax(command)
        // On this machine, as a user: it reads what it can, and fails on nothing.
        let here = try run([dash, "-c", command.replacingOccurrences(of: "/var/run/reboot-required", with: "/nonexistent/converge")])
        #expect(here.status == 0, "\(here.stderr)")
        #expect(here.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("replaced ") }, "\(here.stdout)")
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
