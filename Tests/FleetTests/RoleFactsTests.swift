import Foundation
import Testing

@testable import Facts
@testable import Fleet

@Suite struct RoleFactsTests {
    static let facts = RoleFacts(
        codename: "bookworm", majorVersion: 12, architecture: "amd64", isContainer: false,
        memoryBytes: 8 << 30, cpuCount: 4,
        interfaces: [NetworkInterface(name: "eth0", addresses: [InterfaceAddress(address: "10.0.0.5", prefixLength: 24)])],
        mounts: [MountedFilesystem(mountPoint: "/", device: "/dev/vda1", type: "ext4", sizeBytes: 20 << 30,
                                   usedBytes: 5 << 30, availableBytes: 14 << 30)],
        virtualization: "kvm")

    @Test func freeSpaceAloneIsNoChange() {
        var other = Self.facts
        other.mounts![0].usedBytes += 1 << 30
        other.mounts![0].availableBytes -= 1 << 30
        #expect(other != Self.facts)
        #expect(other.hasSameStableFacts(as: Self.facts))
        // A pool-backed filesystem's size moves a little with the pool.
        other.mounts![0].sizeBytes += 100 << 20
        #expect(other.hasSameStableFacts(as: Self.facts))
    }

    @Test func aResizedDiskANewMountOrMoreMemoryIsAChange() {
        var resized = Self.facts
        resized.mounts![0].sizeBytes = 40 << 30
        #expect(!resized.hasSameStableFacts(as: Self.facts))
        var mounted = Self.facts
        mounted.mounts!.append(MountedFilesystem(mountPoint: "/srv", device: "/dev/vdb1", type: "xfs",
                                                 sizeBytes: 1 << 40, usedBytes: 0, availableBytes: 1 << 40))
        #expect(!mounted.hasSameStableFacts(as: Self.facts))
        var memory = Self.facts
        memory.memoryBytes = 16 << 30
        #expect(!memory.hasSameStableFacts(as: Self.facts))
        var address = Self.facts
        address.interfaces![0].addresses[0].address = "10.0.0.6"
        #expect(!address.hasSameStableFacts(as: Self.facts))
    }

    /// A run checking cached facts reads only the cheap ones: interfaces and mounts are
    /// then not compared, the rest is.
    @Test func theCheapFactsAloneAreComparedWithoutDetails() {
        var cheap = Self.facts
        cheap.interfaces = nil
        cheap.mounts = nil
        #expect(!cheap.isComplete)
        #expect(Self.facts.hasSameStableFacts(as: cheap))
        cheap.cpuCount = 8
        #expect(!Self.facts.hasSameStableFacts(as: cheap))
    }

    /// Cached facts older than an hour are no cache, so interfaces and mounts are read again.
    @Test func oldCachedFactsAreNoCache() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("converge-role-facts-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = RoleFactsCache(directory: directory)
        cache.save(Self.facts, of: "web1")
        #expect(cache.roleFacts(of: "web1") == Self.facts)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3601)],
                                              ofItemAtPath: directory + "/web1.json")
        #expect(cache.roleFacts(of: "web1") == nil)
    }

    /// A cache file of a converge before the hardware facts still decodes, and counts as
    /// no cache: the roles are evaluated with the host's current facts.
    @Test func anOlderCacheFileDecodesAndIsNoCache() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("converge-role-facts-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let old = #"{"codename":"bookworm","majorVersion":12,"architecture":"amd64","isContainer":true}"#
        try Data(old.utf8).write(to: URL(fileURLWithPath: directory + "/web1.json"))
        let decoded = try JSONDecoder().decode(RoleFacts.self, from: Data(old.utf8))
        #expect(decoded.codename == "bookworm" && decoded.isContainer && decoded.memoryBytes == nil)
        #expect(!decoded.isComplete)
        let cache = RoleFactsCache(directory: directory)
        #expect(cache.roleFacts(of: "web1") == nil)
        cache.save(Self.facts, of: "web1")
        #expect(cache.roleFacts(of: "web1") == Self.facts)
    }

    /// The role facts a host answers, with the mounts of a recorded bookworm lab host.
    @Test func readsARecordedHost() async throws {
        var probe = FactProbe()
        let keys = RoleFacts.add(to: &probe)
        let host = FakeConnection(host: "web1", release: .bookworm)
        host.answerHardware(memoryBytes: 4 << 30, cpuCount: 3, interfaces: [("eth0", ["10.231.0.21/16", "fd00::21/64"])],
                            mounts: [("/", "ext4", 10 << 30, 4 << 30), ("/srv", "xfs", 100 << 30, 90 << 30)])
        host.answer(MountsFact(), with: .output(try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("FactsTests/Fixtures/bookworm/mounts"), encoding: .utf8)))
        // The probe goes on standard input, as converge sends it.
        let run = try await host.run("/bin/sh -s", input: Data(probe.script.utf8), timeout: nil, onStdout: nil)
        let output = run.stdoutText
        let facts = try keys.roleFacts(from: probe.results(from: output))
        #expect(facts.isComplete)
        #expect(facts.memoryBytes == 4 << 30 && facts.cpuCount == 3 && facts.virtualization == "kvm" && !facts.isContainer)
        #expect(facts.interfaces?.map(\.name) == ["lo", "eth0"])
        // tmpfs left out: the overlay root and the host's os-release bind mount remain.
        #expect(facts.mounts?.map(\.mountPoint) == ["/", "/run/host/os-release"])
    }
}
