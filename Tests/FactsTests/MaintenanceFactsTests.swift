import Foundation
import Testing
import TestSupport

@testable import Facts

/// The maintenance facts (apt's policy, reboot signals, modified conffiles) on the recorded
/// outputs of Debian 8 to 13; see Fixtures/README.md.
@Suite struct AptPolicyTests {
    func policy(_ release: String) throws -> AptPolicy {
        try AptPolicyFact().parse(try Fixture.text("\(release)/apt-policy"))
    }

    @Test(arguments: Release.all)
    func readsEveryInstalledPackage(_ release: Release) throws {
        let policy = try policy(release.name)
        let dpkg = try #require(policy.packages["dpkg"])
        #expect(dpkg.installed.hasPrefix("1."))
        #expect(!dpkg.installedFrom.isEmpty)
        #expect(policy.sources[AptPolicy.dpkgStatus]?.priority == 100)
        #expect(policy.sources[AptPolicy.dpkgStatus]?.suite == "now")
        // The release's own archive, with its codename, and its security archive.
        #expect(policy.sources.values.contains { $0.codename == release.name && $0.label == "Debian" })
        #expect(policy.sources.values.contains { $0.isSecurity })
        if !release.isRecorded {
            // jessie and stretch are written from the dpkg-query fixture: every installed package.
            #expect(policy.packages.count == release.installedCount)
        }
    }

    @Test func readsJessiesApt10() throws {
        let policy = try policy("jessie")
        let security = try #require(policy.sources["http://archive.debian.org/debian-security/ jessie/updates/main amd64 Packages"])
        // jessie's security archive has the release's own codename, and its label.
        #expect(security == AptPackageFile(
            priority: 500, origin: "Debian", label: "Debian-Security", suite: "oldoldstable", codename: "jessie",
            version: "8", component: "main", site: "archive.debian.org"))
        #expect(security.isSecurity)
        #expect(policy.sources["http://archive.debian.org/debian/ jessie/main amd64 Packages"]?.isSecurity == false)
        #expect(policy.packages["openssl"] == PackagePolicy(
            installed: "1.0.1t-1+deb8u8", candidate: "1.0.1t-1+deb8u12",
            installedFrom: ["http://archive.debian.org/debian/ jessie/main amd64 Packages"],
            candidateFrom: ["http://archive.debian.org/debian-security/ jessie/updates/main amd64 Packages"]))
        // Foreign-architecture packages under their qualified names; native ones without.
        #expect(policy.packages["libc6:i386"]?.installedFrom == ["http://archive.debian.org/debian/ jessie/main i386 Packages"])
        #expect(policy.packages["libc6"]?.installed == "2.19-18+deb8u10")
        // apt 1.0's `Package pin:` line and pin list without priorities.
        #expect(policy.pins == ["tzdata": "2018e-0+deb8u1"])
        #expect(policy.packages["tzdata"]?.candidate == "2018e-0+deb8u1")
    }

    @Test func readsStretchsApt14() throws {
        let policy = try policy("stretch")
        #expect(policy.pins == ["openssh-server": "1:7.4p1-10+deb9u7"])
        let ssh = try #require(policy.packages["openssh-server"])
        #expect(ssh.candidate == ssh.installed)
        #expect(policy.packages["sudo"]?.candidateFrom == ["http://security.debian.org/debian-security stretch/updates/main amd64 Packages"])
    }

    @Test func readsLocalPackagesAndOtherRepositories() throws {
        let policy = try policy("bullseye")
        // Built in house and installed with dpkg -i: only dpkg's status file has it.
        #expect(policy.packages["site-tools"] == PackagePolicy(
            installed: "1.2-1+local1", candidate: "1.2-1+local1", installedFrom: [], candidateFrom: []))
        #expect(policy.packages["converge-test-hello"]?.installedFrom == ["file:/srv/converge-lab-repo ./ Packages"])
        // A flat repository: an origin and a label, no suite nor codename.
        #expect(policy.sources["file:/srv/converge-lab-repo ./ Packages"] == AptPackageFile(
            priority: 500, origin: "converge-lab", label: "converge-lab"))
        let security = try #require(policy.sources["http://security.debian.org/debian-security bullseye-security/main amd64 Packages"])
        #expect(security.codename == "bullseye-security" && security.isSecurity)
        // libc6 upgraded from the security archive.
        #expect(policy.packages["libc6"]?.installedFrom == [
            "http://security.debian.org/debian-security bullseye-security/main amd64 Packages",
        ])
    }

    @Test func readsPins() throws {
        let policy = try policy("bookworm")
        #expect(policy.pins == ["converge-test-hello": "1.0-1"])
        #expect(policy.packages["converge-test-hello"]?.candidate == "1.0-1")
        #expect(policy.packages["converge-test-hello"]?.installed == "2.0-1")
        #expect(try self.policy("trixie").packages["login.defs"]?.candidate == "1:4.17.4-2+deb13u1")
    }

    @Test func readsAHostWithoutApt() throws {
        #expect(try AptPolicyFact().parse("no-apt\n") == AptPolicy(sources: [:], pins: [:], packages: [:]))
    }

    @Test func rejectsOtherOutput() {
        #expect(throws: FactParseError.self) { try AptPolicyFact().parse("E: Could not open lock file\n") }
        #expect(throws: FactParseError.self) {
            try AptPolicyFact().parse("Package files:\nPinned packages:\nInstalled packages:\nfoo:\n  Installed: 1\n  Version table:\n garbage\n")
        }
    }
}

@Suite struct RebootSignalsTests {
    func signals(_ release: String) throws -> RebootSignals {
        try RebootSignalsFact().parse(try Fixture.text("\(release)/reboot"))
    }

    @Test func readsAFlaggedHostWithAReplacedLibc() throws {
        let signals = try signals("bullseye")
        #expect(signals.flagged)
        #expect(signals.flaggedBy == ["libc6", "linux-image-5.10.0-33-amd64"])
        #expect(signals.mapsReadable)
        #expect(signals.processesUsingReplacedLibc.map(\.name) == [
            "systemd", "systemd-journal", "dbus-daemon", "systemd-logind", "sshd", "converge-test-d", "sleep",
        ])
        // btime plus PID 1's start (353825 ticks): the container's own boot.
        #expect(signals.bootTime == 1_796_120_110 + 3538)
        #expect(signals.libcInstalled == 1_796_123_946)
        #expect(signals.installedKernels.isEmpty)
    }

    @Test func readsEachRelease() throws {
        #expect(try signals("bookworm") == RebootSignals(
            flagged: false, bootTime: 1_796_120_110 + 3538, mapsReadable: true, libcInstalled: 1_796_120_246))
        let trixie = try signals("trixie")
        #expect(trixie.processesUsingReplacedLibc.map(\.pid) == [48, 50, 61, 286, 294])
        let stretch = try signals("stretch")
        #expect(stretch.installedKernels == ["4.9.0-13-amd64"])
        #expect(stretch.processesUsingReplacedLibc.map(\.name) == ["systemd", "cron", "sshd", "ntpd"])
        let jessie = try signals("jessie")
        // Read without root: PID 1's maps are closed, so the libc check falls back on dates.
        #expect(!jessie.mapsReadable)
        #expect(jessie.installedKernels == ["3.16.0-6-amd64"])
        #expect(jessie.libcInstalled == 1_528_213_642)
        #expect(jessie.bootTime == 1_591_171_265)
    }

    @Test func rejectsOtherOutput() {
        #expect(throws: FactParseError.self) { try RebootSignalsFact().parse("btime soon\n") }
        #expect(throws: FactParseError.self) { try RebootSignalsFact().parse("pid1 1 (init) S 0\n") }
        #expect(throws: FactParseError.self) { try RebootSignalsFact().parse("something else\n") }
    }
}

@Suite struct ModifiedConffilesTests {
    func modified(_ release: String) throws -> [ModifiedConffile] {
        try ModifiedConffilesFact().parse(try Fixture.text("\(release)/conffiles"))
    }

    @Test func readsEachRelease() throws {
        #expect(try modified("jessie") == [
            ModifiedConffile(package: "ntp", path: "/etc/default/ntp"),
            ModifiedConffile(package: "ntp", path: "/etc/ntp.conf"),
            ModifiedConffile(package: "tzdata", path: "/etc/timezone"),
        ])
        #expect(try modified("stretch") == [
            ModifiedConffile(package: "sudo", path: "/etc/pam.d/sudo", isMissing: true),
            ModifiedConffile(package: "sudo", path: "/etc/sudoers"),
        ])
        // The lab writes /etc/issue.net and the daemon's conffile; bullseye has a locally
        // built package whose conffile was edited, bookworm a deleted one.
        #expect(try modified("bullseye") == [
            ModifiedConffile(package: "base-files", path: "/etc/issue.net"),
            ModifiedConffile(package: "converge-test-daemon", path: "/etc/converge-test-daemon.conf"),
            ModifiedConffile(package: "site-tools", path: "/etc/site-tools.conf"),
        ])
        #expect(try modified("bookworm").contains(ModifiedConffile(package: "adduser", path: "/etc/deluser.conf", isMissing: true)))
        // trixie's procps has a `newconffile remove-on-upgrade` entry, which is not checked.
        #expect(try modified("trixie").map(\.path) == ["/etc/issue.net", "/etc/converge-test-daemon.conf"])
    }

    @Test func keepsPathsWithSpacesAndIgnoresObsoleteOnes() throws {
        let output = """
            tool /etc/tool/my file.conf 0123456789abcdef0123456789abcdef
            tool /etc/tool/old.conf 0123456789abcdef0123456789abcdef obsolete
            failed
            /etc/tool/my file.conf: FAILED

            """
        #expect(try ModifiedConffilesFact().parse(output) == [ModifiedConffile(package: "tool", path: "/etc/tool/my file.conf")])
    }

    @Test func rejectsOtherOutput() {
        #expect(throws: FactParseError.self) { try ModifiedConffilesFact().parse("dpkg-query: error\n") }
        #expect(throws: FactParseError.self) { try ModifiedConffilesFact().parse("failed\n/etc/x: OK\n") }
    }
}

/// The real commands, run by every shell on this machine (a Debian host with apt and dpkg).
@Suite struct MaintenanceProbeTests {
    @Test(arguments: Shell.available)
    func runsInEachShell(_ shell: Shell) throws {
        var probe = FactProbe()
        let keys = MaintenanceFacts.add(to: &probe)
        let run = try shell.run(probe.script)
        #expect(run.status == 0)
        let facts = keys.facts(from: probe.results(from: run.stdout))
        #expect(facts.errors == [])
        let policy = try #require(facts.aptPolicy)
        // This machine has dpkg installed, from somewhere or other.
        #expect(policy.packages["dpkg"] != nil)
        #expect(facts.reboot?.bootTime != nil)
        #expect(facts.modifiedConffiles != nil)
    }

    @Test func keepsThePartsThatWorked() {
        var probe = FactProbe(boundary: Release.recordingBoundary)
        let keys = MaintenanceFacts.add(to: &probe)
        // Every section but the policy's, which exits 100 as a broken apt would.
        let output = [
            ("0", "", "100", "E: The package lists or status file could not be parsed or opened."),
            ("1", "indexes 3\nstamp 1700000000\nnow 1700003600\n", "0", ""),
            ("2", "btime 1700000000\n", "0", ""),
            ("3", "failed\n", "0", ""),
        ].map { index, stdout, status, stderr in
            let b = Release.recordingBoundary
            return "\(b) \(index) begin\n\(stdout)\n\(b) \(index) status \(status)\n\(stderr)\n\(b) \(index) end\n"
        }.joined()
        let facts = keys.facts(from: probe.results(from: output))
        #expect(facts.aptPolicy == nil)
        #expect(facts.errors.count == 1)
        #expect(facts.errors.first?.hasPrefix("AptPolicyFact: command failed with exit status 100") == true)
        #expect(facts.aptLists?.age == 3600)
        #expect(facts.reboot?.bootTime == 1_700_000_000)
        #expect(facts.modifiedConffiles == [])
    }
}
