import Facts
import Foundation
import Testing

@testable import Planner
@testable import Resources

/// The newer resource types on Debian 8 and 9, planned from what those releases print
/// (Fixtures/jessie and Fixtures/stretch, written from their kernels', debconf's, systemd
/// 215's and /proc/mounts' output): their lab hosts cannot be made here any more.
@Suite struct OldReleaseTypesTests {
    @Test(arguments: ["jessie", "stretch"]) func sysctlFromTheKernelsSettings(release: String) throws {
        let fact = KernelSettingsFact(keys: ["net.core.somaxconn", "net.ipv4.ip_local_port_range"])
        let running = try fact.parse(Fixture.text("\(release)/kernel-settings"))
        #expect(running["net.core.somaxconn"] == "128")
        let plan = try plan([Sysctl("net.core.somaxconn", 4096), Sysctl("net.ipv4.ip_local_port_range", "10240 65000")],
                            HostState(kernelSettings: running))
        #expect(plan.changes.map(\.reason).filter { $0.hasPrefix("the running kernel") }
            == ["the running kernel has 128, want 4096", "the running kernel has \(release == "jessie" ? "32768 61000" : "32768 60999"), want 10240 65000"])
    }

    @Test(arguments: ["jessie", "stretch"]) func debconfOfAnInstalledExim(release: String) throws {
        let answer = Debconf("exim4-config", "exim4/dc_eximconfig_configtype", type: .select,
                             value: "internet site; mail is sent and received directly using SMTP")
        let state = HostState(factOutputs: [answer.answers.name: FactOutput(stdout: try Fixture.text("\(release)/debconf-exim4-config"),
                                                                             stderr: "", exitStatus: 0)])
        let changes = try plan([answer], state).changes
        if release == "jessie" {
            // Answered otherwise, and installed: set, then reconfigured.
            #expect(changes.map(\.reason) == ["answered local delivery only; not on a network; exim4-config is reconfigured"])
            guard case .shell(let script) = try #require(changes.first).operation else { Issue.record("not a script"); return }
            #expect(script.hasSuffix("dpkg-reconfigure -f noninteractive 'exim4-config'"))
        } else {
            #expect(changes.isEmpty)
        }
    }

    /// systemd 215 (jessie) knows timers, reports an unknown one as not-found, and its
    /// `systemctl show` has no UnitFileState for it.
    @Test func aTimerOnSystemd215() throws {
        let timer = SystemdTimer("converge-tick", onCalendar: "*:0/30", command: "date +%s > /var/tmp/converge-tick")
        let services = try ServiceStatesFact(units: ["converge-tick.timer"]).parse(Fixture.text("jessie/service-states-timer"))
        #expect(services["converge-tick.timer"]?.exists == false)
        let changes = try plan([timer], HostState(services: services)).changes
        #expect(changes.map(\.operation).suffix(2) == [.reloadSystemd, .ensureService(unit: "converge-tick.timer", running: true, enabled: true, refresh: nil)])
        // OnCalendar and Persistent are systemd 212's: jessie's 215 reads the unit.
        #expect(changes.contains { $0.content?.newText?.contains("OnCalendar=*:0/30\nPersistent=true\n") == true })
    }

    /// stretch's GlusterFS client, mounted through FUSE as fstab says: nothing to do.
    @Test func aGlusterFSMountOnStretch() throws {
        let shared = Mount("/srv/shared", device: "gluster1:/shared", type: "glusterfs", options: ["defaults", "_netdev"])
        let state = HostState(factOutputs: [
            "fstab:/srv/shared": FactOutput(stdout: "exists\nsame\n", stderr: "", exitStatus: 0),
            "mount:/srv/shared": FactOutput(stdout: try Fixture.text("stretch/mounts-glusterfs"), stderr: "", exitStatus: 0),
        ])
        #expect(try plan([shared], state).changes.isEmpty)
    }
}
