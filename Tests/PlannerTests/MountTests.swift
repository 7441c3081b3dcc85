import Facts
import Foundation
import Testing
import TestSupport

@testable import Planner
@testable import Resources

/// Mount: its fstab line (set by the same awk edit as Lines, run here on a scratch fstab),
/// and its mounted state planned from recorded fact outputs.
@Suite struct MountTests {
    let shared = Mount("/srv/shared", device: "gluster1:/shared", type: "glusterfs", options: ["defaults", "_netdev"])

    /// A host whose fstab fact and mount fact printed `fstab` and `mounts`.
    func state(for mount: Mount, fstab: String = "exists\nsame\n", mounts: String) -> HostState {
        HostState(factOutputs: [
            "fstab:\(mount.mountPoint)": FactOutput(stdout: fstab, stderr: "", exitStatus: 0),
            "mount:\(mount.mountPoint)": FactOutput(stdout: mounts, stderr: "", exitStatus: 0),
        ])
    }

    @Test func anUnmountedFilesystemIsMountedAfterItsLineIsWritten() throws {
        let fstab = "exists\nchanged\n-UUID=8c1b / ext4 errors=remount-ro 0 1\n+UUID=8c1b / ext4 errors=remount-ro 0 1\n+gluster1:/shared /srv/shared glusterfs defaults,_netdev 0 0\n"
        let changes = try plan([shared], state(for: shared, fstab: fstab, mounts: "")).changes
        #expect(changes.map(\.resource) == [shared.id, shared.id])
        #expect(changes[0].content?.path == "/etc/fstab")
        #expect(changes[0].reason == "1 line added")
        #expect(changes[1].reason == "not mounted")
        #expect(changes[1].operation == .shell("mkdir -p -- '/srv/shared'\n" + shared.mountCommand))
        #expect(shared.mountCommand.hasPrefix("{ mount -- '/srv/shared' && { mountpoint -q -- '/srv/shared' || "))
        // A failed try leaves no half-made mount for the next one.
        #expect(shared.mountCommand.hasSuffix(" || { converge_m=$?; umount -l -- '/srv/shared' 2>/dev/null || :; (exit \"$converge_m\"); }"))
    }

    /// A volume the same converge creates on its servers: the mount is tried until it works.
    @Test func aMountWithRetriesIsTriedAgainUntilItWorks() throws {
        let retried = Mount("/srv/shared", device: "gluster1:/shared", type: "glusterfs", retries: 2, delay: 3)
        let change = try #require(try plan([retried], state(for: retried, mounts: "")).changes.last)
        guard case .shell(let script) = change.operation else { Issue.record("\(change.operation)"); return }
        #expect(script.hasPrefix("mkdir -p -- '/srv/shared'\nconverge_try=0\n"))
        try expectValidSyntax(script)
        // Run with a mount that fails twice, then works: three tries, two waits.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mount-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // The second try's mount exits 0 with nothing mounted, as mount.glusterfs can.
        let fake = "mount() { n=$(cat \(scratch)/n 2>/dev/null || echo 0); echo $((n + 1)) > \(scratch)/n; [ \"$n\" -ge 1 ]; }\n"
            + "mountpoint() { [ \"$(cat \(scratch)/n)\" -ge 3 ]; }\nsleep() { :; }\nmkdir() { command mkdir -p \(scratch); }\n"
        let run3 = try run([dash, "-c", fake + script])
        #expect(run3.status == 0, "\(run3.stdout)\(run3.stderr)")
        #expect(try String(contentsOfFile: scratch + "/n", encoding: .utf8) == "3\n")
        #expect(run3.stdout.contains("try 3 of 3 in 3 s"))
        #expect(run3.stdout.contains("converge: mount exited 0, but nothing is mounted on /srv/shared"))
        #expect(throws: PlanError.self) { try plan([Mount("/srv/x", device: "a:/b", type: "glusterfs", retries: -1)], state(for: retried, mounts: "")) }
    }

    @Test func aMountedFilesystemWithItsLineIsLeftAlone() throws {
        // GlusterFS is mounted through FUSE: the kernel calls its type fuse.glusterfs.
        let mounts = "fstab gluster1:/shared glusterfs defaults,_netdev\nmounted gluster1:/shared fuse.glusterfs rw,relatime,user_id=0\n"
        #expect(try plan([shared], state(for: shared, mounts: mounts)).changes.isEmpty)
        // Mounted by hand, without a line: the line is all that is missing.
        let byHand = try plan([shared], state(for: shared, fstab: "exists\nchanged\n+x\n", mounts: "mounted gluster1:/shared fuse.glusterfs rw\n"))
        #expect(byHand.changes.count == 1)
    }

    @Test func newOptionsRemountAndAnotherDeviceMountsAgain() throws {
        let tmpfs = Mount("/var/cache/app", device: "tmpfs", type: "tmpfs", options: ["size=512m"])
        let changed = "exists\nchanged\n-tmpfs /var/cache/app tmpfs size=256m 0 0\n+tmpfs /var/cache/app tmpfs size=512m 0 0\n"
        let remount = try plan([tmpfs], state(for: tmpfs, fstab: changed, mounts: "fstab tmpfs tmpfs size=256m\nmounted tmpfs tmpfs rw,size=262144k\n"))
        #expect(remount.changes.last?.operation == .shell("mount -o remount -- '/var/cache/app'"))
        #expect(remount.changes.last?.reason == "options size=256m, want size=512m: remounted")

        let moved = try plan([shared], state(for: shared, fstab: "exists\nchanged\n+x\n",
                                              mounts: "fstab gluster2:/shared glusterfs defaults,_netdev\nmounted gluster2:/shared fuse.glusterfs rw\n"))
        #expect(moved.changes.last?.operation == .shell("umount -- '/srv/shared'\n" + shared.mountCommand))
        #expect(moved.changes.last?.fields == [FieldChange("device", old: "gluster2:/shared", new: "gluster1:/shared")])
    }

    @Test func anAbsentMountIsUnmountedAndItsLineRemoved() throws {
        let absent = Mount.absent("/srv/shared")
        let changes = try plan([absent], state(for: absent, fstab: "exists\nchanged\n-gluster1:/shared /srv/shared glusterfs defaults 0 0\n",
                                                mounts: "mounted gluster1:/shared fuse.glusterfs rw\n")).changes
        #expect(changes.map(\.reason) == ["1 removed", "mounted (gluster1:/shared, fuse.glusterfs); unmounted"])
        #expect(changes.last?.operation == .shell("umount -- '/srv/shared'"))
        #expect(try plan([absent], state(for: absent, mounts: "")).changes.isEmpty)
    }

    @Test func aBindMountMadeByHandCountsAsItsSource() throws {
        // The kernel names a bind mount by the disk its source is on.
        let bind = Mount("/srv/www", device: "/srv/shared/www", type: "none", options: ["bind"])
        let changes = try plan([bind], state(for: bind, fstab: "exists\nchanged\n+x\n", mounts: "mounted /dev/sda1 ext4 rw,relatime\n")).changes
        #expect(changes.count == 1)
    }

    /// The fstab line is escaped as fstab escapes it, and replaces the mount point's line
    /// wherever it is, comments and other mounts left alone.
    @Test(arguments: Awk.installed) func theFstabLineReplacesOnlyTheMountPointsOwn(awk: Awk) throws {
        let spaced = Mount("/srv/my files", device: "/dev/sdb1", type: "ext4", options: ["noatime"], pass: 2)
        #expect(spaced.fstabLine == "/dev/sdb1 /srv/my\\040files ext4 noatime 0 2")
        try withTemporaryDirectory { directory in
            let path = directory + "/fstab"
            let before = """
                # /srv/my files was on sdc1
                UUID=8c1b / ext4 errors=remount-ro 0 1
                /dev/sdc1\t/srv/my\\040files  ext4 defaults 0 2
                /dev/sdd1 /srv/my\\040files2 ext4 defaults 0 2
                /dev/sde1 /srv/my\\040files ext4 defaults 0 2

                """
            try before.write(toFile: path, atomically: true, encoding: .utf8)
            let lines = Lines(path, [.line(spaced.fstabLine, replacing: spaced.fstabPattern)])
            let output = try awk.run(lines.fact.command)
            var state = HostState()
            state.factOutputs[lines.fact.name] = FactOutput(stdout: output.stdout, stderr: output.stderr, exitStatus: output.status)
            let change = try #require(try plan([lines], state).changes.first)
            guard case .shell(let script) = change.operation else { Issue.record("\(change.operation)"); return }
            #expect(try awk.run(script, stopOnError: true).status == 0)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == """
                # /srv/my files was on sdc1
                UUID=8c1b / ext4 errors=remount-ro 0 1
                /dev/sdb1 /srv/my\\040files ext4 noatime 0 2
                /dev/sdd1 /srv/my\\040files2 ext4 defaults 0 2

                """)
        }
    }

    /// The mount fact's shell, run here: this machine's /proc is mounted.
    @Test func theMountFactReadsProcMounts() throws {
        let proc = Mount("/proc", device: "proc", type: "proc")
        let output = try run([dash, "-c", proc.current.command])
        #expect(output.status == 0)
        let (_, mounted) = try Mount.parse(output.stdout)
        #expect(mounted?.type == "proc")
        #expect(throws: FactParseError.self) { try Mount.parse("mounted x\n") }
    }

    @Test func badDeclarationsAreRefused() {
        let bad: [(Mount, String)] = [
            (Mount("srv", device: "tmpfs", type: "tmpfs"), "needs an absolute mount point: srv"),
            (Mount("/srv/a", device: "", type: "tmpfs"), "the device \"\" is empty or holds a newline, a space or a comma"),
            (Mount("/srv/a", device: "tmpfs", type: "tmpfs", options: ["size=1m,mode=0755"]),
             "the option \"size=1m,mode=0755\" is empty or holds a newline, a space or a comma"),
            (Mount("/srv/a", device: "tmpfs", type: "tmpfs", pass: 3), "dump is 0 or more, pass 0, 1 or 2"),
        ]
        for (mount, message) in bad {
            #expect(throws: PlanError.invalid(mount.id, message)) { try HostStateQuery(resources: [mount]) }
        }
    }
}
