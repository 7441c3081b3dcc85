import Facts
import Foundation
import Testing
import TestSupport

@testable import Planner
@testable import Resources

/// Kernel settings: the fact that reads the running values, and the plan of a ``Sysctl``.
@Suite struct SysctlTests {
    let keys = ["net.core.somaxconn", "net.ipv4.ip_local_port_range", "net.ipv4.conf.eth0/1.rp_filter", "vm.swappiness"]

    @Test func theFactReadsEverySettingWithOneGrep() throws {
        let fact = KernelSettingsFact(keys: keys)
        #expect(fact.command == "cd /proc/sys || exit\ngrep -H -s '' -- 'net/core/somaxconn' 'net/ipv4/ip_local_port_range' 'net/ipv4/conf/eth0.1/rp_filter' 'vm/swappiness' || [ $? -le 2 ]")
        // As a bookworm container prints it: no eth0.1 there, and tabs between values.
        let values = try fact.parse("net/core/somaxconn:4096\nnet/ipv4/ip_local_port_range:32768\t60999\nvm/swappiness:60\n")
        #expect(values == ["net.core.somaxconn": "4096", "net.ipv4.ip_local_port_range": "32768\t60999", "vm.swappiness": "60"])
        #expect(throws: FactParseError.self) { try fact.parse("kernel/hostname:web1\n") }
    }

    @Test func theFactRunsHere() throws {
        let fact = KernelSettingsFact(keys: ["kernel.ostype", "net.ipv4.ip_local_port_range", "converge.no.such.setting"])
        try expectValidSyntax(fact.command)
        let output = try run([dash, "-c", fact.command])
        #expect(output.status == 0, "\(output.stderr)")
        let values = try fact.parse(output.stdout)
        #expect(values["kernel.ostype"] == "Linux")
        #expect(values["net.ipv4.ip_local_port_range"]?.contains("\t") == true)
        #expect(values["converge.no.such.setting"] == nil)
        // None of them there: grep finds nothing, which is no failure.
        let none = try run([dash, "-c", KernelSettingsFact(keys: ["converge.no.such"]).command])
        #expect(none.status == 0)
        #expect(try KernelSettingsFact(keys: ["converge.no.such"]).parse(none.stdout).isEmpty)
    }

    @Test func keysAreChecked() {
        #expect(KernelSettingsFact.isValidKey("net.ipv4.conf.eth0/1.rp_filter"))
        for bad in ["somaxconn", "net..core", "net.core.somaxconn ", "net/../../etc.x", "net.core.$(reboot)", ""] {
            #expect(!KernelSettingsFact.isValidKey(bad), "\(bad)")
        }
        #expect(throws: PlanError.invalid(ResourceID(kind: "sysctl", name: "net..x"), "not a kernel setting (sysctl key): net..x")) {
            try HostStateQuery(resources: [Sysctl("net..x", 1)])
        }
        #expect(throws: PlanError.invalid(ResourceID(kind: "sysctl", name: "vm.swappiness"), "needs a value on one line")) {
            try HostStateQuery(resources: [Sysctl("vm.swappiness", "10\n20")])
        }
    }

    let settingFile = "/etc/sysctl.d/60-net.ipv4.ip_local_port_range.conf"
    let settingText = "# Managed by converge.\nnet.ipv4.ip_local_port_range = 10240 65000\n"

    @Test func aNewSettingWritesItsFileAndSetsTheKernel() throws {
        let state = HostState(kernelSettings: ["net.ipv4.ip_local_port_range": "32768\t60999"])
        let changes = try plan([Sysctl("net.ipv4.ip_local_port_range", "10240  65000")], state).changes
        let id = ResourceID(kind: "sysctl", name: "net.ipv4.ip_local_port_range")
        try #require(changes.count == 2)
        #expect(changes[0].resource == id)
        #expect(changes[0].action == .create)
        #expect(changes[0].content?.newText == settingText)
        #expect(changes[1] == Change(
            resource: id, action: .update, reason: "the running kernel has 32768 60999, want 10240 65000",
            fields: [FieldChange("value", old: "32768 60999", new: "10240 65000")],
            operation: .shell(Sysctl("net.ipv4.ip_local_port_range", "10240 65000").setCommand)))
        try expectValidSyntax(Sysctl("net.ipv4.ip_local_port_range", "10240 65000").setCommand)
    }

    @Test func aSettingInPlaceIsNoChange() throws {
        let state = HostState(
            paths: [settingFile: fileState(settingText)],
            kernelSettings: ["net.ipv4.ip_local_port_range": "10240\t65000"])
        #expect(try plan([Sysctl("net.ipv4.ip_local_port_range", "10240 65000")], state).changes.isEmpty)
    }

    @Test func aSettingTheKernelLacksIsPlannedAndNamed() throws {
        let state = HostState(paths: ["/etc/sysctl.d/60-net.bridge.bridge-nf-call-iptables.conf": fileState(
            "# Managed by converge.\nnet.bridge.bridge-nf-call-iptables = 1\n")])
        let changes = try plan([Sysctl("net.bridge.bridge-nf-call-iptables", 1)], state).changes
        #expect(changes.map(\.reason) == ["the running kernel has no net.bridge.bridge-nf-call-iptables now (a module not loaded?)"])
    }

    @Test func itsFileIsItsOwn() {
        #expect(throws: PlanError.self) {
            try plan([Sysctl("vm.swappiness", 10), File("/etc/sysctl.d/60-vm.swappiness.conf", content: "x")], HostState())
        }
    }

    func fileState(_ text: String) -> PathState {
        PathState(kind: .file, mode: 0o644, uid: 0, gid: 0, owner: "root", group: "root", size: text.utf8.count,
                  sha256: sha256Hex(Data(text.utf8)))
    }
}
