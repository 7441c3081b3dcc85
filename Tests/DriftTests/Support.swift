import Facts
import Foundation
import Testing

@testable import Drift

enum Fixture {
    static var folder: URL {
        get throws { try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)) }
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: try folder.appendingPathComponent(path), encoding: .utf8)
    }

    /// The host facts of `fleet/HOST` (or of another folder's host), read by the Facts
    /// module's own parsers.
    static func facts(_ host: String, in folder: String = "fleet") throws -> HostFacts {
        func file(_ name: String) throws -> String { try text("\(folder)/\(host)/\(name)") }
        let debianVersion = try file("debian_version").split(separator: "\n").first ?? ""
        let release = DebianReleaseFact().parse(try file("os-release") + "\nCONVERGE_DEBIAN_VERSION=\(debianVersion)\n")
        return HostFacts(
            release: release,
            kernel: try KernelFact().parse(try file("uname")),
            architecture: try ArchitectureFact().parse(try file("architecture")),
            initSystem: try InitSystemFact().parse(try file("init-system")),
            packages: try DebianPackagesFact().parse(try file("dpkg-query")))
    }
}

extension Fixture {
    /// The maintenance facts of `FOLDER/HOST`, when it has them (`apt-policy`, `reboot`,
    /// `conffiles`, `apt-lists`, each the output of its fact's command).
    static func maintenance(_ host: String, in folder: String = "fleet") throws -> MaintenanceFacts? {
        func file(_ name: String) throws -> String { try text("\(folder)/\(host)/\(name)") }
        guard (try? file("apt-policy")) != nil else { return nil }
        return MaintenanceFacts(
            aptPolicy: try AptPolicyFact().parse(try file("apt-policy")),
            aptLists: try AptListsFact().parse(try file("apt-lists")),
            reboot: try RebootSignalsFact().parse(try file("reboot")),
            modifiedConffiles: try ModifiedConffilesFact().parse(try file("conffiles")))
    }
}

/// The lab's roles, which every recorded lab host has, and what they manage.
let labRoles = ["base", "base-defaults", "lab-app"]
let labManagedPackages: Set<String> = ["converge-test-daemon", "converge-test-hello"]
let labManagedFiles: Set<String> = ["/etc/motd", "/etc/issue.net", "/etc/converge-test-daemon.conf", "/etc/converge/host"]

/// The five lab hosts recorded in Fixtures/lab (see its README), as a sweep of the lab
/// inventory found them: groups `lab` and their release; `drift` per host.
func labFleet(drift: [String: [ResourceDrift]] = [:], managedPackages: Set<String> = labManagedPackages) throws -> [HostSweep] {
    try ["lab01", "lab02", "lab03", "lab04", "lab05"].enumerated().map { index, name in
        let facts = try Fixture.facts(name, in: "lab")
        return HostSweep(
            host: name, address: "10.232.0.1\(index + 1)", groups: ["lab", facts.release.codename ?? "?"],
            outcome: .swept(facts: facts, drift: drift[name] ?? []), roles: labRoles,
            maintenance: try Fixture.maintenance(name, in: "lab"), managedPackages: managedPackages,
            managedFiles: labManagedFiles)
    }
}

/// When the lab hosts were recorded (2026-12-01 11:37 UTC): bullseye past LTS, bookworm in LTS.
let labDate = Date(timeIntervalSince1970: 1_796_124_650)

/// The real table's Debian 11 to 13 rows, for the lab fleet.
let labDistroInfo = try! DistroInfo(
    csv: """
        version,codename,series,created,release,eol,eol-lts,eol-elts
        11,Bullseye,bullseye,2019-07-06,2021-08-14,2024-08-14,2026-08-31,2031-06-30
        12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30
        13,Trixie,trixie,2023-06-10,2025-08-09,2028-08-09,2030-06-30,2035-06-30
        """,
    source: "test table")

/// 2026-01-15 12:00:00 UTC: jessie is past ELTS, stretch in ELTS, bookworm supported.
let januaryDate = Date(timeIntervalSince1970: 1_768_478_400)

/// The fleet of the fixtures' README: web01–web03 and db01, db03 swept, web04
/// unreachable, db02 failed; drift on web01 (two resources) and db01 (one); maintenance
/// facts on web01 (jessie) and web03 (stretch).
func mixedFleet() throws -> [HostSweep] {
    [
        HostSweep(
            host: "web01", address: "10.0.0.11", groups: ["web", "jessie"],
            outcome: .swept(facts: try Fixture.facts("web01"), drift: [
                ResourceDrift(
                    resource: "package:nginx", reason: "not installed",
                    fields: [FieldDrift(field: "version", expected: "1.6.2-5+deb8u7", actual: nil)]),
                ResourceDrift(
                    resource: "file:/etc/motd", reason: "content differs",
                    fields: [
                        FieldDrift(field: "content", expected: "welcome\n", actual: "hello\n"),
                        FieldDrift(field: "mode", expected: "0644", actual: "0600"),
                    ]),
            ]),
            roles: ["web"], maintenance: try Fixture.maintenance("web01"), managedPackages: ["apache2", "ntp", "nginx"]),
        HostSweep(
            host: "web02", address: "10.0.0.12", groups: ["web", "jessie"],
            outcome: .swept(facts: try Fixture.facts("web02"), drift: []), roles: ["web"]),
        HostSweep(
            host: "web03", address: "10.0.0.13", groups: ["web"],
            outcome: .swept(facts: try Fixture.facts("web03"), drift: []),
            roles: ["web"], maintenance: try Fixture.maintenance("web03"), managedPackages: ["apache2", "sudo"]),
        HostSweep(
            host: "web04", address: "10.0.0.14", groups: ["web"],
            outcome: .unreachable("connect to 10.0.0.14 port 22: connection refused")),
        HostSweep(
            host: "db01", address: "10.0.1.11", groups: ["db"],
            outcome: .swept(facts: try Fixture.facts("db01"), drift: [
                ResourceDrift(resource: "service:postgresql", reason: "not running",
                              fields: [FieldDrift(field: "running", expected: "true", actual: "false")]),
            ])),
        HostSweep(
            host: "db02", address: "10.0.1.12", groups: ["db"],
            outcome: .failed("dpkg-query: error: parsing file '/var/lib/dpkg/status'")),
        HostSweep(
            host: "db03", address: "10.0.1.13", groups: ["db"],
            outcome: .swept(facts: try Fixture.facts("db03"), drift: [])),
    ]
}

/// A distro-info table of the real file's Debian 8, 9, 12 and 14 rows, for tests
/// independent of the controller's copy.
let testDistroInfo = try! DistroInfo(
    csv: """
        version,codename,series,created,release,eol,eol-lts,eol-elts
        8,Jessie,jessie,2013-05-04,2015-04-26,2018-06-17,2020-06-30,2025-06-30
        9,Stretch,stretch,2015-04-26,2017-06-17,2020-07-18,2022-06-30,2027-06-30
        12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30
        14,Forky,forky,2025-08-09
        """,
    source: "test table")

func mixedReport(history: FindingHistory? = nil) throws -> DriftReport {
    DriftReport(
        sweeps: try mixedFleet(), sweptAt: januaryDate, duration: 12.5, distroInfo: testDistroInfo,
        history: history)
}

/// A swept host with `packages` (name, version, architecture), all installed.
func syntheticHost(
    _ name: String, groups: [String], release: (String, String) = ("9.13", "stretch"),
    kernel: String = "4.9.0-13-amd64", packages: [(String, String, String)], drift: [ResourceDrift] = [],
    roles: [String] = []
) -> HostSweep {
    let major = release.0.split(separator: ".").first.map(String.init)
    let facts = HostFacts(
        release: DebianRelease(
            id: "debian", versionID: major, codename: release.1, prettyName: nil,
            debianVersion: release.0, pointRelease: release.0, majorVersion: major.flatMap { Int($0) }),
        kernel: Kernel(release: kernel, version: "#1 SMP Debian", machine: "x86_64"),
        architecture: Architecture(name: "amd64", machine: "x86_64", foreignArchitectures: ["i386"]),
        initSystem: InitSystem(kind: .systemd, pid1: "systemd", systemdVersion: 232),
        packages: packages.map {
            DebianPackage(name: $0.0, version: $0.1, architecture: $0.2,
                          status: PackageStatus(want: .install, errorFlag: .ok, state: .installed))
        })
    return HostSweep(
        host: name, address: "192.0.2.\(name.count)", groups: groups, outcome: .swept(facts: facts, drift: drift), roles: roles)
}
