import Foundation

import Testing
import TestSupport

@testable import Facts
@testable import Fleet
@testable import Planner
@testable import Resources

/// Every shell converge sends to a target passes `shellcheck -s dash`: the apply script
/// with a step of every operation, the fact probe with every fact, bootstrap's sshd scripts.
/// Dash is the POSIX shell of every Debian release converge supports, jessie's included.
///
/// Required when `CONVERGE_REQUIRE_SHELLCHECK=1` (scripts/test sets it, after
/// scripts/setup installed shellcheck); skipped otherwise when shellcheck is missing.
@Suite(.enabled(if: Shellcheck.isAvailable || Shellcheck.isRequired, "shellcheck is not installed"))
struct ShellcheckTests {
    @Test func theApplyScriptWithEveryOperation() throws {
        let id = ResourceID(kind: "test", name: "x")
        let operations: [HostOperation] = [
            .refreshPackageLists,
            .installPackage(name: "nginx", version: "1.22.1-9", allowDowngrade: true),
            .upgradePackage(name: "libssl3", version: "3.0.17-1~deb12u2"),
            .removePackage(name: "telnet"),
            .upgradeRelease(from: "jessie", to: "stretch"),
            .holdPackage(name: "nginx", hold: true),
            .writeFile(path: "/etc/x y", bytes: .inline(Data("text\n".utf8)), owner: "root", group: "adm", mode: 0o640),
            .setAttributes(path: "/etc/x", owner: "www-data", group: nil, mode: 0o600),
            .makeDirectory(path: "/srv/a b", owner: "root", group: "root", mode: 0o755),
            .makeSymlink(path: "/etc/link", target: "/etc/x"),
            .removePath(path: "/tmp/old", recursive: true),
            .recordSecretDigest(path: "/etc/app/it's secret"),
            .writeFile(path: "/etc/app/token", bytes: .secret(text: .environment("T"), digest: SecretValues.testKey.digest(Data("t".utf8)), size: 1),
                       owner: nil, group: nil, mode: 0o600),
            .createUser(name: "deploy", uid: 1001, group: "deploy", groups: ["sudo", "adm"], home: "/home/deploy", shell: "/bin/bash", system: false),
            .modifyUser(name: "deploy", uid: 1002, group: "adm", addGroups: ["www-data"], home: "/srv/deploy", shell: "/bin/sh"),
            .removeUser(name: "olduser"),
            .createGroup(name: "ops", gid: 900, system: true),
            .modifyGroup(name: "ops", gid: 901),
            .removeGroup(name: "oldgroup"),
            .systemctl(unit: "nginx.service", verbs: ["enable", "restart"]),
            .runCommand(command: "echo hi", creates: "/tmp/done", unless: "test -e /tmp/x", retries: 2, delay: 1),
            .runCommand(command: "echo once", creates: nil, unless: nil, retries: 0, delay: 0),
            .reloadSystemd,
            .ensureService(unit: "nginx.service", running: true, enabled: true, refresh: "reload"),
            .shell(Sysctl("net.ipv4.ip_local_port_range", "10240 65000").setCommand),
            .reboot(pending: "reboot:kernel", timeout: 600),
            .writeFile(path: "/etc/after-reboot", bytes: .inline(Data("text\n".utf8)), owner: nil, group: nil, mode: 0o644),
        ]
        #expect(Set(operations.map(\.caseName)).count == HostOperation.caseCount, "a step of every operation")
        let plan = HostPlan(
            host: "web1", factsFingerprint: "", query: HostStateQuery(),
            changes: operations.map { Change(resource: id, action: .run, reason: "test", operation: $0, notifies: ["nginx.service"]) })
        // Each step on its own: the script writes most to files as data.
        for operation in operations {
            try Shellcheck.check(
                try ShellCommands.commands(for: operation, secrets: SecretValues([.environment("T"): Data("t".utf8)])),
                named: "step \(operation)")
        }
        try Shellcheck.check(
            ShellCommands.packages(install: [("nginx", nil), ("curl", "7.88.1-10")], remove: ["telnet"], allowDowngrades: true),
            named: "apt transaction")
        try Shellcheck.check(
            ShellCommands.packages(install: [("mariadb-server", "1:10.11.6-0+deb12u1")], remove: [], allowDowngrades: false,
                                   hold: ["mariadb-server"], unhold: ["redis-server"]),
            named: "apt transaction with holds")
        try Shellcheck.check(ApplyScript.library(ApplyOptions()), named: "apply library")
        // The script around the steps: each inline step is a converge_step function that
        // converge_run calls (SC2317: shellcheck sees no call), and the library is a file
        // the script writes before sourcing it (SC1091).
        // A reboot ends a script: the steps after it are a script of their own.
        let beforeReboot = try ApplyScript(plan: plan, secrets: SecretValues([.environment("T"): Data("t".utf8)]))
        #expect(beforeReboot.endsInReboot && beforeReboot.stepRange.upperBound < beforeReboot.steps.count)
        try Shellcheck.check(beforeReboot.text, named: "apply script", excluding: ["SC2317", "SC1091"])
        try Shellcheck.check(
            try ApplyScript(plan: plan, secrets: SecretValues([.environment("T"): Data("t".utf8)]), startingAt: beforeReboot.stepRange.upperBound).text,
            named: "apply script after a reboot", excluding: ["SC2317", "SC1091"])
    }

    @Test func theProbeWithEveryFact() throws {
        var probe = FactProbe()
        _ = HostFacts.add(to: &probe)
        _ = MaintenanceFacts.add(to: &probe)
        var query = HostStateQuery()
        let id = ResourceID(kind: "test", name: "x")
        try query.addPackage("nginx", need: .always, for: id)
        try query.addPath("/etc/x y", wantedContentSHA256: String(repeating: "0", count: 64), for: id)
        try query.addOwner("www-data", group: "adm", for: id)
        try query.addUnit("nginx.service", for: id)
        try query.addUser("deploy", for: id)
        try query.addGroup("ops", for: id)
        query.addGuard(creates: "/tmp/done", unless: "test -e /tmp/x", forCommand: "c")
        try query.addKernelSetting("net.core.somaxconn", for: id)
        _ = query.add(to: &probe)
        _ = RoleFacts.add(to: &probe, details: true)
        _ = RoleFacts.add(to: &probe)
        for command in probe.commands { try Shellcheck.check(command, named: "fact \(command.prefix(60))") }
        // The probe passes each fact's command to eval as one single-quoted word (SC2016).
        try Shellcheck.check(probe.script, named: "fact probe", excluding: ["SC2016"])
    }

    /// The shell resource types write themselves, beside the operations above.
    @Test func theResourceTypesOwnShell() throws {
        try Shellcheck.check(Sysctl("vm.swappiness", 10).setCommand, named: "Sysctl's setting")
        try Shellcheck.check(
            AptSource.commentOut("deb [arch=amd64] http://repo.example.net/debian bookworm main", in: "/etc/apt/sources.list",
                                 note: " # converge: now in lab.sources"),
            named: "AptSource's retiring of an older entry")
        try Shellcheck.check(
            try #require(CronJob("x", schedule: "@daily", command: "echo \"50% $HOME\"").text.split(separator: "\n").last.map { String($0.split(separator: " ", maxSplits: 2)[2]) }),
            named: "CronJob's command as cron runs it")
        for edit in [Lines("/etc/default/varnish", [.line("START=yes", replacing: "^#?START="), .absent(matching: "^NFILES=")]).edit,
                     Block("/etc/hosts", name: "backends", content: "10.0.0.31 web1", after: "^127", create: true).edit] {
            try Shellcheck.check(edit.fact(named: "edit").command, named: "a text file edit's fact")
            try Shellcheck.check(edit.applyCommand, named: "a text file edit's step")
        }
        try Shellcheck.check(Mount("/srv/my files", device: "gluster1:/shared", type: "glusterfs").current.command, named: "Mount's fact")
        try Shellcheck.check(Reboot("kernel").signals.command, named: "Reboot's fact")
        try Shellcheck.check(UpgradePolicies.reboot.signals.command, named: "the baseline reboot's fact")
        try Shellcheck.check(ReleaseSimulationFact(from: "bullseye", to: "bookworm").command, named: "the release simulation's fact")
        for question in [Debconf("debconf", "debconf/frontend", type: .select, value: "Noninteractive")] {
            try Shellcheck.check(question.answers.command, named: "Debconf's fact")
        }
    }

    @Test func bootstrapsScripts() throws {
        let keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE0 alice@laptop", "ssh-rsa AAAAB3Nza bob's key"]
        try Shellcheck.check(Bootstrap.keysScript(account: "root", withSudo: false, keys: keys), named: "bootstrap keys for root")
        try Shellcheck.check(Bootstrap.keysScript(account: "deploy", withSudo: true, keys: keys), named: "bootstrap keys with sudo")
        try Shellcheck.check(Bootstrap.hostnameScript(name: "web1"), named: "bootstrap hostname")
        let hardening = SSHHardening(extraOptions: ["MaxAuthTries 3"])
        try Shellcheck.check(hardening.applyScript, named: "sshd hardening")
        try Shellcheck.check(hardening.rollbackScript, named: "sshd rollback")
        try Shellcheck.check(hardening.commitScript, named: "sshd commit")
    }

    @Test func theRolloutsDrains() throws {
        for drain in [Drain.varnish(backend: "web_web1", on: "cache"), Drain.haproxy(backend: "caches", server: "cache1", on: "lb")] {
            for (part, script) in [("drain", drain.drainCommand), ("undrain", drain.undrainCommand),
                                   ("connections", drain.connectionsCommand!)] {
                try Shellcheck.check(script, named: "\(drain.name) \(part)")
            }
        }
        try Shellcheck.check(DrainedMarker.writeCommand([Drain.varnish(backend: "web_web1", on: "cache")]), named: "drained marker")
        try Shellcheck.check(DrainedMarker.Fact().command, named: "drained marker fact")
        try Shellcheck.check(ListRefresh.command(maximumListAge: 86_400), named: "list refresh")
    }
}

enum Shellcheck {
    static let path = ["/usr/bin/shellcheck", "/usr/local/bin/shellcheck"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { path != nil }
    static var isRequired: Bool { ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_SHELLCHECK"] == "1" }

    /// Runs shellcheck for dash on `script`; records its findings as an issue.
    static func check(
        _ script: String, named name: String, excluding codes: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let shellcheck = try #require(path, "shellcheck is not installed: scripts/setup installs it", sourceLocation: sourceLocation)
        if let dump = ProcessInfo.processInfo.environment["SHELLCHECK_DUMP"] {
            let file = String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
            try script.write(toFile: dump + "/" + file + ".sh", atomically: true, encoding: .utf8)
        }
        let exclusions = codes.isEmpty ? [] : ["-e", codes.joined(separator: ",")]
        let result = try run([shellcheck, "-s", "dash", "-f", "gcc"] + exclusions + ["-"], input: script)
        #expect(result.status == 0, "shellcheck -s dash on the \(name):\n\(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
    }
}

extension HostOperation {
    /// The number of cases: the switch below stops compiling when one is added, so the
    /// test above gets a step of it.
    static let caseCount = 24

    var caseName: String {
        switch self {
        case .refreshPackageLists: "refreshPackageLists"
        case .installPackage: "installPackage"
        case .upgradePackage: "upgradePackage"
        case .removePackage: "removePackage"
        case .upgradeRelease: "upgradeRelease"
        case .holdPackage: "holdPackage"
        case .writeFile: "writeFile"
        case .setAttributes: "setAttributes"
        case .makeDirectory: "makeDirectory"
        case .makeSymlink: "makeSymlink"
        case .removePath: "removePath"
        case .recordSecretDigest: "recordSecretDigest"
        case .createUser: "createUser"
        case .modifyUser: "modifyUser"
        case .removeUser: "removeUser"
        case .createGroup: "createGroup"
        case .modifyGroup: "modifyGroup"
        case .removeGroup: "removeGroup"
        case .systemctl: "systemctl"
        case .runCommand: "runCommand"
        case .reloadSystemd: "reloadSystemd"
        case .ensureService: "ensureService"
        case .shell: "shell"
        case .reboot: "reboot"
        }
    }
}
