import Foundation
import Testing
import TestSupport

@testable import Facts

@Suite struct HostFactsTests {
    /// The probe's recorded runs on booted bullseye, bookworm and trixie lab hosts.
    @Test(arguments: Release.recorded)
    func readsARecordedProbe(_ release: Release) throws {
        var probe = FactProbe(boundary: Release.recordingBoundary)
        let keys = HostFacts.add(to: &probe)
        let results = probe.results(from: try release.fixture("probe"))
        #expect(results.errors == [])
        let facts = try keys.facts(from: results)

        #expect(facts.release == DebianReleaseFact().parse(try release.releaseOutput()))
        #expect(facts.release.codename == release.name)
        #expect(facts.packages == (try DebianPackagesFact().parse(try release.fixture("dpkg-query"))))
        #expect(facts.installedPackages.count == release.installedCount)
        #expect(facts.architecture == Architecture(name: "amd64", machine: "x86_64"))
        #expect(facts.initSystem == InitSystem(
            kind: .systemd, pid1: "systemd", systemdVersion: release.systemdVersion))
        #expect(facts.kernel.machine == "x86_64")
    }

    @Test func roundTripsThroughJSON() throws {
        let release = Release.all[0]
        let facts = HostFacts(
            release: DebianReleaseFact().parse(try release.releaseOutput()),
            kernel: try KernelFact().parse(try release.fixture("uname")),
            architecture: Architecture(name: "amd64", machine: "x86_64", foreignArchitectures: ["i386"]),
            initSystem: try InitSystemFact().parse(try release.initSystemOutput()),
            packages: try DebianPackagesFact().parse(try release.fixture("dpkg-query")))
        let json = try JSONEncoder().encode(facts)
        #expect(try JSONDecoder().decode(HostFacts.self, from: json) == facts)
        let object = try #require(JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == ["release", "kernel", "architecture", "initSystem", "packages"])
    }

    /// This machine's own facts, gathered by running the probe in each shell.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-query")),
        arguments: Shell.available)
    func readsThisMachine(_ shell: Shell) throws {
        var probe = FactProbe()
        let keys = HostFacts.add(to: &probe)
        let run = try shell.run(probe.script)
        #expect(run.status == 0)
        let results = probe.results(from: run.stdout)
        #expect(results.errors == [])
        let facts = try keys.facts(from: results)
        #expect(!facts.installedPackages.isEmpty)
        #expect(facts.packages.contains { $0.name == "dpkg" && $0.isInstalled })
        #expect(!facts.kernel.release.isEmpty)
        #expect(!facts.architecture.name.isEmpty)
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        #expect(facts.release.id == parseOSRelease(osRelease)["ID"])
    }

    /// The lab's finished root filesystems on this machine; a `.tmp` one is still being built.
    static let labReleases = Release.recorded.filter {
        FileManager.default.fileExists(atPath: "\(labRoot)/\($0.name)/usr/bin/dpkg-query")
    }
    static let labRoot = "/var/cache/converge-lab/rootfs"

    /// The probe run live in the lab's root filesystems, when this runs as root
    /// on a machine that has them; it only reads them.
    @Test(
        .enabled(if: getuid() == 0 && !labReleases.isEmpty),
        arguments: labReleases)
    func readsTheLabRootFilesystems(_ release: Release) throws {
        let root = "\(Self.labRoot)/\(release.name)"
        var probe = FactProbe()
        let keys = HostFacts.add(to: &probe)
        let run = try TestSupport.run(["/usr/sbin/chroot", root, "/bin/sh", "-c", probe.script])
        #expect(run.status == 0)
        let facts = try keys.facts(from: probe.results(from: run.stdout))
        #expect(facts.release.codename == release.name)
        #expect(facts.release.majorVersion == release.majorVersion)
        #expect(facts.initSystem.systemdVersion == release.systemdVersion)
        #expect(facts.installedPackages.contains { $0.name == "base-files" })
        // A chroot has no /proc, and systemd does not run in it.
        #expect(facts.initSystem.kind == .unknown)
    }
}
