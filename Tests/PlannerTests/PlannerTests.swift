import Facts
import Foundation
import Resources
import Testing

@testable import Planner

/// Facts + resources → exact changes.
@Suite struct PackagePlanTests {
    let state = HostState(
        packages: [
            "nginx": installed("1.22.1-9"),
            "curl": installed("7.88.1-10", candidate: "7.88.1-10+deb12u5"),
            "hello": installed("1.0-1", candidate: "2.0-1", available: ["2.0-1", "1.0-1"]),
            "telnet": installed("0.17-44"),
            "redis-server": notInstalled(candidate: "5:7.0.15-1~deb12u1"),
            "unknown": notInstalled(candidate: nil),
            "gone": notInstalled(candidate: "1.0"),
        ],
        aptLists: freshLists)

    @Test func noOpForEveryState() throws {
        let resources: [any Resource] = [
            Package("nginx"), Package("nginx-light-absent-x", .absent), Package("hello", .version("1.0-1")),
            Package("gone", .absent),
        ]
        var state = state
        state.packages["nginx-light-absent-x"] = notInstalled(candidate: nil)
        #expect(try plan(resources, state).changes == [])
        // latest with fresh lists and the candidate installed.
        #expect(try plan([Package("nginx", .latest)], state).changes == [])
    }

    @Test func presentInstalls() throws {
        let changes = try plan([Package("redis-server")], state).changes
        #expect(changes == [Change(
            resource: .package("redis-server"), action: .create, reason: "not installed",
            fields: [FieldChange("version", old: nil, new: "latest")],
            operation: .installPackage(name: "redis-server", version: nil, allowDowngrade: false))])
    }

    @Test func absentRemoves() throws {
        let changes = try plan([Package("telnet", .absent)], state).changes
        #expect(changes.map(\.action) == [.remove])
        #expect(changes.first?.reason == "installed (0.17-44)")
        #expect(changes.first?.operation == .removePackage(name: "telnet"))
    }

    @Test func exactVersionUpgradesAndDowngrades() throws {
        let up = try plan([Package("hello", .version("2.0-1"))], state).changes
        #expect(up.map(\.reason) == ["version 1.0-1, want 2.0-1"])
        #expect(up.first?.operation == .installPackage(name: "hello", version: "2.0-1", allowDowngrade: true))
        #expect(up.first?.fields == [FieldChange("version", old: "1.0-1", new: "2.0-1")])
        var downgraded = state
        downgraded.packages["hello"] = installed("2.0-1", available: ["2.0-1", "1.0-1"])
        let down = try plan([Package("hello", .version("1.0-1"))], downgraded).changes
        #expect(down.map(\.reason) == ["version 2.0-1, want 1.0-1"])
    }

    @Test func latestUpgradesToTheCandidate() throws {
        let changes = try plan([Package("curl", .latest)], state).changes
        #expect(changes.map(\.reason) == ["version 7.88.1-10, candidate 7.88.1-10+deb12u5"])
        #expect(changes.map(\.action) == [.update])
    }

    @Test func updateOnlyWhenApt() throws {
        // Available: no update.
        #expect(try !plan([Package("redis-server"), Package("hello", .version("2.0-1"))], state).changes
            .contains { $0.operation == .refreshPackageLists })
        // No candidate: update first, once.
        let noCandidate = try plan([Package("redis-server"), Package("unknown"), Package("hello", .version("3.0-1"))], state)
        #expect(noCandidate.changes.map(\.resource.description) == [
            "apt:update", "package:redis-server", "package:unknown", "package:hello",
        ])
        #expect(noCandidate.changes[0].reason == "unknown has no candidate in apt's lists")
        // An exact version apt does not know.
        let unknownVersion = try plan([Package("hello", .version("3.0-1"))], state)
        #expect(unknownVersion.changes.first?.reason == "hello 3.0-1 is not in apt's lists")
        // No lists at all.
        var bare = state
        bare.aptLists = AptLists(packageIndexCount: 0, lastUpdate: nil, now: 1_700_000_000)
        bare.packages["redis-server"] = notInstalled(candidate: nil)
        #expect(try plan([Package("redis-server")], bare).changes.first?.reason == "no apt lists")
    }

    @Test func latestRefreshesStaleLists() throws {
        var stale = state
        stale.aptLists = AptLists(packageIndexCount: 4, lastUpdate: 1_700_000_000 - 3 * 86400, now: 1_700_000_000)
        let changes = try plan([Package("nginx", .latest), Package("nginx-extras")], stale.adding("nginx-extras", notInstalled(candidate: "1")))
            .changes
        #expect(changes.map(\.resource.description) == ["apt:update", "package:nginx", "package:nginx-extras"])
        #expect(changes[0].reason == "apt lists are 3 days old (at most 24 hours for latest)")
        #expect(changes[1].operation == .installPackage(name: "nginx", version: nil, allowDowngrade: false))
        // Stale lists alone do not refresh for packages that are not `latest`.
        #expect(try plan([Package("nginx")], stale).changes == [])
    }

    @Test func missingFactsAreAnError() {
        #expect(throws: PlanError.missingFacts(.package("vim"))) { try plan([Package("vim")], state) }
    }

    @Test func invalidNamesAreAnError() {
        #expect(throws: PlanError.invalid(.package("-o foo"), "not a valid Debian package name")) {
            try plan([Package("-o foo")], state)
        }
    }
}

extension HostState {
    func adding(_ package: String, _ packageState: PackageState) -> HostState {
        var copy = self
        copy.packages[package] = packageState
        return copy
    }
}

@Suite struct FilePlanTests {
    @Test func noOpWhenEverythingMatches() throws {
        let state = HostState(paths: [
            "/etc/motd": fileState("Welcome\n"),
            "/etc/app": directoryState(owner: "deploy", group: "deploy", mode: 0o750),
            "/etc/link": PathState(kind: .symlink, mode: 0o777, uid: 0, gid: 0, owner: "root", group: "root", size: 9, target: "/etc/motd"),
            "/etc/secret": fileState("s3cret", mode: 0o600, withContent: false),
            // The host's record of the secret file's digest, for drift sweeps.
            SecretDigestRecord.path(of: "/etc/secret"): fileState(
                SecretDigestRecord.content(of: "/etc/secret", sha256: sha256Hex(Data("s3cret".utf8))), mode: 0o644, withContent: false),
        ], users: ["deploy": UserState(uid: 1000, gid: 1000, primaryGroup: "deploy", groups: ["deploy"], home: "/home/deploy", shell: "/bin/sh")])
        let secrets = SecretValues([.environment("S"): Data("s3cret".utf8)])
        let resources: [any Resource] = [
            File("/etc/motd", content: "Welcome\n", owner: "root", group: "root", mode: 0o644),
            File("/etc/secret", content: .secret(.environment("S"))),
            File("/etc/old", .absent),
            Directory("/etc/app", owner: "deploy", group: "deploy", mode: 0o750),
            Directory("/etc/gone", .absent),
            Symlink("/etc/link", target: "/etc/motd"),
            Symlink("/etc/nolink", .absent),
        ]
        #expect(try plan(resources, state, secrets: secrets).changes == [])
    }

    @Test func createsWithDefaults() throws {
        let changes = try plan([File("/etc/motd", content: "Hi\n")], HostState()).changes
        #expect(changes == [Change(
            resource: .file("/etc/motd"), action: .create, reason: "does not exist",
            fields: [FieldChange("mode", old: nil, new: "0644")],
            content: ContentChange(
                oldSHA256: nil, newSHA256: sha256Hex(Data("Hi\n".utf8)), oldSize: nil, newSize: 3, oldText: nil,
                newText: "Hi\n", isSecret: false),
            operation: .writeFile(path: "/etc/motd", bytes: .inline(Data("Hi\n".utf8)), owner: nil, group: nil, mode: 0o644))])
    }

    @Test func contentChangeKeepsCurrentAttributes() throws {
        let state = HostState(paths: ["/etc/motd": fileState("old\n", owner: "www-data", group: "adm", mode: 0o640)])
        let change = try #require(try plan([File("/etc/motd", content: "new\n")], state).changes.first)
        #expect(change.reason == "content differs")
        #expect(change.fields == [])
        #expect(change.content?.oldText == "old\n")
        #expect(change.content?.newText == "new\n")
        #expect(change.operation == .writeFile(
            path: "/etc/motd", bytes: .inline(Data("new\n".utf8)), owner: "www-data", group: "adm", mode: 0o640))
    }

    /// Bad input is one clear error naming the resource, before anything is changed.
    @Test func badPathsAndOwnersAreNamed() throws {
        #expect(throws: PlanError.invalid(.file("/etc/../shadow"), "the path has a `.` or `..` component: write the path it means")) {
            try plan([File("/etc/../shadow", content: "x")], HostState())
        }
        #expect(throws: PlanError.invalid(.file("/etc/a\nb"), "the path has a control character (U+A), e.g. a newline")) {
            try plan([File("/etc/a\nb", content: "x")], HostState())
        }
        // Said on one line, the newline written as `\n`.
        #expect(PlanError.invalid(.file("/etc/a\nb"), "the path has a control character (U+A), e.g. a newline").description
                == #"file:"/etc/a\nb": the path has a control character (U+A), e.g. a newline"#)
        #expect(PlanError.cycle([.file("/a\tb"), .command("c"), .file("/a\tb")]).description
                == #"dependency cycle: file:"/a\tb" -> command:c -> file:"/a\tb""#)
        #expect(PlanError.invalid(.file("/etc/motd"), "x").description == "file:/etc/motd: x")
        #expect(throws: PlanError.invalid(.directory("/srv/x"), "owner \"-r\" is not a valid user or group name")) {
            try plan([Directory("/srv/x", owner: "-r")], HostState())
        }
        #expect(throws: PlanError.invalid(.file("/srv/x"), "owner \"nobody-here\" does not exist on the host: declare User(\"nobody-here\"), or require the package that creates it (requires: [.package(...)])")) {
            try plan([File("/srv/x", content: "x", owner: "nobody-here")], HostState())
        }
        #expect(throws: PlanError.invalid(.file("/srv/x"), "group \"ghosts\" does not exist on the host: declare Group(\"ghosts\"), or require the package that creates it (requires: [.package(...)])")) {
            try plan([File("/srv/x", content: "x", group: "ghosts")], HostState())
        }
        // Declared, numeric, or created by a package installed first: fine.
        #expect(try plan([User("app"), File("/srv/x", content: "x", owner: "app", group: "app")], HostState()).changes.count == 2)
        #expect(try plan([File("/srv/x", content: "x", owner: "4242", group: "4242")], HostState()).changes.count == 1)
        let installing = HostState(packages: ["redis-server": notInstalled(candidate: "1")], aptLists: freshLists)
        #expect(try plan([Package("redis-server"), Directory("/var/lib/r", owner: "redis", requires: [.package("redis-server")])],
                         installing).changes.count == 2)
    }

    @Test func modeAndOwnerOnlyChanges() throws {
        let state = HostState(paths: ["/etc/motd": fileState("same\n", owner: "root", mode: 0o644)])
        let changes = try plan([File("/etc/motd", content: "same\n", owner: "deploy", mode: 0o640)], state).changes
        #expect(changes == [Change(
            resource: .file("/etc/motd"), action: .update, reason: "owner root, want deploy; mode 0644, want 0640",
            fields: [FieldChange("owner", old: "root", new: "deploy"), FieldChange("mode", old: "0644", new: "0640")],
            operation: .setAttributes(path: "/etc/motd", owner: "deploy", group: nil, mode: 0o640))])
        // Attributes only, no content given.
        let modeOnly = try plan([File("/etc/motd", mode: 0o600)], state).changes
        #expect(modeOnly.map(\.operation) == [.setAttributes(path: "/etc/motd", owner: nil, group: nil, mode: 0o600)])
    }

    @Test func secretsAreRedactedAndLandPrivate() throws {
        let secret = Data("hunter2\n".utf8)
        let secrets = SecretValues([.file("/etc/converge/db"): secret])
        let resource = File("/etc/app/db", content: .secret(.file("/etc/converge/db")))
        let created = try #require(try plan([resource], HostState(), secrets: secrets).changes.first)
        #expect(created.content?.isSecret == true)
        #expect(created.content?.newText == nil)
        #expect(created.operation == .writeFile(
            path: "/etc/app/db", bytes: .secret(text: .file("/etc/converge/db"), digest: SecretValues.testKey.digest(secret), size: 8),
            owner: nil, group: nil, mode: 0o600))
        // A changed secret: a keyed digest of the new content only, even when the old content
        // was fetched; no plain SHA-256 of either, which a short secret would not survive.
        let state = HostState(paths: ["/etc/app/db": fileState("old password\n", mode: 0o600)])
        let changed = try #require(try plan([resource], state, secrets: secrets).changes.first)
        #expect(changed.content?.oldText == nil)
        #expect(changed.content?.oldSHA256 == nil)
        #expect(changed.content?.newSHA256 == SecretValues.testKey.digest(secret))
        let json = String(decoding: try Plan(hosts: [plan([resource], state, secrets: secrets)]).jsonData(), as: UTF8.self)
        #expect(!json.contains("hunter2"))
        #expect(!json.contains(secret.base64EncodedString()))
        #expect(!json.contains("old password"))
        #expect(!json.contains(sha256Hex(secret)))
        #expect(!json.contains(sha256Hex(Data("old password\n".utf8))))
        #expect(json.contains(SecretValues.testKey.digest(secret)))
        #expect(throws: PlanError.secret(.file("/etc/app/db"), .file("/etc/converge/db"), "not resolved")) {
            try plan([resource], state)
        }
    }

    @Test func binaryContentShowsNoText() throws {
        let bytes = Data([0, 1, 2, 255])
        let change = try #require(try plan([File("/bin/blob", content: .data(bytes))], HostState()).changes.first)
        #expect(change.content?.newText == nil)
        #expect(change.content?.newSize == 4)
    }

    @Test func absentRemovesAndConflictsAreErrors() throws {
        let state = HostState(paths: ["/etc/old": fileState("x"), "/etc/dir": directoryState()])
        #expect(try plan([File("/etc/old", .absent)], state).changes.map(\.operation) == [.removePath(path: "/etc/old", recursive: false)])
        #expect(throws: PlanError.conflict(.file("/etc/dir"), "a directory is there, not a file")) {
            try plan([File("/etc/dir", content: "x")], state)
        }
        #expect(throws: PlanError.conflict(.directory("/etc/old"), "a file is there, not a directory")) {
            try plan([Directory("/etc/old")], state)
        }
    }

    @Test func directories() throws {
        let state = HostState(paths: ["/srv/app": directoryState(mode: 0o755), "/srv/old": directoryState()])
        let changes = try plan([
            Directory("/srv/app", mode: 0o750), Directory("/srv/new", owner: "root"), Directory("/srv/old", .absent),
        ], state).changes
        #expect(changes.map(\.operation) == [
            .setAttributes(path: "/srv/app", owner: nil, group: nil, mode: 0o750),
            .makeDirectory(path: "/srv/new", owner: "root", group: nil, mode: nil),
            .removePath(path: "/srv/old", recursive: true),
        ])
        #expect(changes[0].reason == "mode 0755, want 0750")
    }

    @Test func symlinks() throws {
        let link = PathState(kind: .symlink, mode: 0o777, uid: 0, gid: 0, owner: "root", group: "root", size: 4, target: "/old")
        let state = HostState(paths: ["/etc/a": link, "/etc/b": fileState("x"), "/etc/c": link])
        let changes = try plan([
            Symlink("/etc/a", target: "/new"), Symlink("/etc/b", target: "/new"), Symlink("/etc/c", .absent),
            Symlink("/etc/d", target: "rel/target"),
        ], state).changes
        #expect(changes.map(\.reason) == [
            "points to /old, want /new", "a regular file is in the way", "exists", "does not exist",
        ])
        #expect(changes[0].fields == [FieldChange("target", old: "/old", new: "/new")])
    }

    @Test func pathsMustBeAbsoluteAndNormal() {
        for path in ["relative", "/", "/etc/../x", "/etc/", "/a//b"] {
            #expect(throws: PlanError.self) { try plan([File(path, content: "x")], HostState()) }
        }
    }
}

@Suite struct AccountPlanTests {
    let deploy = UserState(uid: 1000, gid: 1000, primaryGroup: "deploy", groups: ["deploy", "sudo"], home: "/home/deploy", shell: "/bin/bash")

    @Test func noOp() throws {
        let state = HostState(users: ["deploy": deploy], groups: ["deploy": GroupState(gid: 1000, members: [])])
        let resources: [any Resource] = [
            User("deploy", uid: 1000, group: "deploy", groups: ["sudo"], home: "/home/deploy", shell: "/bin/bash"),
            User("ghost", .absent), Group("deploy", gid: 1000), Group("ghosts", .absent),
        ]
        #expect(try plan(resources, state).changes == [])
    }

    @Test func createsModifiesAndRemoves() throws {
        let state = HostState(users: ["deploy": deploy, "old": deploy], groups: ["web": GroupState(gid: 1001, members: [])])
        let changes = try plan([
            User("deploy", groups: ["sudo", "web"], shell: "/bin/sh"), User("app", uid: 990, system: true),
            User("old", .absent), Group("web", gid: 2000), Group("ops"),
        ], state).changes
        #expect(changes.map(\.resource.description) == ["group:web", "group:ops", "user:deploy", "user:app", "user:old"])
        #expect(changes.map(\.operation) == [
            .modifyGroup(name: "web", gid: 2000),
            .createGroup(name: "ops", gid: nil, system: false),
            .modifyUser(name: "deploy", uid: nil, group: nil, addGroups: ["web"], home: nil, shell: "/bin/sh"),
            .createUser(name: "app", uid: 990, group: nil, groups: [], home: nil, shell: nil, system: true),
            .removeUser(name: "old"),
        ])
        #expect(changes[2].reason == "not in web; shell /bin/bash, want /bin/sh")
    }
}

@Suite struct ServicePlanTests {
    @Test func noOpWhenRunningAndEnabled() throws {
        let state = HostState(packages: ["nginx": installed("1")], aptLists: freshLists, services: ["nginx.service": running()])
        #expect(try plan([Package("nginx"), Service("nginx")], state).changes == [])
        // Unmanaged state: nothing to do either way.
        let stoppedState = HostState(services: ["x.service": stopped()])
        #expect(try plan([Service("x", running: nil, enabled: nil)], stoppedState).changes == [])
        // Static units cannot be enabled: wanting enabled is satisfied.
        let staticUnit = HostState(services: ["y.service": ServiceState(loadState: "loaded", activeState: "active", enablement: "static")])
        #expect(try plan([Service("y")], staticUnit).changes == [])
    }

    @Test func startsAndEnables() throws {
        let state = HostState(services: ["nginx.service": stopped()])
        let changes = try plan([Service("nginx")], state).changes
        #expect(changes == [Change(
            resource: .service("nginx"), action: .update, reason: "disabled, want enabled; inactive, want running",
            fields: [FieldChange("enabled", old: "disabled", new: "enabled"), FieldChange("running", old: "inactive", new: "active")],
            operation: .ensureService(unit: "nginx.service", running: true, enabled: true, refresh: nil))])
        let stop = try plan([Service("nginx.service", running: false, enabled: false)], HostState(services: ["nginx.service": running()]))
        #expect(stop.changes.map(\.operation) == [.ensureService(unit: "nginx.service", running: false, enabled: false, refresh: nil)])
        #expect(stop.changes.map(\.reason) == ["enabled, want disabled; running, want stopped"])
    }

    /// A masked or failed unit is planned from the state it is in, and the step brings it
    /// round from whatever state it finds.
    @Test func maskedAndFailedUnits() throws {
        let masked = HostState(services: ["nginx.service": ServiceState(
            loadState: "masked", activeState: "inactive", enablement: "masked", subState: "dead")])
        let unmask = try plan([Service("nginx")], masked).changes
        #expect(unmask.map(\.reason) == ["masked; want enabled; want running"])
        #expect(unmask.map(\.operation) == [.ensureService(unit: "nginx.service", running: true, enabled: true, refresh: nil)])

        let failed = HostState(services: ["nginx.service": ServiceState(
            loadState: "loaded", activeState: "failed", enablement: "enabled", subState: "failed", result: "exit-code",
            since: 1_700_000_000)])
        #expect(try plan([Service("nginx")], failed).changes.map(\.reason) == ["failed (exit-code), want running"])

        let skipped = HostState(services: ["chrony.service": ServiceState(
            loadState: "loaded", activeState: "inactive", enablement: "enabled", subState: "dead", conditionFailed: true)])
        #expect(try plan([Service("chrony")], skipped).changes.map(\.reason) == ["inactive (its start condition failed), want running"])
    }

    /// Debian's postinst starts and enables a service as its package installs: one that
    /// must stay stopped is checked again after the install.
    @Test func stoppedServiceOfAPackageBeingInstalled() throws {
        let state = HostState(
            packages: ["redis-server": notInstalled(candidate: "1")], aptLists: freshLists,
            services: ["redis-server.service": ServiceState(loadState: "not-found", activeState: "inactive", enablement: nil)])
        let changes = try plan([Package("redis-server"), Service("redis-server", running: false, enabled: false)], state).changes
        #expect(changes.map(\.resource.description) == ["package:redis-server", "service:redis-server"])
        #expect(changes[1].reason == "not installed yet (package:redis-server installs it); want stopped and disabled once package:redis-server installs it")
        #expect(changes[1].operation == .ensureService(unit: "redis-server.service", running: false, enabled: false, refresh: nil))
        // Without the install in the plan, nothing to stop.
        var installed = state
        installed.packages["redis-server"] = PackageState(status: nil, version: nil, candidate: nil, availableVersions: [])
        #expect(try plan([Service("redis-server", running: false, enabled: false)], installed).changes == [])
    }

    /// A path that must be absent is removed after a package it requires installs, which
    /// may create it.
    @Test func absentPathAfterItsPackage() throws {
        let state = HostState(packages: ["apache2": notInstalled(candidate: "1")], aptLists: freshLists)
        let link = Symlink("/etc/apache2/sites-enabled/000-default.conf", .absent, requires: [.package("apache2")])
        let changes = try plan([Package("apache2"), link], state).changes
        #expect(changes.last == Change(
            resource: link.id, action: .remove, reason: "absent now; removed if package:apache2 creates it",
            operation: .removePath(path: "/etc/apache2/sites-enabled/000-default.conf", recursive: false)))
        // No install in the plan: nothing to remove.
        #expect(try plan([Package("apache2", .absent), link], state).changes == [])
    }

    /// A restart an earlier converge left pending (it changed the configuration, then was
    /// cut off) is made now, though nothing changes in this run.
    @Test func pendingRestartIsFinished() throws {
        let state = HostState(
            paths: ["/etc/nginx/a.conf": fileState("a\n")],
            services: ["nginx.service": ServiceState(
                loadState: "loaded", activeState: "active", enablement: "enabled", restartPending: true)])
        let resources: [any Resource] = [File("/etc/nginx/a.conf", content: "a\n", notifies: [.service("nginx")]), Service("nginx")]
        let changes = try plan(resources, state).changes
        #expect(changes == [Change(
            resource: .service("nginx"), action: .restart, reason: "notified by a restart left pending by an earlier converge",
            operation: .systemctl(unit: "nginx.service", verbs: ["restart"]))])
        // A change that notifies marks the unit pending on the host in its own step.
        let edit = try plan(resources, HostState(paths: ["/etc/nginx/a.conf": fileState("b\n")], services: ["nginx.service": running()]))
        #expect(edit.changes.first?.notifies == ["nginx.service"])
        let script = try ApplyScript(plan: edit)
        #expect(script.text.contains("converge_pending 'nginx.service'"))
    }

    /// A guarded command whose guard holds now still runs (guard checked again) when
    /// something it requires changes first in the same run.
    @Test func guardCheckedAgainAfterWhatItRequires() throws {
        let state = HostState(
            paths: ["/etc/app.sql": fileState("old\n")],
            guards: ["load": GuardState(createsExists: nil, unlessStatus: 0)])
        let command = Command("load", "load /etc/app.sql", unless: "loaded /etc/app.sql", requires: [.file("/etc/app.sql")])
        let changes = try plan([File("/etc/app.sql", content: "new\n"), command], state).changes
        #expect(changes.map(\.resource.description) == ["file:/etc/app.sql", "command:load"])
        #expect(changes[1].reason == "its guard holds now, but file:/etc/app.sql changes first: checked again when it runs")
        #expect(try plan([File("/etc/app.sql", content: "old\n"), command], state).changes == [])
    }

    /// systemd rereads unit files that changed before the next systemctl step.
    @Test func unitFileChangesReloadSystemd() throws {
        let state = HostState(services: ["app.service": ServiceState(loadState: "not-found", activeState: "inactive", enablement: nil)])
        let changes = try plan([
            File("/etc/systemd/system/app.service", content: "[Service]\nExecStart=/bin/true\n", notifies: [.service("app")]),
            Service("app"),
        ], state).changes
        #expect(changes.map(\.resource.description) == ["file:/etc/systemd/system/app.service", "systemd:daemon-reload", "service:app"])
        #expect(changes[1].operation == .reloadSystemd)
        #expect(changes[2].reason == "not installed yet (file:/etc/systemd/system/app.service installs it); want enabled; want running; restart if its package started it, for file:/etc/systemd/system/app.service")
        #expect(changes[2].operation == .ensureService(unit: "app.service", running: true, enabled: true, refresh: "restart"))
    }

    @Test func notYetInstalledUnit() throws {
        let state = HostState(
            packages: ["nginx": notInstalled(candidate: "1")], aptLists: freshLists,
            services: ["nginx.service": ServiceState(loadState: "not-found", activeState: "inactive", enablement: nil)])
        let changes = try plan([Service("nginx"), Package("nginx")], state).changes
        #expect(changes.map(\.resource.description) == ["package:nginx", "service:nginx"])
        #expect(changes[1].reason == "not installed yet (package:nginx installs it); want enabled; want running")
    }

    let base = HostState(
        paths: ["/etc/nginx/a.conf": fileState("a\n"), "/etc/nginx/b.conf": fileState("b\n")],
        services: ["nginx.service": running()])

    @Test func restartsOnceAfterAllNotifiers() throws {
        let resources: [any Resource] = [
            Service("nginx"),
            File("/etc/nginx/a.conf", content: "A\n", notifies: [.service("nginx")]),
            File("/etc/nginx/b.conf", content: "B\n", notifies: [.service("nginx")]),
        ]
        let changes = try plan(resources, base).changes
        #expect(changes.map(\.resource.description) == ["file:/etc/nginx/a.conf", "file:/etc/nginx/b.conf", "service:nginx"])
        #expect(changes[2] == Change(
            resource: .service("nginx"), action: .restart,
            reason: "notified by file:/etc/nginx/a.conf, file:/etc/nginx/b.conf",
            operation: .systemctl(unit: "nginx.service", verbs: ["restart"])))
    }

    @Test func onlyChangedNotifiersCount() throws {
        let unchanged: [any Resource] = [
            File("/etc/nginx/a.conf", content: "a\n", notifies: [.service("nginx")]), Service("nginx", reload: true),
        ]
        #expect(try plan(unchanged, base).changes == [])
        let one: [any Resource] = [
            File("/etc/nginx/a.conf", content: "a\n", notifies: [.service("nginx")]),
            File("/etc/nginx/b.conf", content: "B\n", notifies: [.service("nginx")]), Service("nginx", reload: true),
        ]
        let changes = try plan(one, base).changes
        #expect(changes.last?.action == .reload)
        #expect(changes.last?.reason == "notified by file:/etc/nginx/b.conf")
        #expect(changes.last?.operation == .systemctl(unit: "nginx.service", verbs: ["reload"]))
    }

    @Test func noRestartWhenStartingOrStopping() throws {
        var state = base
        state.services["nginx.service"] = stopped(enabled: true)
        let starting: [any Resource] = [File("/etc/nginx/a.conf", content: "A\n", notifies: [.service("nginx")]), Service("nginx")]
        let changes = try plan(starting, state).changes
        #expect(changes.map(\.action) == [.update, .update])
        #expect(changes.last?.operation == .ensureService(unit: "nginx.service", running: true, enabled: true, refresh: nil))
        let stopping: [any Resource] = [
            File("/etc/nginx/a.conf", content: "A\n", notifies: [.service("nginx")]), Service("nginx", running: false),
        ]
        #expect(try plan(stopping, base).changes.map(\.action) == [.update, .update])
        // Unmanaged and stopped: nothing to restart.
        let idle: [any Resource] = [
            File("/etc/nginx/a.conf", content: "A\n", notifies: [.service("nginx")]), Service("nginx", running: nil),
        ]
        #expect(try plan(idle, state).changes.map(\.action) == [.update])
    }

    @Test func notifyingANonServiceIsAnError() {
        #expect(throws: PlanError.notifiesNonService(.file("/a"), .package("nginx"))) {
            try plan([File("/a", content: "x", notifies: [.package("nginx")]), Package("nginx")], HostState())
        }
        #expect(throws: PlanError.unknownDependency(.file("/a"), .service("nginx"))) {
            try plan([File("/a", content: "x", notifies: [.service("nginx")])], HostState())
        }
    }
}

@Suite struct CommandPlanTests {
    @Test func guards() throws {
        let state = HostState(guards: [
            "initdb": GuardState(createsExists: true, unlessStatus: nil),
            "sysctl": GuardState(createsExists: nil, unlessStatus: 0),
            "seed": GuardState(createsExists: false, unlessStatus: nil),
            "tune": GuardState(createsExists: nil, unlessStatus: 1),
        ])
        let resources: [any Resource] = [
            Command("initdb", "initdb /x", creates: "/x/PG_VERSION"),
            Command("sysctl", "sysctl --system", unless: "true"),
            Command("seed", "seed-db", creates: "/x/.seeded"),
            Command("tune", "tune2fs", unless: "false"),
            Command("always", "date"),
        ]
        let changes = try plan(resources, state).changes
        #expect(changes.map(\.resource.description) == ["command:seed", "command:tune", "command:always"])
        #expect(changes.map(\.reason) == ["/x/.seeded does not exist", "`unless` exited 1", "no guard: runs every time"])
        #expect(changes[0].operation == .runCommand(command: "seed-db", creates: "/x/.seeded", unless: nil, retries: 0, delay: 5))
        #expect(changes.allSatisfy { $0.action == .run })
    }
}

@Suite struct OrderingTests {
    @Test func implicitDependencies() throws {
        let resources: [any Resource] = [
            Service("app", package: "app-server"),
            File("/srv/app/config", content: "x", owner: "app", notifies: [.service("app")]),
            Directory("/srv/app", owner: "app", group: "app"),
            Package("app-server"),
            User("app", group: "app"),
            Group("app"),
            Directory("/srv"),
        ]
        let order = try convergenceOrder(of: resources).map { resources[$0].id.description }
        #expect(order == [
            "group:app", "user:app", "package:app-server", "directory:/srv", "directory:/srv/app",
            "file:/srv/app/config", "service:app",
        ])
    }

    @Test func explicitRequiresOverridesKindOrder() throws {
        let resources: [any Resource] = [
            Package("nginx", requires: [.file("/etc/apt/sources.list.d/nginx.list")]),
            File("/etc/apt/sources.list.d/nginx.list", content: "deb x"),
            Package("curl"),
        ]
        let order = try convergenceOrder(of: resources).map { resources[$0].id.description }
        #expect(order == ["package:curl", "file:/etc/apt/sources.list.d/nginx.list", "package:nginx"])
    }

    @Test func cyclesAreNamed() {
        let resources: [any Resource] = [
            File("/a", content: "x", requires: [.service("x")]),
            Service("x", requires: [.file("/a")]),
            Package("unrelated"),
        ]
        #expect(throws: PlanError.cycle([.file("/a"), .service("x"), .file("/a")])) {
            try convergenceOrder(of: resources)
        }
        #expect(PlanError.cycle([.file("/a"), .service("x"), .file("/a")]).description
            == "dependency cycle: file:/a -> service:x -> file:/a")
        // Through a notification: the service waits on the file, which requires the service.
        let notified: [any Resource] = [
            File("/b", content: "x", requires: [.service("y")], notifies: [.service("y")]), Service("y"),
        ]
        #expect(throws: PlanError.cycle([.file("/b"), .service("y"), .file("/b")])) {
            try convergenceOrder(of: notified)
        }
    }

    @Test func duplicatesAreNamed() {
        let resources: [any Resource] = [Package("nginx"), File("/a", content: "1"), File("/a", content: "2")]
        #expect(throws: PlanError.duplicate(.file("/a"), first: "resource #2 (file:/a)", second: "resource #3 (file:/a)")) {
            try convergenceOrder(of: resources)
        }
        // One path managed as two kinds.
        #expect(throws: PlanError.duplicate(.directory("/a"), first: "resource #1 (file:/a)", second: "resource #2 (directory:/a)")) {
            try convergenceOrder(of: [File("/a"), Directory("/a")])
        }
        #expect(throws: PlanError.unknownDependency(.package("x"), .file("/nope"))) {
            try convergenceOrder(of: [Package("x", requires: [.file("/nope")])])
        }
    }
}
