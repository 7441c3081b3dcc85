import Foundation
import Testing
import TestSupport

@testable import Facts

/// What the hardware facts find on each release's recorded outputs.
struct HardwareExpectation: Sendable, CustomTestStringConvertible {
    let release: String
    let memoryBytes: Int
    let cpus: Int
    let virtualization: String
    /// Each interface's name and addresses, `address/prefix`.
    let interfaces: [String: [String]]
    /// Mount point, type and size in KiB of the filesystems on disks.
    let disks: [(String, String, Int)]

    var testDescription: String { release }

    static let all = [
        HardwareExpectation(
            release: "jessie", memoryBytes: 4_046_060 * 1024, cpus: 2, virtualization: "kvm",
            interfaces: [
                "lo": ["127.0.0.1/8", "::1/128"],
                "eth0": ["192.0.2.21/24", "2001:db8:0:21::15/64", "fe80::5054:ff:fe3a:1c21/64"],
                "eth1": ["10.10.0.21/16", "fe80::5054:ff:fe7b:2e21/64"],
            ],
            disks: [("/", "ext4", 20_509_308), ("/var/lib/mysql", "xfs", 52_403_200)]),
        HardwareExpectation(
            release: "stretch", memoryBytes: 32_879_412 * 1024, cpus: 16, virtualization: "none",
            interfaces: [
                "lo": ["127.0.0.1/8", "::1/128"],
                // The temporary (privacy) address is left out: it changes every day.
                "eno1": ["198.51.100.34/24", "2001:db8:100:34:ae1f:6bff:fe44:9a10/64", "fe80::ae1f:6bff:fe44:9a10/64"],
                "eno2": ["10.10.0.34/16", "fe80::ae1f:6bff:fe44:9a11/64"],
            ],
            disks: [("/", "ext4", 57_534_560), ("/srv", "ext4", 906_148_040), ("/boot/efi", "vfat", 523_248)]),
        HardwareExpectation(
            release: "bullseye", memoryBytes: 24_683_664 * 1024, cpus: 2, virtualization: "systemd-nspawn",
            interfaces: ["lo": ["127.0.0.1/8", "::1/128"], "eth0": ["10.232.0.11/16", "fe80::f0de:57ff:fe68:cd8d/64"]],
            disks: [("/", "overlay", 264_212_084), ("/run/host/os-release", "ext4", 264_212_084)]),
        HardwareExpectation(
            release: "bookworm", memoryBytes: 24_683_664 * 1024, cpus: 2, virtualization: "systemd-nspawn",
            interfaces: ["lo": ["127.0.0.1/8", "::1/128"], "eth0": ["10.232.0.12/16", "fe80::8055:4dff:fe2c:ba26/64"]],
            disks: [("/", "overlay", 264_212_084), ("/run/host/os-release", "ext4", 264_212_084)]),
        HardwareExpectation(
            release: "trixie", memoryBytes: 24_683_664 * 1024, cpus: 2, virtualization: "systemd-nspawn",
            interfaces: ["lo": ["127.0.0.1/8", "::1/128"], "eth0": ["10.232.0.13/16", "fe80::ecb1:5bff:fe3c:e08e/64"]],
            disks: [("/", "overlay", 264_212_084), ("/run/host/os-release", "ext4", 264_212_084)]),
    ]

    func fixture(_ file: String) throws -> String { try Fixture.text("\(release)/\(file)") }
}

@Suite struct HardwareFactsTests {
    @Test(arguments: HardwareExpectation.all)
    func readsEachRelease(_ expected: HardwareExpectation) throws {
        #expect(try MemoryFact().parse(expected.fixture("memory")) == Memory(totalBytes: expected.memoryBytes))
        #expect(try ProcessorCountFact().parse(expected.fixture("processors")) == expected.cpus)
        let virtualization = try VirtualizationFact().parse(expected.fixture("virtualization"))
        #expect(virtualization.name == expected.virtualization)
        #expect(virtualization.isContainer == (expected.virtualization == "systemd-nspawn"))

        let interfaces = try NetworkInterfacesFact().parse(expected.fixture("interfaces"))
        #expect(Dictionary(uniqueKeysWithValues: interfaces.map { ($0.name, $0.addresses.map(\.description)) })
            == expected.interfaces)
        #expect(interfaces.filter(\.isLoopback).map(\.name) == ["lo"])

        let disks = try MountsFact().parse(expected.fixture("mounts")).filter { !$0.isInMemory }
        #expect(disks.map(\.mountPoint) == expected.disks.map(\.0))
        #expect(disks.map(\.type) == expected.disks.map(\.1))
        #expect(disks.map(\.sizeBytes) == expected.disks.map { $0.2 * 1024 })
    }

    /// Without `ip`, the kernel's tables give the same addresses, IPv4 first: only their
    /// order differs from ip's.
    @Test(arguments: HardwareExpectation.all.filter { $0.release != "stretch" })
    func readsInterfacesWithoutIP(_ expected: HardwareExpectation) throws {
        let interfaces = try NetworkInterfacesFact().parse(expected.fixture("interfaces-without-ip"))
        let found = Dictionary(uniqueKeysWithValues: interfaces.map { ($0.name, Set($0.addresses.map(\.description))) })
        #expect(found == expected.interfaces.mapValues(Set.init))
    }

    /// This machine's hardware, read by the facts' commands in each shell (dash as on
    /// jessie, busybox's ash, bash in POSIX mode), against what coreutils and /proc say.
    @Test(arguments: Shell.available)
    func readsThisMachine(_ shell: Shell) throws {
        var probe = FactProbe()
        let memory = probe.add(MemoryFact())
        let processors = probe.add(ProcessorCountFact())
        let virtualization = probe.add(VirtualizationFact())
        let interfaces = probe.add(NetworkInterfacesFact())
        let mounts = probe.add(MountsFact())
        let run = try shell.run(probe.script)
        let results = probe.results(from: run.stdout)
        #expect(results.errors == [])
        let nproc = try TestSupport.run(["/usr/bin/nproc"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try results.value(for: processors) == Int(nproc))
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let total = try #require(meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") })
        #expect(try results.value(for: memory).totalBytes == Int(total.split(separator: " ")[1])! * 1024)
        #expect(try !results.value(for: virtualization).name.isEmpty)
        #expect(try results.value(for: interfaces).contains { $0.name == "lo" && $0.addresses.contains { $0.address == "127.0.0.1" } })
        #expect(try results.value(for: mounts).contains { $0.mountPoint == "/" && $0.sizeBytes > 0 })
    }

    @Test func readsMountsWithSpacesAndUsage() throws {
        let mounts = try MountsFact().parse("""
            Filesystem     Type 1024-blocks   Used Available Capacity Mounted on
            /dev/sdb1      ext4     1000000 250000    700000      27% /srv/media files
            server:/export nfs4     2000000      -         -        - /mnt/nfs

            """)
        #expect(mounts.first == MountedFilesystem(
            mountPoint: "/srv/media files", device: "/dev/sdb1", type: "ext4", sizeBytes: 1_024_000_000,
            usedBytes: 256_000_000, availableBytes: 716_800_000))
        #expect(mounts.count == 1, "a filesystem without sizes is left out")
        #expect(throws: FactParseError.self) { try MountsFact().parse("") }
        #expect(throws: FactParseError.self) { try MountsFact().parse("Filesystem Type\n/dev/sda1 ext4 / \n") }
    }

    @Test func memoryTakesAContainersLimit() throws {
        let memory = try MemoryFact().parse("total 24683664 kB\nlimit 4294967296\n")
        #expect(memory.usableBytes == 4_294_967_296)
        #expect(try MemoryFact().parse("total 2048 kB\nlimit max\n") == Memory(totalBytes: 2_097_152))
        #expect(throws: FactParseError.self) { try MemoryFact().parse("limit max\n") }
        #expect(throws: FactParseError.self) { try MemoryFact().parse("total 12 MB\n") }
    }

    @Test func countsTheOnlineCPUsOfTheCpuset() throws {
        #expect(try ProcessorCountFact().parse("online 0-3,8-11\n") == 8)
        #expect(try ProcessorCountFact().parse("online 0-63\ncpuset 2,5\n") == 2)
        // A cpuset naming CPUs that are offline counts those online.
        #expect(try ProcessorCountFact().parse("online 0-3\ncpuset 2-7\n") == 2)
        #expect(try ProcessorCountFact().parse("cpuset 0\n") == 1)
        #expect(throws: FactParseError.self) { try ProcessorCountFact().parse("online 3-1\n") }
        #expect(throws: FactParseError.self) { try ProcessorCountFact().parse("") }
    }

    @Test func tellsVirtualMachinesWithoutSystemd() throws {
        #expect(try VirtualizationFact().parse("sys_vendor QEMU\nproduct_name Standard PC (i440FX + PIIX, 1996)\ncpu hypervisor\n").name == "qemu")
        #expect(try VirtualizationFact().parse("sys_vendor VMware, Inc.\nproduct_name VMware Virtual Platform\n").name == "vmware")
        #expect(try VirtualizationFact().parse("hypervisor xen\n").name == "xen")
        #expect(try VirtualizationFact().parse("cpu hypervisor\n").name == "vm-other")
        #expect(try VirtualizationFact().parse("sys_vendor Dell Inc.\nproduct_name PowerEdge R640\n") == .none)
        #expect(try VirtualizationFact().parse("detected \n") == .none)
        #expect(try VirtualizationFact().parse("detected lxc\n").isContainer)
        #expect(try VirtualizationFact().parse("detected kvm\n").isVirtualMachine)
    }

    @Test func parsesIPv6AndNetworks() throws {
        #expect(NetworkInterfacesFact.ipv6("fe800000000000000000000000000001") == "fe80::1")
        #expect(NetworkInterfacesFact.ipv6("20010db8000000010000000000000000") == "2001:db8:0:1::")
        #expect(NetworkInterfacesFact.ipv6("00000000000000000000000000000001") == "::1")
        #expect(NetworkInterfacesFact.ipv6("20010db8000100020003000400050006") == "2001:db8:1:2:3:4:5:6")
        let network = try #require(IPNetwork("10.231.0.0/16"))
        #expect(network.contains(try #require(IPAddress("10.231.4.250"))))
        #expect(!network.contains(try #require(IPAddress("10.232.0.1"))))
        #expect(!network.contains(try #require(IPAddress("fd00::1"))))
        #expect(try #require(IPNetwork("fd00::/8")).contains(try #require(IPAddress("fd12:3456::1"))))
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("web1/8") == nil)
    }
}
