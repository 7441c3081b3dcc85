import Testing

@testable import Facts

@Suite struct KernelTests {
    @Test(arguments: Release.all)
    func readsEachRelease(_ release: Release) throws {
        let kernel = try KernelFact().parse(try release.fixture("uname"))
        #expect(kernel.release == release.kernelRelease)
        #expect(kernel.version.hasPrefix("#1 SMP "))
        #expect(kernel.version.contains("Debian"))
        #expect(kernel.machine == "x86_64")
    }

    @Test func rejectsMissingLines() {
        #expect(throws: FactParseError.self) { try KernelFact().parse("6.1.0-28-amd64\n") }
        #expect(throws: FactParseError.self) { try KernelFact().parse("6.1.0-28-amd64\n\nx86_64\n") }
    }
}

@Suite struct ArchitectureTests {
    @Test func readsDpkgsArchitectures() throws {
        let architecture = try ArchitectureFact().parse(
            "machine x86_64\ndpkg amd64\nforeign i386\nforeign armhf\n")
        #expect(architecture == Architecture(
            name: "amd64", machine: "x86_64", foreignArchitectures: ["i386", "armhf"]))
    }

    @Test func fallsBackToUnameWithoutDpkg() throws {
        #expect(try ArchitectureFact().parse("machine aarch64\n").name == "arm64")
        #expect(try ArchitectureFact().parse("machine x86_64\ndpkg \n").name == "amd64")
        #expect(try ArchitectureFact().parse("machine mips64\n").name == "mips64")
    }

    @Test func readsThePackageArchitecture() throws {
        #expect(try PackageArchitectureFact().parse("amd64\n") == "amd64")
        #expect(try PackageArchitectureFact().parse("i386\n") == "i386")
        // No dpkg: uname -m, translated.
        #expect(try PackageArchitectureFact().parse("aarch64\n") == "arm64")
        #expect(throws: FactParseError.self) { try PackageArchitectureFact().parse("\n") }
        #expect(throws: FactParseError.self) { try PackageArchitectureFact().parse("amd64\ni386\n") }
    }

    @Test func rejectsOutputWithoutMachine() {
        #expect(throws: FactParseError.self) { try ArchitectureFact().parse("dpkg amd64\n") }
        #expect(throws: FactParseError.self) { try ArchitectureFact().parse("machine x86_64\nlinux\n") }
    }
}

@Suite struct InitSystemTests {
    @Test(arguments: Release.all)
    func readsEachReleaseBootedWithSystemd(_ release: Release) throws {
        let initSystem = try InitSystemFact().parse(try release.initSystemOutput())
        #expect(initSystem == InitSystem(
            kind: .systemd, pid1: "systemd", systemdVersion: release.systemdVersion))
    }

    @Test func readsSysvinit() throws {
        // jessie with sysvinit-core: systemd's tools may stay installed.
        let initSystem = try InitSystemFact().parse("pid1 init\nsystemctl systemd 215\n")
        #expect(initSystem == InitSystem(kind: .sysvinit, pid1: "init", systemdVersion: 215))
        #expect(try InitSystemFact().parse("pid1 init\n").systemdVersion == nil)
    }

    @Test func readsContainersAndChroots() throws {
        #expect(try InitSystemFact().parse("pid1 bash\n") == InitSystem(
            kind: .other, pid1: "bash", systemdVersion: nil))
        #expect(try InitSystemFact().parse("systemctl systemd 257 (257.13-1~deb13u1)\n") == InitSystem(
            kind: .unknown, pid1: nil, systemdVersion: 257))
        // systemctl present but printing nothing.
        #expect(try InitSystemFact().parse("systemctl \n").systemdVersion == nil)
    }

    @Test(arguments: [
        ("systemd 215", 215),
        ("systemd 232", 232),
        ("systemd 247 (247.3-7+deb11u5)", 247),
        ("systemd 252 (252.39-1~deb12u2)", 252),
        ("systemd 257 (257.13-1~deb13u1)", 257),
        ("systemd 256~rc3 (256~rc3-1)", 256),
    ])
    func readsSystemdVersions(line: String, version: Int) {
        #expect(parseSystemdVersion(line) == version)
    }

    /// A running systemd's own answer (one `systemctl show`), as a trixie lab container and
    /// a bare-metal host give it.
    @Test func readsTheManagersVersionAndVirtualization() throws {
        #expect(try InitSystemFact().parse("""
            systemd-running yes
            manager Version=257.13-1~deb13u1
            manager Virtualization=systemd-nspawn
            pid1 systemd

            """) == InitSystem(kind: .systemd, pid1: "systemd", systemdVersion: 257, virtualization: "systemd-nspawn"))
        let metal = try InitSystemFact().parse("systemd-running yes\nmanager Version=215\nmanager Virtualization=\npid1 systemd\n")
        #expect(metal.systemdVersion == 215)
        #expect(metal.virtualization == "none")
        #expect(!metal.isContainer)
    }

    /// One `uname -r -v -m` line (the version has spaces, the release and machine none),
    /// and dpkg's list of architectures, as a bookworm lab host with i386 added gives them.
    @Test func readsOneUnameLineAndDpkgsArchitectureList() throws {
        let kernel = try KernelFact().parse("6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64\n")
        #expect(kernel == Kernel(release: "6.1.0-28-amd64", version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)", machine: "x86_64"))
        let architecture = try ArchitectureFact().parse("machine x86_64\ndpkg amd64\nlisted amd64\nlisted i386\n")
        #expect(architecture == Architecture(name: "amd64", machine: "x86_64", foreignArchitectures: ["i386"]))
    }

    @Test func rejectsUnexpectedLines() {
        #expect(throws: FactParseError.self) { try InitSystemFact().parse("runlevel 2\n") }
    }
}
