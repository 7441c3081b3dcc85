import Facts
import Foundation
import Testing
import TestSupport

@testable import Planner
@testable import Resources

/// A step of a release upgrade (``ReleaseUpgrade``): planned from apt's simulation, stopped
/// by what would make it fail, made by a script that keeps the old sources.
@Suite struct ReleaseUpgradeTests {
    static let simulation = """
        inst libc6 [2.31-13+deb11u11] (2.36-9+deb12u13 Debian:12.13/stable, Debian-Security:12/stable-security [amd64])
        inst php8.2-fpm (8.2.29-1~deb12u1 Debian:12.13/stable [amd64])
        remv php7.4-fpm [7.4.33-1+deb11u8]
        download 212 MB
        additional 96.1 MB
        df overlay 3145728 /
        df overlay 3145728 /

        """

    func state(_ simulation: String = Self.simulation, held: String = "", from: String = "bullseye", to: String = "bookworm") -> HostState {
        HostState(factOutputs: [
            ReleaseSimulationFact(from: from, to: to).name: FactOutput(stdout: simulation, stderr: "", exitStatus: 0),
            HeldPackagesFact().name: FactOutput(stdout: held, stderr: "", exitStatus: 0),
            "reboot:release": FactOutput(stdout: "", stderr: "", exitStatus: 0),
        ])
    }

    var step: [any Resource] { UpgradePolicies.releaseStep(from: "bullseye", to: "trixie")! }

    @Test func aStepListsItsPackagesThenReboots() throws {
        let host = try plan(step, state())
        #expect(host.changes.map(\.resource) == [ResourceID(kind: "release", name: "bookworm"), .reboot("release")])
        let upgrade = host.changes[0]
        #expect(upgrade.operation == .upgradeRelease(from: "bullseye", to: "bookworm"))
        #expect(PlanRenderer.render(upgrade) == [
            "~ release:bookworm  bullseye → bookworm: 1 upgraded, 1 installed, 1 removed, 212 MB to download, then apt's autoremove; "
                + "the roles are planned again on bookworm after the reboot; then trixie, each once the one before is done",
            "    libc6: 2.31-13+deb11u11 → 2.36-9+deb12u13",
            "    php8.2-fpm: (none) → 8.2.29-1~deb12u1",
            "    php7.4-fpm: 7.4.33-1+deb11u8 → (none)",
        ])
        #expect(host.changes[1].reason == "notified by release:bookworm")
        #expect(host.changes[0].notifies == ["reboot:release"])
        // There, or past it: no step.
        #expect(UpgradePolicies.releaseStep(from: "bookworm", to: "bookworm") == nil)
        #expect(UpgradePolicies.releaseStep(from: "trixie", to: "bookworm") == nil)
    }

    @Test func whatWouldFailStopsTheStepWithOneMessage() throws {
        // Each blocker alone, then all of them in one message.
        func blocked(_ state: HostState) -> String {
            do {
                _ = try plan(step, state)
                return ""
            } catch {
                return String(describing: error)
            }
        }
        let prefix = "release:bookworm: the upgrade from bullseye to bookworm is blocked, and nothing was changed: "
        #expect(blocked(state(held: "mariadb-server\n")) == prefix + "held packages mariadb-server (apt-mark unhold them, or the roles pin them)")
        let thirdParty = Self.simulation + "source-error The repository 'http://repo.example.net/php bookworm Release' does not have a Release file.\n"
        #expect(blocked(state(thirdParty)) == prefix
            + "a source has no bookworm suite: The repository 'http://repo.example.net/php bookworm Release' does not have a Release file.")
        let full = Self.simulation.replacingOccurrences(of: "3145728", with: "204800")
        #expect(blocked(state(full)) == prefix + "too little free disk space: 539 MB needed on /, 210 MB free")
        let audit = Self.simulation + "audit The following packages are only half configured, probably due to problems\n"
        #expect(blocked(state(audit)).hasPrefix(prefix + "dpkg --audit is not clean: The following packages are only half configured"))
        let all = blocked(state(thirdParty + "error Unable to correct problems, you have held broken packages.\n", held: "redis-server\n"))
        #expect(all.contains("held packages redis-server") && all.contains("a source has no bookworm suite")
            && all.contains("apt cannot work out the upgrade: Unable to correct problems"))
    }

    @Test func theDisksAreCountedApart() {
        var simulation = ReleaseSimulation(downloadBytes: 100_000_000, additionalBytes: 300_000_000, freeSpace: [
            .init(filesystem: "/dev/sda2", mountPoint: "/var", availableBytes: 400_000_000),
            .init(filesystem: "/dev/sda1", mountPoint: "/", availableBytes: 400_000_000),
        ])
        // 110 + 200 MB on /var, 330 + 200 MB on /.
        #expect(ReleaseUpgrade.shortOfSpace(simulation) == "too little free disk space: 530 MB needed on /, 400 MB free")
        simulation.additionalBytes = -50_000_000
        #expect(ReleaseUpgrade.shortOfSpace(simulation) == nil)
    }

    @Test func theScriptKeepsTheOldSourcesAndTheHostsConffiles() throws {
        let bookworm = try ShellCommands.commands(for: .upgradeRelease(from: "bullseye", to: "bookworm"), secrets: SecretValues())
        try expectValidSyntax(bookworm)
        #expect(bookworm.contains("tar -cf /var/backups/converge/apt-sources-bullseye.tar"))
        #expect(bookworm.contains("mv -f /etc/apt/.sources.list.converge-new /etc/apt/sources.list"))
        #expect(bookworm.contains("--force-confold") && bookworm.contains(" upgrade\n") && bookworm.contains(" full-upgrade\n"))
        #expect(bookworm.contains("rm -f /etc/apt/apt.conf.d/99converge-archived-release"))
        // Then what only the old release needed goes, after the full upgrade and before the reboot.
        let fullUpgrade = try #require(bookworm.range(of: " full-upgrade\n"))
        let autoremove = try #require(bookworm.range(of: " --purge autoremove\n"))
        let reboots = try #require(bookworm.range(of: "the host reboots into it"))
        #expect(fullUpgrade.upperBound <= autoremove.lowerBound && autoremove.upperBound <= reboots.lowerBound)
        // To an archived release: its expired Release files are accepted.
        let stretch = try ShellCommands.commands(for: .upgradeRelease(from: "jessie", to: "stretch"), secrets: SecretValues())
        try expectValidSyntax(stretch)
        #expect(stretch.contains(#"printf 'Acquire::Check-Valid-Until "false";\n' >/etc/apt/apt.conf.d/99converge-archived-release"#))
        // A saved plan with a step converge would not make is refused.
        let forged = HostPlan(host: "web1", factsFingerprint: "", query: HostStateQuery(), changes: [
            Change(resource: ResourceID(kind: "release", name: "trixie"), action: .update, reason: "",
                   operation: .upgradeRelease(from: "bullseye", to: "trixie")),
        ])
        #expect(throws: PlanError.self) { try forged.validateOperations() }
    }

    @Test func targetsComeFromTheGroupsOrTheInventory() throws {
        let policies = UpgradePolicies(releases: ["web": "bookworm"])
        #expect(try policies.targetRelease(for: ["web", "bullseye"]) == "bookworm")
        #expect(try policies.targetRelease(for: ["db"]) == nil)
        #expect(try policies.targetRelease(for: ["db"], override: "trixie") == "trixie")
        #expect(throws: UpgradePolicyError.self) { try policies.targetRelease(for: ["web"], override: "bookwrom") }
    }
}
