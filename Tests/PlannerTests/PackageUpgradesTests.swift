import Facts
import Foundation
import Testing
import TestSupport

@testable import Planner
@testable import Resources

/// The package baseline (``PackageUpgrades``): planned from apt-cache policy as recorded on
/// Debian hosts, made in the host's apt transaction.
@Suite struct PackageUpgradesTests {
    /// A host whose apt answered `policy` (a recorded `apt-cache policy`), holding `held`,
    /// its lists `listAge` seconds old.
    func state(_ release: String, held: [String] = [], listAge: Int = 3600) throws -> HostState {
        let now = 1_700_000_000
        return HostState(
            packages: ["tzdata": installed("2026b-0+deb12u1"), "zlib1g": installed("1:1.2.13.dfsg-1")], aptLists: freshLists,
            factOutputs: [
                AptPolicyFact().name: FactOutput(stdout: try Fixture.text("\(release)/apt-policy"), stderr: "", exitStatus: 0),
                HeldPackagesFact().name: FactOutput(stdout: held.map { $0 + "\n" }.joined(), stderr: "", exitStatus: 0),
                AptListsFact().name: FactOutput(stdout: "indexes 4\nstamp \(now - listAge)\nnow \(now)\n", stderr: "", exitStatus: 0),
            ])
    }

    func upgrades(_ changes: [Change]) -> [String: String?] {
        Dictionary(uniqueKeysWithValues: changes.compactMap { change -> (String, String?)? in
            guard case .upgradePackage(let name, let version) = change.operation else { return nil }
            return (name, version)
        })
    }

    @Test func securityTakesWhatTheSecurityArchiveOffers() throws {
        let changes = try plan([PackageUpgrades(.security)], state("bookworm")).changes
        let libssl = try #require(changes.first { $0.fields.first?.field == "libssl3" })
        #expect(PlanRenderer.render(libssl) == ["~ upgrades:security  security upgrade", "    libssl3: 3.0.20-1~deb12u2 → 3.0.22-1~deb12u2 (security)"])
        #expect(libssl.operation == .upgradePackage(name: "libssl3", version: "3.0.22-1~deb12u2"))
        #expect(changes.allSatisfy { $0.reason == "security upgrade" })
        // Every pending upgrade of that host is a security one; the test package's candidate
        // (1.0-1, from the lab's repository) is older than what is installed: no upgrade.
        #expect(changes.count == 14)
        #expect(upgrades(changes)["converge-test-hello"] == nil)
    }

    @Test func allTakesEveryNewerCandidateButHeldAndDeclaredPackages() throws {
        // tzdata's candidate offered by bookworm-updates rather than the security archive.
        var host = try state("bookworm")
        let policy = host.factOutputs[AptPolicyFact().name]!.stdout
        let tzdata = try #require(policy.range(of: "tzdata:\n"))
        host.factOutputs[AptPolicyFact().name]!.stdout = policy.replacingOccurrences(
            of: "http://security.debian.org/debian-security bookworm-security/main amd64 Packages",
            with: "http://deb.debian.org/debian bookworm-updates/main amd64 Packages",
            range: tzdata.upperBound..<policy.index(tzdata.upperBound, offsetBy: 200))
        let security = upgrades(try plan([PackageUpgrades(.security)], host).changes)
        let all = upgrades(try plan([PackageUpgrades(.all)], host).changes)
        #expect(security["tzdata"] == nil && all["tzdata"] == "2026f-0+deb12u1")
        #expect(Set(security.keys).isSubset(of: Set(all.keys)) && all.count == security.count + 1)
        // Held by hand: apt would not move it, nor does the baseline. Pinned by a role: the
        // role's Package says which version it wants. Wanted present: upgraded all the same.
        var held = host
        held.factOutputs[HeldPackagesFact().name]!.stdout = "perl-base\n"
        let roles: [any Resource] = [Package("tzdata", .version("2026b-0+deb12u1")), Package("zlib1g")]
        #expect(PackageUpgrades.pinnedPackages(in: roles + [Package("telnet", .absent), Package("bash", hold: true)]) == ["tzdata", "telnet", "bash"])
        let kept = upgrades(try plan(roles + [PackageUpgrades(.all, keeping: PackageUpgrades.pinnedPackages(in: roles))], held).changes)
        #expect(kept["perl-base"] == nil && kept["tzdata"] == nil && kept["zlib1g"] != nil)
        #expect(kept.count == all.count - 2)
        #expect(try plan([PackageUpgrades(.none)], host).isEmpty)
    }

    @Test func jessiesSecurityArchiveIsToldByItsLabel() throws {
        // Debian 8's security archive says codename `jessie`, label `Debian-Security`.
        let changes = upgrades(try plan([PackageUpgrades(.security)], state("jessie")).changes)
        #expect(changes["openssl"] == "1.0.1t-1+deb8u12" && changes["systemd"] == "215-17+deb8u13")
        #expect(changes.count == 8)
    }

    @Test func staleListsAreRefreshedFirstAndTheFreshCandidatesInstalled() throws {
        let changes = try plan([PackageUpgrades(.security, maximumListAge: 3600)], state("bookworm", listAge: 3 * 86_400)).changes
        #expect(changes.first?.operation == .refreshPackageLists)
        #expect(changes.first?.reason == "apt lists are 3 days old (at most 1 hour for the package baseline)")
        #expect(changes.dropFirst().allSatisfy { if case .upgradePackage(_, nil) = $0.operation { true } else { false } })
        #expect(changes.dropFirst().allSatisfy { $0.reason == "security upgrade, or newer once apt's lists are refreshed" })
    }

    @Test func upgradesJoinTheHostsAptTransactionKeepingTheirMarks() throws {
        let host = try plan([PackageUpgrades(.security), Package("nginx")],
                            try { var s = try state("bookworm"); s.packages["nginx"] = notInstalled(candidate: "1.22.1-9"); return s }())
        let script = try ApplyScript(plan: host)
        #expect(script.steps.count == 1, "one apt transaction")
        let text = script.text
        #expect(text.contains("converge_auto=$(apt-mark showauto | grep -F -x -e "))
        #expect(text.contains("'libssl3=3.0.22-1~deb12u2'") && text.contains("'nginx'"))
        #expect(text.contains("apt-mark auto $converge_auto"))
        #expect(text.contains("systemctl try-restart \"$converge_u\""))
        try expectValidSyntax(text)
    }

    @Test func groupsGetTheirPolicyAndTheInventoryOverridesIt() throws {
        let policies = UpgradePolicies(groups: ["web": .all, "db": .none])
        #expect(try policies.policy(for: ["bookworm", "web"]) == .all)
        #expect(try policies.policy(for: ["db", "web"]) == PackageUpgrades.Policy.none)
        #expect(try policies.policy(for: ["redis"]) == .security)
        #expect(try policies.policy(for: ["web"], override: "security") == .security)
        #expect(try policies.resource(for: ["db"]) == nil)
        let wrong = UpgradePolicyError(name: "upgrades", value: "everything", choices: ["none", "security", "all"])
        #expect(throws: wrong) { try policies.policy(for: ["web"], override: "everything") }
        #expect(wrong.description == #"upgrades: "everything" is not one of "none", "security", "all""#)
    }

    @Test func rebootsOnlyWhenThePolicyOrTheInventoryAllowsThem() throws {
        #expect(try UpgradePolicies().reboot() == nil)
        #expect(try UpgradePolicies().reboot(override: "when-needed") == UpgradePolicies.reboot)
        #expect(try UpgradePolicies(reboots: .whenNeeded).reboot(override: "never") == nil)
        #expect(try UpgradePolicies(reboots: .whenNeeded).reboot()?.id == .reboot("upgrades"))
        #expect(throws: UpgradePolicyError(name: "reboots", value: "always", choices: ["never", "when-needed"])) {
            try UpgradePolicies().reboot(override: "always")
        }
    }
}
