import Facts
import Foundation
import Testing
import TestSupport

@testable import Planner
@testable import Resources

/// Holds of ``Package``: dpkg's selection read with the package's status, planned as a
/// field change, and made in the package's apt step.
@Suite struct PackageHoldTests {
    func held(_ version: String, candidate: String? = nil) -> PackageState {
        PackageState(status: PackageStatus("hold ok installed"), version: version, candidate: candidate ?? version,
                     availableVersions: [candidate ?? version, version])
    }

    func state(_ package: PackageState) -> HostState {
        HostState(packages: ["mariadb-server": package], aptLists: freshLists)
    }

    @Test func theSelectionIsReadFromRecordedOutputs() throws {
        // jessie: ntp held by hand, as its dpkg-query printed it (Fixtures/jessie/dpkg-query
        // of FactsTests), in the package fact's format.
        let fact = PackageStatesFact(names: ["ntp", "nginx"])
        let jessie = try fact.parse(Fixture.text("jessie/package-states-held"))
        #expect(jessie["ntp"]?.status?.want == .hold)
        #expect(jessie["ntp"]?.installedVersion == "1:4.2.6.p5+dfsg-7+deb8u2")
        #expect(jessie["nginx"]?.status?.want == .install)
        // trixie, recorded on a lab host after `apt-mark hold converge-test-hello`.
        let trixie = try PackageStatesFact(names: ["converge-test-hello"]).parse(Fixture.text("trixie/package-states-held"))
        #expect(trixie["converge-test-hello"]?.status == PackageStatus("hold ok installed"))
        #expect(trixie["converge-test-hello"]?.installedVersion == "1.0-1")
    }

    @Test func holdAndUnholdAreFieldChanges() throws {
        let hold = try plan([Package("mariadb-server", hold: true)], state(installed("10.11.6"))).changes
        #expect(hold.map(\.operation) == [.holdPackage(name: "mariadb-server", hold: true)])
        #expect(hold.first.map(PlanRenderer.render) == ["~ package:mariadb-server  not held, want held", "    selection: install → hold"])
        let unhold = try plan([Package("mariadb-server", hold: false)], state(held("10.11.6"))).changes
        #expect(unhold.map(\.operation) == [.holdPackage(name: "mariadb-server", hold: false)])
        #expect(unhold.first?.fields == [FieldChange("selection", old: "hold", new: "install")])
        // As wanted, or left as it is: nothing.
        #expect(try plan([Package("mariadb-server", hold: true)], state(held("10.11.6"))).isEmpty)
        #expect(try plan([Package("mariadb-server", hold: false)], state(installed("10.11.6"))).isEmpty)
        #expect(try plan([Package("mariadb-server")], state(held("10.11.6"))).isEmpty)
    }

    @Test func anInstallAndItsHoldAreOneStep() throws {
        let host = try plan(
            [Package("mariadb-server", hold: true), Package("nginx")],
            HostState(packages: ["mariadb-server": notInstalled(candidate: "10.11.6"), "nginx": notInstalled(candidate: "1.22.1")],
                      aptLists: freshLists))
        #expect(host.changes.map(\.operation) == [
            .installPackage(name: "mariadb-server", version: nil, allowDowngrade: false),
            .holdPackage(name: "mariadb-server", hold: true),
            .installPackage(name: "nginx", version: nil, allowDowngrade: false),
        ])
        #expect(host.changes[1].fields == [FieldChange("selection", old: nil, new: "hold")])
        let script = try ApplyScript(plan: host)
        #expect(script.steps == [[0, 1, 2]])
        // Held after the install; let through a hold it may have by then (apt decides at the step).
        #expect(script.text.contains("""
            converge_allow_held 'mariadb-server'
            converge_apt -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 ${converge_held_option:+-o "$converge_held_option"} install 'mariadb-server' 'nginx'
            converge_select hold 'mariadb-server'
            """))
    }

    @Test func aHeldPackageIsUpgradedThroughItsHold() throws {
        let host = try plan([Package("mariadb-server", .version("10.11.7"), hold: true)], state(held("10.11.6", candidate: "10.11.7")))
        #expect(host.changes.map(\.operation) == [
            .installPackage(name: "mariadb-server", version: "10.11.7", allowDowngrade: true),
            .holdPackage(name: "mariadb-server", hold: true),
        ])
        #expect(host.changes[1].reason == "held: installed through its hold, and held again")
        #expect(host.changes[1].fields.isEmpty)
        // A hold to release goes first; the install needs nothing to pass it then.
        let released = try plan([Package("mariadb-server", .version("10.11.7"), hold: false)], state(held("10.11.6", candidate: "10.11.7")))
        let text = try ApplyScript(plan: released).text
        #expect(text.contains("converge_select install 'mariadb-server'\nconverge_force=\n"))
        #expect(!text.contains("converge_allow_held '"))
        // Held by hand and left as it is: apt refuses the upgrade, naming the hold.
        let byHand = try ApplyScript(plan: try plan([Package("mariadb-server", .version("10.11.7"))], state(held("10.11.6", candidate: "10.11.7"))))
        #expect(!byHand.text.contains("converge_allow_held '") && !byHand.text.contains("converge_select hold '") && !byHand.text.contains("converge_select install '"))
    }

    @Test func anAbsentPackageCannotBeHeld() {
        #expect(throws: PlanError.invalid(.package("telnet"), "a package to be absent cannot be held")) {
            try HostStateQuery(resources: [Package("telnet", .absent, hold: true)])
        }
    }

    @Test func theLibraryChoosesTheOptionByAptsVersion() throws {
        let library = ApplyScript.library(ApplyOptions())
        try expectValidSyntax(library)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg") else { return }
        try withTemporaryDirectory { directory in
            // A dpkg-query that knows apt at $APT_VERSION and every package as held.
            try "#!/bin/sh\ncase \"$3\" in *Status*) echo 'hold ok installed' ;; *) echo \"$APT_VERSION\" ;; esac\n"
                .write(toFile: directory + "/dpkg-query", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/dpkg-query")
            try library.write(toFile: directory + "/lib", atomically: true, encoding: .utf8)
            // jessie's apt 1.0.9.8.4: force-yes; stretch's 1.4.11 and later: allow-change-held-packages.
            for (version, option) in [("1.0.9.8.4", "APT::Get::force-yes=true"), ("1.4.11", "APT::Get::allow-change-held-packages=true"),
                                      ("3.0.4", "APT::Get::allow-change-held-packages=true")] {
                let result = try run(
                    [dash, "-c", ". \"$0\"; converge_allow_held mariadb-server; echo \"$converge_held_option\"", directory + "/lib"],
                    environment: ["PATH": directory + ":/usr/bin:/bin", "APT_VERSION": version])
                #expect(result.stdout == option + "\n", "\(version): \(result.stderr)")
            }
        }
    }
}
