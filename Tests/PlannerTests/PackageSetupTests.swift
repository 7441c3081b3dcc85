import Facts
import Foundation
import Testing

@testable import Planner
@testable import Resources

/// What apt and dpkg read before a package installs: pins and debconf answers.
@Suite struct PackageSetupTests {
    @Test func aPinIsAFileOfItsOwnBeforeThePackages() throws {
        let resources: [any Resource] = [
            Package("nodejs"),
            AptPreference("nodesource", packages: ["nodejs"], pin: "origin deb.nodesource.com", priority: 1001),
        ]
        let state = HostState(packages: ["nodejs": installed("18.19.0+dfsg-6", candidate: "18.19.0+dfsg-6")], aptLists: freshLists)
        let changes = try plan(resources, state).changes
        #expect(changes.map(\.operation) == [.writeFile(
            path: "/etc/apt/preferences.d/nodesource.pref",
            bytes: .inline(Data("# Managed by converge.\nPackage: nodejs\nPin: origin deb.nodesource.com\nPin-Priority: 1001\n".utf8)),
            owner: nil, group: nil, mode: 0o644)])
        #expect(throws: PlanError.self) {
            try HostStateQuery(resources: [AptPreference("x", packages: ["nodejs"], pin: "origin a\nPin: b", priority: 1)])
        }
    }

    /// `debconf-show debconf` and the status line, as a bookworm lab host prints them.
    let debconfOutput = """
          debconf-apt-progress/preparing:
          debconf/priority: high
          debconf-apt-progress/media-change:
          debconf/frontend: Dialog
        dpkg-status install ok installed

        """

    func state(_ output: String, package: String = "debconf") -> HostState {
        HostState(factOutputs: ["debconf:\(package)": FactOutput(stdout: output, stderr: "", exitStatus: 0)])
    }

    @Test func anAnswerOfAnInstalledPackageIsSetAndThePackageReconfigured() throws {
        let changes = try plan([Debconf("debconf", "debconf/frontend", type: .select, value: "Noninteractive")], state(debconfOutput)).changes
        #expect(changes == [Change(
            resource: ResourceID(kind: "debconf", name: "debconf/frontend"), action: .update,
            reason: "answered Dialog; debconf is reconfigured",
            fields: [FieldChange("answer", old: "Dialog", new: "Noninteractive")],
            operation: .shell("""
                printf '%s\\n' 'debconf debconf/frontend select Noninteractive' | debconf-set-selections
                DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive 'debconf'
                """))])
        #expect(try plan([Debconf("debconf", "debconf/priority", type: .select, value: "high")], state(debconfOutput)).changes.isEmpty)
    }

    @Test func anAnswerBeforeThePackageIsInstalledIsOnlyPreseeded() throws {
        let resources: [any Resource] = [
            Package("exim4-daemon-light"),
            Debconf("exim4-config", "exim4/dc_eximconfig_configtype", type: .select, value: "internet site; mail is sent and received directly using SMTP"),
        ]
        var state = state("dpkg-status \n", package: "exim4-config")
        state.packages["exim4-daemon-light"] = notInstalled(candidate: "4.96-15+deb12u6")
        state.aptLists = freshLists
        let changes = try plan(resources, state).changes
        #expect(changes.map(\.resource) == [ResourceID(kind: "debconf", name: "exim4/dc_eximconfig_configtype"), .package("exim4-daemon-light")])
        #expect(changes[0].reason == "not answered")
        #expect(changes[0].operation == .shell(
            "printf '%s\\n' 'exim4-config exim4/dc_eximconfig_configtype select internet site; mail is sent and received directly using SMTP' | debconf-set-selections"))
    }

    @Test func badAnswersAreNamed() {
        #expect(throws: PlanError.invalid(ResourceID(kind: "debconf", name: "x/y"), "a boolean answer is true or false, not yes")) {
            try HostStateQuery(resources: [Debconf("debconf", "x/y", type: .boolean, value: "yes")])
        }
        #expect(throws: PlanError.invalid(ResourceID(kind: "debconf", name: "a b"), "not a debconf question (owner/name): a b")) {
            try HostStateQuery(resources: [Debconf("debconf", "a b", value: "x")])
        }
    }
}
