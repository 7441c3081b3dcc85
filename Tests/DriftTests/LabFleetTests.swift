import Facts
import Foundation
import Testing

@testable import Drift

/// The diff of lab01's /etc/motd after `echo 'by hand' >> /etc/motd`, as a sweep makes it.
let labMotdDiff = [
    "--- /etc/motd (lab01)",
    "+++ /etc/motd (playbooks)",
    "@@ -1,3 +1,2 @@",
    " lab01: managed by converge. Local changes are overwritten.",
    " Groups: lab, bullseye",
    "-by hand",
]

/// The recorded lab fleet with the issue's differences planted as a sweep reports them:
/// lab01's motd edited, lab02's converge-test-hello downgraded, lab03's daemon masked,
/// lab04's secret token changed, lab05's token unknown (no secret, no recorded digest).
func labReport(history: FindingHistory? = nil) throws -> DriftReport {
    var sweeps = try labFleet(drift: [
        "lab01": [ResourceDrift(
            resource: "file:/etc/motd", reason: "content differs", content: ContentDrift(diff: labMotdDiff))],
        "lab02": [ResourceDrift(
            resource: "package:converge-test-hello", reason: "version 1.0-1, want 2.0-1",
            fields: [FieldDrift(field: "version", expected: "2.0-1", actual: "1.0-1")])],
        "lab03": [ResourceDrift(
            resource: "service:converge-test-daemon", reason: "masked; want running",
            fields: [FieldDrift(field: "running", expected: "active", actual: "inactive")],
            state: "masked", since: Date(timeIntervalSince1970: 1_796_124_600))],
        "lab04": [ResourceDrift(
            resource: "file:/etc/lab/token", reason: "content differs from the last one written", content: .secret)],
    ])
    sweeps[4].unverified = [UnverifiedResource(
        resource: "file:/etc/lab/token",
        reason: "unknown: no recorded hash (the secret from environment variable LAB_TOKEN is not at hand, and no apply recorded the file's digest)")]
    return DriftReport(sweeps: sweeps, sweptAt: labDate, duration: 0.8, distroInfo: labDistroInfo, history: history)
}

@Suite struct LabMaintenanceTests {
    func host(_ name: String, managedPackages: Set<String> = labManagedPackages) throws -> HostMaintenance {
        let report = DriftReport(
            sweeps: try labFleet(managedPackages: managedPackages), sweptAt: labDate, duration: 1, distroInfo: labDistroInfo)
        return try #require(report.hosts.first { $0.name == name }?.maintenance)
    }

    @Test func readsUpgradesFromTheHostsOwnLists() throws {
        let lab01 = try host("lab01")
        #expect(lab01.pendingUpgrades.count == 39)
        #expect(lab01.securityUpgrades.count == 39)
        #expect(lab01.pendingUpgrades.first { $0.package == "libc6" }
            == PendingUpgrade(package: "libc6", installed: "2.31-13+deb11u11", candidate: "2.31-13+deb11u14", isSecurity: true))
        #expect(lab01.listsAge == 985 && !lab01.listsAreStale && !lab01.listsMissing)
        #expect(lab01.listsUpdated == Date(timeIntervalSince1970: 1_796_123_661))
        // trixie, with its own security archive.
        #expect(try host("lab03").securityUpgrades.map(\.package).contains("login.defs"))
    }

    @Test func findsHeldPinnedAndUnknownPackages() throws {
        let lab04 = try host("lab04")
        // A held package's update is no pending upgrade: apt keeps it back.
        #expect(lab04.heldPackages == [HeldPackage(
            package: "tzdata", version: "2024a-0+deb11u1", available: "2026b-0+deb11u1", availableIsSecurity: true)])
        #expect(!lab04.pendingUpgrades.contains { $0.package == "tzdata" })
        #expect(lab04.packagesFromNoRepository == [PackageVersion(package: "site-tools", version: "1.2-1+local1")])
        let lab05 = try host("lab05")
        #expect(lab05.pinnedPackages == [PinnedPackage(package: "converge-test-hello", installed: "2.0-1", pinnedTo: "1.0-1")])
        // Pinned below what is installed: no upgrade.
        #expect(!lab05.pendingUpgrades.contains { $0.package == "converge-test-hello" })
        #expect(lab05.needsAttention)
        #expect(!(try host("lab02").needsAttention))
    }

    @Test func tellsWhyAHostShouldReboot() throws {
        let lab04 = try host("lab04")
        // A container: its kernel is its machine's, so no kernel reason, whatever /boot holds.
        #expect(lab04.reboot == [
            RebootReason(kind: .flagged, detail: "/var/run/reboot-required (libc6, linux-image-5.10.0-33-amd64)"),
            RebootReason(kind: .libc, detail: "libc replaced: 7 processes still use the old one (converge-test-d, dbus-daemon, sleep, sshd, systemd and 2 more)"),
        ])
        #expect(try host("lab03").reboot.map(\.kind) == [.libc])
        #expect(try host("lab01").reboot.isEmpty)
    }

    @Test func reportsModifiedConffilesOfManagedPackagesOnly() throws {
        // The lab's packages' only conffile is one the playbooks write: not reported.
        #expect(try host("lab04").modifiedConffiles.isEmpty)
        // base-files' /etc/issue.net is modified too, but base-files is not managed.
        #expect(try host("lab04", managedPackages: labManagedPackages.union(["site-tools"])).modifiedConffiles
            == [ModifiedConffile(package: "site-tools", path: "/etc/site-tools.conf")])
        #expect(try host("lab05", managedPackages: ["adduser"]).modifiedConffiles
            == [ModifiedConffile(package: "adduser", path: "/etc/deluser.conf", isMissing: true)])
    }
}

@Suite struct RebootReasonTests {
    /// A bookworm host (not a container) running `running`, with `installed` in /boot.
    func reasons(running: String, build: String = "6.1.119-1", installed: [String], package: String? = nil,
                 virtualization: String? = "none", signals: RebootSignals? = nil) -> [RebootReason] {
        var facts = try! Fixture.facts("db01")
        facts.kernel = Kernel(release: running, version: "#1 SMP PREEMPT_DYNAMIC Debian \(build) (2024-11-22)", machine: "x86_64")
        facts.initSystem.virtualization = virtualization
        if let package {
            facts.packages.append(DebianPackage(
                name: "linux-image-\(running)", version: package, architecture: "amd64",
                status: PackageStatus(want: .install, errorFlag: .ok, state: .installed)))
        }
        var signals = signals ?? RebootSignals(flagged: false)
        signals.installedKernels = installed
        return HostMaintenance.rebootReasons(signals, facts: facts)
    }

    @Test func findsANewerKernel() {
        #expect(reasons(running: "6.1.0-28-amd64", installed: ["6.1.0-28-amd64", "6.1.0-30-amd64"])
            == [RebootReason(kind: .kernel, detail: "kernel 6.1.0-30-amd64 installed, 6.1.0-28-amd64 running")])
        // Another flavour is no newer kernel for this one.
        #expect(reasons(running: "6.1.0-28-amd64", installed: ["6.1.0-28-amd64", "6.1.0-30-cloud-amd64"]).isEmpty)
        #expect(reasons(running: "6.12.48+deb13-amd64", installed: ["6.12.48+deb13-amd64", "6.12.57+deb13-amd64"]).map(\.kind) == [.kernel])
        // In a container the kernel is the machine's.
        #expect(reasons(running: "6.1.0-28-amd64", installed: ["6.1.0-30-amd64"], virtualization: "lxc").isEmpty)
    }

    @Test func findsTheRunningKernelRebuilt() {
        // linux-image-6.1.0-28-amd64 upgraded in place (same ABI), uname -v still the old build.
        #expect(reasons(running: "6.1.0-28-amd64", installed: ["6.1.0-28-amd64"], package: "6.1.123-1")
            == [RebootReason(kind: .kernel, detail: "linux-image-6.1.0-28-amd64 upgraded to 6.1.123-1, 6.1.119-1 running")])
        #expect(reasons(running: "6.1.0-28-amd64", installed: ["6.1.0-28-amd64"], package: "6.1.119-1").isEmpty)
    }

    @Test func fallsBackOnDatesWhenMapsAreClosed() {
        let upgraded = RebootSignals(flagged: false, bootTime: 1000, mapsReadable: false, libcInstalled: 2000)
        #expect(reasons(running: "6.1.0-28-amd64", installed: [], signals: upgraded).map(\.kind) == [.libc])
        let before = RebootSignals(flagged: false, bootTime: 3000, mapsReadable: false, libcInstalled: 2000)
        #expect(reasons(running: "6.1.0-28-amd64", installed: [], signals: before).isEmpty)
        // Readable maps without a replaced libc settle it, whatever the dates.
        let readable = RebootSignals(flagged: false, bootTime: 1000, mapsReadable: true, libcInstalled: 2000)
        #expect(reasons(running: "6.1.0-28-amd64", installed: [], signals: readable).isEmpty)
    }
}

@Suite struct ProvenanceTests {
    func provenance(_ host: String, _ package: String) throws -> PackageProvenance {
        let facts = try Fixture.facts(host, in: "lab")
        let policy = try #require(try Fixture.maintenance(host, in: "lab")?.aptPolicy)
        let held = facts.packages.contains { $0.name == package && $0.status.isHeld }
        return PackageProvenance(
            name: package, package: try #require(policy.packages[package]), policy: policy,
            codename: facts.release.codename, isHeld: held)
    }

    @Test func tellsWhereEachVersionComesFrom() throws {
        // In bullseye's archive (and a newer one in bullseye-security): the release's own.
        #expect(try provenance("lab01", "dpkg") == .release)
        // libc6 upgraded from bullseye-security.
        #expect(try provenance("lab04", "libc6") == .release)
        #expect(try provenance("lab04", "tzdata") == .held)
        #expect(try provenance("lab04", "site-tools") == .noRepository)
        #expect(try provenance("lab05", "converge-test-hello") == .pinned("1.0-1"))
        #expect(try provenance("lab03", "converge-test-hello") == .repository("converge-lab"))
        #expect(try provenance("lab03", "converge-test-hello").label == "from converge-lab")
    }

    @Test func takesBackportsForAnotherRepository() {
        let backports = "http://deb.debian.org/debian bookworm-backports/main amd64 Packages"
        let policy = AptPolicy(
            sources: [backports: AptPackageFile(priority: 100, origin: "Debian Backports", label: "Debian Backports", suite: "bookworm-backports", codename: "bookworm-backports")],
            pins: [:], packages: [:])
        let package = PackagePolicy(installed: "6.12.9-1~bpo12+1", candidate: "6.12.9-1~bpo12+1", installedFrom: [backports], candidateFrom: [backports])
        #expect(PackageProvenance(name: "linux-image-amd64", package: package, policy: policy, codename: "bookworm", isHeld: false)
            == .repository("Debian Backports"))
        // An old version the archive dropped, with the release's newer one waiting: the release's.
        let main = "http://deb.debian.org/debian bookworm/main amd64 Packages"
        let old = AptPolicy(sources: [main: AptPackageFile(priority: 500, codename: "bookworm")], pins: [:], packages: [:])
        let behind = PackagePolicy(installed: "3.0.11-1~deb12u1", candidate: "3.0.15-1~deb12u1", installedFrom: [], candidateFrom: [main])
        #expect(PackageProvenance(name: "openssl", package: behind, policy: old, codename: "bookworm", isHeld: false) == .release)
    }
}

@Suite struct LabFleetReportTests {
    @Test func comparesWithinReleasesAndExplainsTheRest() throws {
        let report = try labReport()
        #expect(report.groups.map(\.name) == ["bookworm", "bullseye", "lab", "trixie", "all"])
        let bullseye = try #require(report.groups.first { $0.name == "bullseye" })
        // lab04 upgraded libc6 and has a locally built package; lab01 did neither.
        #expect(bullseye.packageVersions.map(\.package) == ["libc6"])
        #expect(bullseye.missingPackages.map(\.package) == ["site-tools"])
        let lab = try #require(report.groups.first { $0.name == "lab" })
        // Well over a hundred packages differ between bullseye, bookworm and trixie; the
        // releases explain all but tzdata, which lab04 holds back.
        #expect(lab.crossRelease.map(\.package) == ["tzdata"])
        #expect(lab.crossRelease[0].unexplained == [HostProvenance(host: "lab04", provenance: "held")])
        #expect(lab.packageVersions.isEmpty && lab.missingPackages.isEmpty)
        #expect(report.groups.last?.sameMembersAs == "lab")
        #expect(report.summary.discrepancies == 3)
    }

    @Test func startsWithWhatWasPlanted() throws {
        let text = try labReport().text()
        let top = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(20).joined(separator: "\n")
        #expect(top.contains("""
              drift          lab01 (file:/etc/motd), lab02 (package:converge-test-hello),
                             lab03 (service:converge-test-daemon), lab04 (file:/etc/lab/token)
            """))
        #expect(top.contains("  past support   lab01, lab04; in LTS only: lab02, lab05\n"))
        #expect(top.contains("  reboot         lab03 (libc), lab04 (flagged, libc)\n"))
        #expect(top.contains("held: lab04 (tzdata)"))
        #expect(top.contains("not checked: lab05 (file:/etc/lab/token)"))
    }

    @Test func showsDiffsStatesAndSecretsAsAPersonReadsThem() throws {
        let text = try labReport().text()
        #expect(text.contains("""
                ~ file:/etc/motd: content differs
                    --- /etc/motd (lab01)
                    +++ /etc/motd (playbooks)
                    @@ -1,3 +1,2 @@
                     lab01: managed by converge. Local changes are overwritten.
                     Groups: lab, bullseye
                    -by hand

            """))
        #expect(text.contains("""
                ~ service:converge-test-daemon: masked; want running
                    running: expected "active", actual "inactive"
                    state: masked since 2026-12-01 11:30:00 UTC

            """))
        #expect(text.contains("""
                ~ file:/etc/lab/token: content differs from the last one written
                    secret content differs (not shown)

            """))
        #expect(text.contains("    ? file:/etc/lab/token: unknown: no recorded hash (the secret from environment variable LAB_TOKEN"))
        #expect(!text.contains("sha256"))

        let html = try labReport().html()
        #expect(html.contains(#"<pre class="diff"><span class="file">--- /etc/motd (lab01)</span>"#))
        #expect(html.contains(#"<span class="del">-by hand</span></pre>"#))
        #expect(html.contains(#"<div class="state">state: <strong>masked</strong> since 2026-12-01 11:30:00 UTC</div>"#))
        #expect(html.contains(#"<div class="muted">secret content differs (not shown)</div>"#))
        #expect(!html.contains("sha256"))
    }

    @Test func cutsLongDiffs() {
        let diff = ["--- /etc/big (a)", "+++ /etc/big (playbooks)", "@@ -1,100 +1,100 @@"] + (1...100).map { "-line \($0)" }
        let report = DriftReport(
            sweeps: [syntheticHost("a", groups: [], packages: [], drift: [ResourceDrift(
                resource: "file:/etc/big", reason: "content differs", content: ContentDrift(diff: diff))])],
            sweptAt: januaryDate, duration: 1, distroInfo: testDistroInfo)
        let text = report.text()
        #expect(text.contains("        -line 27\n        … 73 more lines (the JSON and HTML reports have the whole diff)\n"))
        #expect(!text.contains("-line 28\n"))
        #expect(report.html().contains("-line 100"))
    }
}
