import Facts
import Foundation
import Testing

@testable import Planner
@testable import Resources

/// Jobs on a schedule: a cron.d file, or a systemd timer and its oneshot service.
@Suite struct ScheduledJobTests {
    @Test func aCronJobIsAFileOfCronD() throws {
        let job = CronJob("backup", schedule: "30 2 * * *", command: "tar czf /var/backups/etc-$(date +%F).tgz /etc",
                          environment: ["MAILTO": "ops@example.net"])
        let withCron = HostState(packages: ["cron": installed("3.0pl1-162")], aptLists: freshLists)
        let changes = try plan([job], withCron).changes
        #expect(changes.map(\.operation) == [.writeFile(
            path: "/etc/cron.d/backup",
            bytes: .inline(Data("# Managed by converge.\nMAILTO=ops@example.net\n30 2 * * * root tar czf /var/backups/etc-$(date +\\%F).tgz /etc\n".utf8)),
            owner: "root", group: "root", mode: 0o644)])
    }

    @Test func cronComesWithTheFirstJobUnlessDeclared() throws {
        let jobs: [any Resource] = [CronJob("a", schedule: "@daily", command: "true"), CronJob("b", schedule: "@hourly", command: "true")]
        let state = HostState(packages: ["cron": notInstalled(candidate: "3.0pl1-197")], aptLists: freshLists)
        let changes = try plan(jobs, state).changes
        #expect(changes.map(\.resource) == [ResourceID(kind: "cron", name: "a"), ResourceID(kind: "cron", name: "a"), ResourceID(kind: "cron", name: "b")])
        #expect(changes[0].operation == .installPackage(name: "cron", version: nil, allowDowngrade: false))
        let declared = try plan(jobs + [Package("cron")], state).changes
        #expect(declared.map(\.resource).first == .package("cron"))
        #expect(declared.filter { $0.operation.isPackageChange }.count == 1)
    }

    @Test func cronSkipsFilesWithDotsSoTheyAreRefused() {
        #expect(throws: PlanError.invalid(ResourceID(kind: "cron", name: "backup.daily"),
                                          "cron reads only files named with letters, digits, `_` and `-`: backup.daily")) {
            try HostStateQuery(resources: [CronJob("backup.daily", schedule: "@daily", command: "true")])
        }
        for bad in ["30 2 * *", "@sometimes", "30 2 * * * *", "30 2 * * $(x)"] {
            #expect(throws: PlanError.self, "\(bad)") { try HostStateQuery(resources: [CronJob("x", schedule: bad, command: "true")]) }
        }
    }

    let timer = SystemdTimer("tick", onCalendar: "*:0/5", command: "echo \"100% $HOME\" > /var/tmp/tick")

    @Test func aTimerWritesItsUnitsAndIsEnabledAndStarted() throws {
        let state = HostState(services: ["tick.timer": ServiceState(loadState: "not-found", activeState: "inactive", enablement: nil)])
        let changes = try plan([timer], state).changes
        #expect(changes.map(\.operation).count == 4)
        #expect(changes[0].content?.newText?.contains("ExecStart=/bin/sh -c \"echo \\\"100%% $$HOME\\\" > /var/tmp/tick\"\n") == true)
        #expect(changes[1].content?.newText?.contains("OnCalendar=*:0/5\nPersistent=true\n") == true)
        // systemd rereads the new unit files before the timer is started.
        #expect(changes[2].operation == .reloadSystemd)
        #expect(changes[3].operation == .ensureService(unit: "tick.timer", running: true, enabled: true, refresh: nil))
    }

    @Test func aRunningTimerWhoseScheduleChangesIsRestarted() throws {
        var state = HostState(services: ["tick.timer": running()])
        for (path, text) in [("/etc/systemd/system/tick.service", timer.serviceText), ("/etc/systemd/system/tick.timer", timer.timerText)] {
            state.paths[path] = PathState(kind: .file, mode: 0o644, uid: 0, gid: 0, owner: "root", group: "root",
                                          size: text.utf8.count, sha256: sha256Hex(Data(text.utf8)), content: Data(text.utf8))
        }
        #expect(try plan([timer], state).changes.isEmpty)
        var later = timer
        later.onCalendar = "hourly"
        let changes = try plan([later], state).changes
        #expect(changes.map(\.operation).suffix(2) == [.reloadSystemd, .systemctl(unit: "tick.timer", verbs: ["restart"])])
    }
}
