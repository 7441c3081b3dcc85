import Shell
import Facts
import Foundation
import Resources
import Testing
import TestSupport

@testable import Planner

/// The new facts: recorded outputs parsed, and the commands run under dash.
@Suite struct ResourceFactsTests {
    @Test func packageStatesOnJessie() throws {
        let fact = PackageStatesFact(names: ["nginx", "redis-server", "telnet", "nosuch"])
        let states = try fact.parse(Fixture.text("jessie/package-states"))
        #expect(states["nginx"]?.installedVersion == "1.6.2-5+deb8u7")
        #expect(states["nginx"]?.availableVersions == ["1.6.2-5+deb8u7", "1.6.2-5+deb8u5"])
        #expect(states["redis-server"]?.installedVersion == nil)
        #expect(states["redis-server"]?.candidate == "2:2.8.17-1+deb8u6")
        // Removed with its configuration kept: not installed, no candidate any more.
        #expect(states["telnet"]?.status?.state == .configFiles)
        #expect(states["telnet"]?.installedVersion == nil)
        #expect(states["telnet"]?.candidate == nil)
        #expect(states["nosuch"] == PackageState(status: nil, version: nil, candidate: nil, availableVersions: []))
    }

    @Test func packageStatesOnBookworm() throws {
        let fact = PackageStatesFact(names: ["converge-test-hello", "libc6"])
        let states = try fact.parse(Fixture.text("bookworm/package-states"))
        #expect(states["converge-test-hello"]?.installedVersion == "1.0-1")
        #expect(states["converge-test-hello"]?.candidate == "2.0-1")
        #expect(states["converge-test-hello"]?.availableVersions == ["2.0-1", "1.0-1"])
        #expect(states["libc6"]?.availableVersions == ["2.36-9+deb12u14", "2.36-9+deb12u7"])
    }

    @Test func packageStatesRejectTruncatedOutput() {
        let fact = PackageStatesFact(names: ["nginx"])
        #expect(throws: FactParseError.self) { try fact.parse("dpkg 0 install ok installed\t1.0\n") }
        #expect(throws: FactParseError.self) { try fact.parse("garbage\npolicy\n") }
    }

    @Test func packageStatesOfArchitectureQualifiedNames() throws {
        let fact = PackageStatesFact(names: ["libc6:i386", "dash", "libc6"])
        // Plain names share one dpkg-query; a qualified one has its own, by index.
        #expect(fact.command.components(separatedBy: "dpkg-query").count == 3)
        let states = try fact.parse("""
            pkg dash install ok installed\t0.5.12-2
            pkg libc6 install ok installed\t2.36-9
            pkg libc6 deinstall ok config-files\t2.36-8
            dpkg 0 deinstall ok config-files\t2.36-8
            policy

            """)
        #expect(states["dash"]?.installedVersion == "0.5.12-2")
        #expect(states["libc6"]?.installedVersion == "2.36-9")
        #expect(states["libc6:i386"]?.installedVersion == nil)
        #expect(states["libc6:i386"]?.status?.state == .configFiles)
        #expect(throws: FactParseError.self) { try fact.parse("pkg other install ok installed\t1\npolicy\n") }
    }

    /// apt-cache policy (the costliest part) runs only for packages whose installed version
    /// does not settle what is wanted: here, on this machine's dpkg.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-query")))
    func aptIsAskedOnlyWhatTheInstalledVersionDoesNotSettle() throws {
        let dpkgVersion = try run(["/usr/bin/dpkg-query", "-W", "-f", "${Version}", "dpkg"]).stdout
        func policyAsked(_ needs: [String: PackageNeed]) throws -> Set<String> {
            let fact = PackageStatesFact(names: ["dpkg", "converge-no-such-package"], needs: needs)
            try expectValidSyntax(fact.command)
            let output = try run([dash, "-c", fact.command]).stdout
            let policy = output.components(separatedBy: "\npolicy\n").last ?? ""
            #expect(try fact.parse(output)["dpkg"]?.installedVersion == dpkgVersion)
            return Set(["dpkg", "converge-no-such-package"].filter { policy.contains("\($0):") || policy.contains("Unable to locate package \($0)") })
        }
        #expect(try policyAsked(["dpkg": .installed, "converge-no-such-package": .never]).isEmpty)
        #expect(try policyAsked(["dpkg": .version(dpkgVersion), "converge-no-such-package": .never]).isEmpty)
        #expect(try policyAsked(["dpkg": .version(dpkgVersion + "x"), "converge-no-such-package": .never]) == ["dpkg"])
        #expect(try policyAsked(["dpkg": .always, "converge-no-such-package": .never]) == ["dpkg"])
    }

    @Test func packageNamesAreValidated() {
        #expect(PackageStatesFact.isValidName("libc6:i386"))
        #expect(PackageStatesFact.isValidName("g++"))
        #expect(!PackageStatesFact.isValidName("Nginx"))
        #expect(!PackageStatesFact.isValidName("-o"))
        #expect(!PackageStatesFact.isValidName("a b"))
        #expect(!PackageStatesFact.isValidName("x"))
    }

    @Test func packageStatesRunHere() throws {
        // This machine is Debian: dash is installed, the other name is not.
        let fact = PackageStatesFact(names: ["dash", "converge-no-such-package"])
        try expectValidSyntax(fact.command)
        let output = try run([dash, "-c", fact.command])
        #expect(output.status == 0)
        let states = try fact.parse(output.stdout)
        #expect(states["dash"]?.installedVersion != nil)
        #expect(states["converge-no-such-package"]?.installedVersion == nil)
        #expect(states["converge-no-such-package"]?.candidate == nil)
    }

    @Test func aptLists() throws {
        let jessie = try AptListsFact().parse(Fixture.text("jessie/apt-lists"))
        #expect(jessie == AptLists(packageIndexCount: 4, lastUpdate: 1_545_998_400, now: 1_700_000_000))
        let bookworm = try AptListsFact().parse(Fixture.text("bookworm/apt-lists"))
        #expect(bookworm.lastUpdate == 1_699_990_000)
        #expect(bookworm.age == 10_000)
        #expect(try AptListsFact().parse("indexes 0\nnow 5\n").lastUpdate == nil)
        try expectValidSyntax(AptListsFact().command)
        let output = try run([dash, "-c", AptListsFact().command])
        #expect(output.status == 0)
        #expect(try AptListsFact().parse(output.stdout).now > 1_600_000_000)
    }

    @Test func serviceStatesOnSystemd215() throws {
        let fact = ServiceStatesFact(units: ["ssh.service", "nosuch.service", "systemd-journald.service"])
        let states = try fact.parse(Fixture.text("jessie/service-states"))
        #expect(states["ssh.service"]?.isActive == true)
        #expect(states["ssh.service"]?.isEnabled == true)
        #expect(states["nosuch.service"]?.exists == false)
        #expect(states["nosuch.service"]?.enablement == nil)
        #expect(states["systemd-journald.service"]?.isActive == false)
        #expect(states["systemd-journald.service"]?.isEnablementFixed == true)
    }

    @Test func serviceStatesOnSystemd252() throws {
        let fact = ServiceStatesFact(units: ["nginx.service", "nosuch.service", "masked.service"])
        let states = try fact.parse(Fixture.text("bookworm/service-states"))
        #expect(states["nginx.service"] == ServiceState(loadState: "loaded", activeState: "inactive", enablement: "disabled"))
        #expect(states["nosuch.service"]?.exists == false)
        #expect(states["masked.service"]?.isEnablementFixed == true)
    }

    /// Recorded on a bookworm lab host: UnitFileState says whether each unit is enabled, so
    /// `is-enabled` ran only for the unit that does not exist.
    @Test func serviceStatesFromUnitFileState() throws {
        let fact = ServiceStatesFact(units: ["ssh.service", "nosuch.service", "console-getty.service", "systemd-journald.service"])
        let states = try fact.parse(Fixture.text("bookworm/service-states-unit-file"))
        #expect(states["ssh.service"] == ServiceState(
            loadState: "loaded", activeState: "active", enablement: "enabled", subState: "running", result: "success",
            since: 1_796_125_869))
        #expect(states["nosuch.service"]?.exists == false)
        #expect(states["nosuch.service"]?.enablement == nil)
        #expect(states["console-getty.service"]?.isMasked == true)
        #expect(states["console-getty.service"]?.summary == "masked")
        #expect(states["systemd-journald.service"]?.isEnablementFixed == true)
        #expect(states["systemd-journald.service"]?.summary == "active (running), static")
        #expect(fact.command.contains("-p UnitFileState"))
    }

    @Test func serviceStatesRejectAShowOutOfStep() {
        // Two blocks for three units: which is which is unknown.
        let fact = ServiceStatesFact(units: ["a.service", "b.service", "c.service"])
        #expect(throws: FactParseError.self) {
            try fact.parse("show\nLoadState=loaded\nActiveState=active\n\nLoadState=loaded\nActiveState=active\nend\n")
        }
        #expect(throws: FactParseError.self) { try fact.parse("LoadState=loaded\n") }
    }

    @Test func serviceStatesWithoutSystemd() throws {
        let fact = ServiceStatesFact(units: ["ssh.service"])
        try expectValidSyntax(fact.command)
        #expect(try fact.parse("no-systemctl\n")["ssh.service"]?.exists == false)
        // This machine has no running systemd: systemctl answers nothing useful.
        let output = try run([dash, "-c", fact.command])
        #expect(output.status == 0)
        #expect(try fact.parse(output.stdout)["ssh.service"] != nil)
    }

    @Test func users() throws {
        let fact = UsersFact(names: ["deploy", "nobody-here"])
        let states = try fact.parse(Fixture.text("bookworm/users"))
        #expect(states["deploy"] == UserState(
            uid: 1000, gid: 1000, primaryGroup: "deploy", groups: ["deploy", "adm", "sudo"], home: "/home/deploy",
            shell: "/bin/bash"))
        #expect(states["nobody-here"] == nil)
        try expectValidSyntax(fact.command)
        let output = try run([dash, "-c", UsersFact(names: ["root", "converge-no-such-user"]).command])
        let here = try UsersFact(names: ["root", "converge-no-such-user"]).parse(output.stdout)
        #expect(here["root"]?.uid == 0)
        #expect(here["root"]?.primaryGroup == "root")
        #expect(here["converge-no-such-user"] == nil)
    }

    @Test func groups() throws {
        let fact = GroupsFact(names: ["deploy", "sudo", "nosuch"])
        let states = try fact.parse(Fixture.text("bookworm/groups"))
        #expect(states["deploy"] == GroupState(gid: 1000, members: []))
        #expect(states["sudo"] == GroupState(gid: 27, members: ["deploy", "alice"]))
        #expect(states["nosuch"] == nil)
        let here = GroupsFact(names: ["root", "converge-no-such-group"])
        try expectValidSyntax(here.command)
        let output = try run([dash, "-c", here.command])
        #expect(output.status == 0)
        #expect(try here.parse(output.stdout) == ["root": GroupState(gid: 0, members: [])])
    }

    @Test func pathStatesOfAwkwardPathsUnderDash() throws {
        try withTemporaryDirectory { directory in
            var paths: [String] = []
            var contents: [String: Data] = [:]
            for (number, name) in awkwardNames.enumerated() {
                let path = directory + "/" + name
                let data = Data("content \(number) of \(name)\n".utf8)
                try data.write(to: URL(fileURLWithPath: path))
                try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
                paths.append(path)
                contents[path] = data
            }
            let link = directory + "/link\nwith newline"
            let target = "../it's a \"target\"\n$(id) ✓"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            let subdirectory = directory + "/sub dir"
            try FileManager.default.createDirectory(atPath: subdirectory, withIntermediateDirectories: false)
            let missing = directory + "/missing\nfile"
            let fact = PathStatesFact(
                paths: paths + [link, subdirectory, missing], contentPaths: Set(paths.prefix(6)))
            try expectValidSyntax(fact.command)

            // Run through a whole probe, as the CLI does.
            var probe = FactProbe()
            let key = probe.add(fact)
            let output = try run([dash, "-s"], input: probe.script)
            #expect(output.status == 0)
            let states = try probe.results(from: output.stdout).value(for: key)
            #expect(!FileManager.default.fileExists(atPath: directory + "/pwned"))
            #expect(!FileManager.default.fileExists(atPath: "pwned"))
            for (number, path) in paths.enumerated() {
                let state = try #require(states[path], "\(path)")
                #expect(state.kind == .file)
                #expect(state.mode == 0o640)
                #expect(state.size == contents[path]!.count)
                #expect(state.sha256 == sha256Hex(contents[path]!))
                #expect(state.content == (number < 6 ? contents[path] : nil))
            }
            #expect(states[link]?.kind == .symlink)
            #expect(states[link]?.target == target)
            #expect(states[subdirectory]?.kind == .directory)
            #expect(states[missing] == nil)
            #expect(states.count == paths.count + 2)
        }
    }

    @Test func pathStatesSkipContentOverTheLimit() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/big"
            try Data(repeating: 65, count: 2000).write(to: URL(fileURLWithPath: path))
            let fact = PathStatesFact(paths: [path], contentPaths: [path], contentLimit: 1000)
            let state = try #require(fact.parse(run([dash, "-c", fact.command]).stdout)[path])
            #expect(state.content == nil)
            #expect(state.sha256 == sha256Hex(Data(repeating: 65, count: 2000)))
        }
    }

    @Test func pathStatesReadContentOnlyWhenItDiffers() throws {
        try withTemporaryDirectory { directory in
            // Same content at each path; the last one's name makes sha256sum escape it.
            let paths = ["same", "differs", "no hash", "back\\slash"].map { directory + "/" + $0 }
            let data = Data("wanted\n".utf8)
            for path in paths { try data.write(to: URL(fileURLWithPath: path)) }
            let wanted = sha256Hex(data)
            let fact = PathStatesFact(
                paths: paths, contentPaths: Set(paths),
                desiredSHA256: [paths[0]: wanted, paths[1]: sha256Hex(Data("other\n".utf8)), paths[3]: wanted])
            try expectValidSyntax(fact.command)
            let output = try run([dash, "-c", fact.command])
            #expect(output.status == 0)
            // One stat and one sha256sum for all; base64 (and head) only for what it reads.
            #expect(output.stdout.components(separatedBy: "\ncontent ").count == 4)
            let states = try fact.parse(output.stdout)
            #expect(states[paths[0]]?.content == nil)
            #expect(states[paths[1]]?.content == data)
            #expect(states[paths[2]]?.content == data)
            #expect(states[paths[3]]?.content == data)
            #expect(paths.allSatisfy { states[$0]?.sha256 == wanted })
            // What is read or not leaves the fingerprint alone.
            #expect(HostState(paths: states).fingerprint
                == HostState(paths: states.mapValues { var state = $0; state.content = nil; return state }).fingerprint)
        }
    }

    @Test func pathStatesParseTheBatchedOutput() throws {
        let fact = PathStatesFact(paths: ["/a", "/missing", "/l", "/d"], contentPaths: ["/a"])
        let output = """
            stat 0 2 3
            81a4 0 0 root root 3
            a1ff 0 0 root root 7
            41ed 1000 1000 UNKNOWN UNKNOWN 4096
            link 2
             2f 61 0a 74 61 72
             67 00
            sha256 0
            \\\(String(repeating: "ab", count: 32))  /a
            content 0
            eDEK

            """
        let states = try fact.parse(output)
        #expect(states.count == 3)
        #expect(states["/a"] == PathState(
            kind: .file, mode: 0o644, uid: 0, gid: 0, owner: "root", group: "root", size: 3,
            sha256: String(repeating: "ab", count: 32), content: Data("x1\n".utf8)))
        #expect(states["/l"]?.target == "/a\ntarg")
        #expect(states["/d"]?.kind == .directory)
        #expect(states["/d"]?.owner == nil)
    }

    @Test func pathStatesRejectForeignLines() {
        let fact = PathStatesFact(paths: ["/a"])
        #expect(throws: FactParseError.self) { try fact.parse("stat 1\n81a4 0 0 root root 1\n") }
        #expect(throws: FactParseError.self) { try fact.parse("stat 0\nzz 0 0 root root 1\n") }
        #expect(throws: FactParseError.self) { try fact.parse("stat 0\n") }
        #expect(throws: FactParseError.self) { try fact.parse("stat 0\na1ff 0 0 root root 1\nlink 0\n 4g\n") }
        // Two targets for one link: lines out of step.
        #expect(throws: FactParseError.self) { try fact.parse("stat 0\na1ff 0 0 root root 1\nlink 0\n 61 00 62 00\n") }
        #expect(throws: FactParseError.self) { try fact.parse("0 missing\n") }
    }

    @Test func commandGuardsUnderDash() throws {
        try withTemporaryDirectory { directory in
            let done = directory + "/done $(x) 'q'\n"
            try #require(FileManager.default.createFile(atPath: done, contents: Data()))
            let fact = CommandGuardsFact(guards: [
                .init(creates: done, unless: nil),
                .init(creates: directory + "/not there", unless: nil),
                .init(creates: nil, unless: "test -d \(shellQuote(directory))"),
                .init(creates: nil, unless: "exit 3"),
                .init(creates: directory + "/not there", unless: "true"),
                .init(creates: done, unless: "touch \(shellQuote(directory + "/ran"))"),
            ])
            try expectValidSyntax(fact.command)
            let output = try run([dash, "-c", fact.command])
            #expect(output.status == 0)
            let states = try fact.parse(output.stdout)
            #expect(states.map(\.holds) == [true, false, true, false, true, true])
            #expect(states[3].unlessStatus == 3)
            // `unless` is not run when `creates` already settled it.
            #expect(!FileManager.default.fileExists(atPath: directory + "/ran"))
        }
    }
}
