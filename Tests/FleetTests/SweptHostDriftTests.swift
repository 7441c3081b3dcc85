import Drift
import Facts
import Foundation
import Inventory
import Planner
import Resources
import Testing

@testable import Fleet

/// How a sweep's planned changes become the report's drift.
@Suite struct SweptHostDriftTests {
    let host = try! Inventory.parse(#"{"hosts": [{"name": "web1", "address": "10.0.0.1", "roles": []}]}"#, file: "t.json").hosts[0]

    func file(_ path: String, sha256: String?, content: String? = nil) -> PathState {
        PathState(kind: .file, mode: 0o644, uid: 0, gid: 0, owner: "root", group: "root", size: content?.utf8.count ?? 4,
                  sha256: sha256, content: content.map { Data($0.utf8) })
    }

    func drift(_ resources: [any Resource], _ state: HostState, secrets: SecretValues = SecretValues()) throws -> [ResourceDrift] {
        let plan = try Planner.plan(host: "web1", resources: resources, state: state, secrets: secrets)
        return plan.changes.compactMap { ResourceDrift(change: $0, host: "web1", state: state) }
    }

    @Test func showsAFilesContentAsAUnifiedDiff() throws {
        let motd = File("/etc/motd", content: "web1: managed by converge.\nGroups: web\n")
        let state = HostState(paths: ["/etc/motd": file("/etc/motd", sha256: "0000", content: "web1: managed by converge.\nGroups: web\nby hand\n")])
        let drift = try #require(try self.drift([motd], state).first)
        #expect(drift.resource == "file:/etc/motd")
        #expect(drift.content == ContentDrift(diff: [
            "--- /etc/motd (web1)", "+++ /etc/motd (playbooks)", "@@ -1,3 +1,2 @@",
            " web1: managed by converge.", " Groups: web", "-by hand",
        ]))
        // No digests as fields any more.
        #expect(drift.fields.isEmpty)
        // A missing file diffs from nothing.
        let created = try #require(try self.drift([motd], HostState()).first)
        #expect(created.content?.diff.prefix(2) == ["--- /dev/null", "+++ /etc/motd (playbooks)"])
    }

    @Test func saysOnlyThatASecretDiffers() throws {
        let token = File("/etc/app/token", content: .secret(.environment("APP_TOKEN")))
        let state = HostState(paths: ["/etc/app/token": file("/etc/app/token", sha256: "0000")])
        let drift = try #require(try self.drift([token], state, secrets: SecretValues([.environment("APP_TOKEN"): Data("s3cret".utf8)])).first)
        #expect(drift.content == .secret)
        #expect(drift.content?.diff == [] && drift.content?.expectedSHA256 == nil && drift.content?.expectedSize == nil)
    }

    @Test func showsBinaryContentBySizeAndDigest() throws {
        let blob = File("/etc/app/blob", content: .data(Data([0, 1, 2])))
        let state = HostState(paths: ["/etc/app/blob": file("/etc/app/blob", sha256: "abcd")])
        let content = try #require(try self.drift([blob], state).first?.content)
        #expect(content.diff.isEmpty && !content.isSecret)
        #expect(content.expectedSize == 3 && content.actualSHA256 == "abcd" && content.expectedSHA256?.count == 64)
    }

    @Test func showsAServicesRealStateAndSinceWhen() throws {
        let service = Service("nginx", running: true, enabled: true)
        let masked = ServiceState(loadState: "masked", activeState: "inactive", enablement: "masked", subState: "dead", since: 1_796_124_600)
        let state = HostState(packages: ["nginx": PackageState(status: PackageStatus("install ok installed"), version: "1.22", candidate: "1.22", availableVersions: ["1.22"])],
                              services: ["nginx.service": masked])
        let drift = try #require(try self.drift([Package("nginx"), service], state).first { $0.resource == "service:nginx" })
        #expect(drift.state == "masked")
        #expect(drift.since == Date(timeIntervalSince1970: 1_796_124_600))
        // Masked while it runs: it still runs, since it started; `running` did not change.
        let stillRunning = ServiceState(loadState: "masked", activeState: "active", enablement: "masked", subState: "running", since: 1_796_124_000)
        let runningDrift = try #require(try self.drift([service], HostState(services: ["nginx.service": stillRunning])).first)
        #expect(runningDrift.state == "masked, still active (running)")
        #expect(runningDrift.reason.hasPrefix("masked"))
        #expect(!runningDrift.fields.contains { $0.expected == $0.actual })
        let failed = ServiceState(loadState: "loaded", activeState: "failed", enablement: "disabled", subState: "failed", result: "exit-code")
        let failedDrift = try #require(try self.drift([service], HostState(services: ["nginx.service": failed])).first)
        #expect(failedDrift.state == "failed (exit-code), disabled")
        #expect(failedDrift.since == nil)
    }

    @Test func leavesOutWhatIsNoDriftOfItsOwn() throws {
        // An edited config notifies its service: the restart is the file's consequence.
        let config = File("/etc/nginx/nginx.conf", content: "worker_processes 2;\n", notifies: [.service("nginx")])
        let service = Service("nginx", running: true)
        let running = ServiceState(loadState: "loaded", activeState: "active", enablement: "enabled", subState: "running")
        let state = HostState(
            paths: ["/etc/nginx/nginx.conf": file("/etc/nginx/nginx.conf", sha256: "0000", content: "worker_processes 1;\n")],
            services: ["nginx.service": running])
        let plan = try Planner.plan(host: "web1", resources: [config, service], state: state)
        #expect(plan.changes.map(\.action) == [.update, .restart])
        #expect(plan.changes.compactMap { ResourceDrift(change: $0, host: "web1", state: state) }.map(\.resource) == ["file:/etc/nginx/nginx.conf"])
        // A command without a guard runs every time: no drift. One whose guard fails is.
        let commands: [any Resource] = [Command("always", "true"), Command("once", "touch /x", creates: "/x")]
        let guarded = HostState(guards: ["once": GuardState(createsExists: false, unlessStatus: nil)])
        #expect(try drift(commands, guarded).map(\.resource) == ["command:once"])
    }

    @Test func turnsSecretChecksIntoDriftOrUnverified() throws {
        let facts = HostFacts(
            release: DebianRelease(osRelease: ["ID": "debian", "VERSION_ID": "12", "VERSION_CODENAME": "bookworm"], debianVersion: "12.15"),
            kernel: Kernel(release: "6.1.0-28-amd64", version: "#1 SMP", machine: "x86_64"),
            architecture: Architecture(name: "amd64", machine: "x86_64", foreignArchitectures: []),
            initSystem: InitSystem(kind: .systemd, pid1: "systemd", systemdVersion: 252), packages: [])
        // The token's mode drifted too: one entry, with both.
        let mode = Change(
            resource: .file("/etc/app/token"), action: .update, reason: "mode 0644, want 0600",
            fields: [FieldChange("mode", old: "0644", new: "0600")],
            operation: .setAttributes(path: "/etc/app/token", owner: nil, group: nil, mode: 0o600))
        let swept = SweptHost(
            host: host, facts: facts, maintenance: MaintenanceFacts(aptPolicy: nil, aptLists: nil, reboot: nil, modifiedConffiles: nil),
            plan: HostPlan(host: "web1", factsFingerprint: "", query: try HostStateQuery(resources: []), changes: [mode]),
            state: HostState(), managedPackages: ["app"], managedFiles: ["/etc/app/token"],
            secretChecks: [
                SecretFileCheck(resource: .file("/etc/app/token"), source: "secret from environment variable APP_TOKEN", outcome: .differs),
                SecretFileCheck(resource: .file("/etc/app/key"), source: "secret from file /srv/key", outcome: .differs),
                SecretFileCheck(resource: .file("/etc/app/db.cnf"), source: "secret from environment variable DB", outcome: .noRecord),
                SecretFileCheck(resource: .file("/etc/app/ok"), source: "secret from environment variable OK", outcome: .matches),
            ])
        let sweep = HostSweep(swept)
        guard case .swept(_, let drift) = sweep.outcome else { Issue.record("not swept"); return }
        #expect(drift.map(\.resource) == ["file:/etc/app/token", "file:/etc/app/key"])
        #expect(drift[0].reason == "content differs from the last one written; mode 0644, want 0600")
        #expect(drift[0].content == .secret && drift[0].fields.map(\.field) == ["mode"])
        #expect(drift[1].reason == "content differs from the last one written" && drift[1].content == .secret)
        #expect(sweep.unverified == [UnverifiedResource(
            resource: "file:/etc/app/db.cnf",
            reason: "unknown: no recorded hash (the secret from environment variable DB is not at hand, and no apply recorded the file's digest)")])
        #expect(sweep.managedPackages == ["app"] && sweep.roles == [])
    }
}
