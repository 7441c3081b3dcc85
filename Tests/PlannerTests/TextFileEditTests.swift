import Facts
import Foundation
import Testing
import TestSupport

@testable import Planner
@testable import Resources

/// An awk a Debian host's `awk` may be: mawk (the default), gawk, or the one true awk.
/// (jessie's mawk 1.3.3 was checked by hand, built from Debian's source: the programs use
/// nothing it lacks, such as `{n,m}` or `[:classes:]`.)
struct Awk: Sendable, CustomTestStringConvertible {
    var name: String
    /// A directory whose `awk` is this one, to put first on PATH.
    var directory: String
    var testDescription: String { name }

    /// Those installed here (scripts/setup installs all three), each linked as `awk` in a
    /// directory of its own, made once.
    static let installed: [Awk] = ["mawk", "gawk", "original-awk"].compactMap { name in
        let path = "/usr/bin/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("converge-awk-\(name)-\(UUID().uuidString)").path
        guard (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil,
              (try? FileManager.default.createSymbolicLink(atPath: directory + "/awk", withDestinationPath: path)) != nil
        else { return nil }
        return Awk(name: name, directory: directory)
    }

    /// Runs `script` with dash (`-e` as a step runs) and this awk as `awk`.
    func run(_ script: String, stopOnError: Bool = false) throws -> ProcessRun {
        let path = directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try TestSupport.run([dash] + (stopOnError ? ["-e"] : []) + ["-c", script], environment: ["PATH": path])
    }
}

/// Lines and Block: their fact and their step run here with dash and each awk a target may
/// have, on real files, so what is planned is checked against what is applied.
@Suite struct TextFileEditTests {
    /// Plans `resource` from its fact run with `awk` on the files as they are.
    func planned(_ resource: any Resource, fact: some Fact, with awk: Awk, extra: [any Resource] = [],
                 state: HostState = HostState()) throws -> HostPlan {
        let output = try awk.run(fact.command)
        var state = state
        state.factOutputs[fact.name] = FactOutput(stdout: output.stdout, stderr: output.stderr, exitStatus: output.status)
        return try plan(extra + [resource], state)
    }

    /// Runs a step as the apply script does: `sh -e`.
    func apply(_ change: Change, with awk: Awk) throws -> ProcessRun {
        guard case .shell(let script) = change.operation else { throw CancellationError() }
        return try awk.run(script, stopOnError: true)
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test(arguments: Awk.installed) func linesAreSetReplacedAndRemovedThenTheFileIsLeftAlone(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/varnish"
            try "# Should we start varnishd at boot?\n#START=no\nNFILES=131072\nSTART=no\nMEMLOCK=82000\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            let lines = Lines(path, [
                .line("START=yes", replacing: "^#?START="), .absent(matching: "^NFILES="), "DAEMON_OPTS=\"-a :6081\"",
            ])
            let plan = try planned(lines, fact: lines.fact, with: awk)
            let change = try #require(plan.changes.first)
            #expect(plan.changes.count == 1)
            #expect(change.reason == "2 lines added, 3 removed")
            #expect(PlanRenderer.render(try #require(change.content), path: change.contentPath).joined(separator: "\n") == """
                --- \(path)
                +++ \(path)
                @@ -1,5 +1,4 @@
                 # Should we start varnishd at boot?
                -#START=no
                -NFILES=131072
                -START=no
                +START=yes
                 MEMLOCK=82000
                +DAEMON_OPTS="-a :6081"
                """)
            #expect(try apply(change, with: awk).status == 0)
            #expect(try read(path) == "# Should we start varnishd at boot?\nSTART=yes\nMEMLOCK=82000\nDAEMON_OPTS=\"-a :6081\"\n")
            #expect(try planned(lines, fact: lines.fact, with: awk).changes.isEmpty)
        }
    }

    /// sshd takes a keyword's first value, and a line after `Match` belongs to its block.
    @Test(arguments: Awk.installed) func aSettingReplacesTheFirstMatchOrGoesBeforeAMatchBlock(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/sshd_config"
            try "Port 22\nPermitRootLogin without-password\n#PasswordAuthentication yes\nMatch User backup\n\tForceCommand true\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            let lines = Lines(path, [
                .line("PermitRootLogin prohibit-password", replacing: "^#?PermitRootLogin "),
                .line("PasswordAuthentication no", replacing: "^#?PasswordAuthentication "),
                .line("MaxAuthTries 4", replacing: "^#?MaxAuthTries "),
            ], before: "^Match ")
            #expect(try apply(try #require(try planned(lines, fact: lines.fact, with: awk).changes.first), with: awk).status == 0)
            #expect(try read(path) == """
                Port 22
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                MaxAuthTries 4
                Match User backup
                \tForceCommand true

                """)
            #expect(try planned(lines, fact: lines.fact, with: awk).changes.isEmpty)
        }
    }

    @Test(arguments: Awk.installed) func anExistingFileKeepsItsModeAndAStepWithNothingToDoWritesNothing(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/hosts"
            try "127.0.0.1 localhost\n".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
            let lines = Lines(path, ["10.0.0.5 db1"])
            let change = try #require(try planned(lines, fact: lines.fact, with: awk).changes.first)
            #expect(try apply(change, with: awk).status == 0)
            #expect(try read(path) == "127.0.0.1 localhost\n10.0.0.5 db1\n")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect(attributes[.posixPermissions] as? Int == 0o640)
            // Applied again (a saved plan run twice): awk finds nothing to do, the file is not rewritten.
            let inode = attributes[.systemFileNumber] as? Int
            #expect(try apply(change, with: awk).status == 0)
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int == inode)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["hosts"])
        }
    }

    @Test(arguments: Awk.installed) func valuesAreTakenAsTheyAreNotAsNumbersOrShell(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/conf"
            try "version=1.0\n".write(toFile: path, atomically: true, encoding: .utf8)
            // awk would find "1.0" and "1" equal as numbers; and no value is a shell word.
            let lines = Lines(path, [.line("version=1", replacing: "^version="), "x='$(touch pwned)' \\n \"q\""])
            let change = try #require(try planned(lines, fact: lines.fact, with: awk).changes.first)
            #expect(try apply(change, with: awk).status == 0)
            #expect(try read(path) == "version=1\nx='$(touch pwned)' \\n \"q\"\n")
            #expect(!FileManager.default.fileExists(atPath: directory + "/pwned"))
            #expect(try planned(lines, fact: lines.fact, with: awk).changes.isEmpty)
        }
    }

    @Test(arguments: Awk.installed) func aMissingFileIsRefusedUnlessCreatedOrAPackageInstallsItFirst(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/default/varnish"
            let lines = Lines(path, ["START=yes"])
            #expect(throws: PlanError.invalid(lines.id, "\(path) does not exist: it is edited, not created (create: true creates it, "
                + "or require the package that installs it: requires: [.package(...)])")) {
                try planned(lines, fact: lines.fact, with: awk)
            }
            let fromPackage = Lines(path, ["START=yes"], requires: [.package("varnish")])
            let plan = try planned(fromPackage, fact: fromPackage.fact, with: awk, extra: [Package("varnish")],
                                   state: HostState(packages: ["varnish": notInstalled(candidate: "7.1.1-1.1")], aptLists: freshLists))
            #expect(plan.changes.map(\.reason).last == "\(path) does not exist yet; edited once package:varnish creates it")
            // Applied while it still does not exist: the step fails and says why.
            let failed = try apply(try #require(plan.changes.last), with: awk)
            #expect(failed.status != 0)
            #expect(failed.stderr.contains("converge: \(path) does not exist: it is edited, not created"))

            try FileManager.default.createDirectory(atPath: directory + "/default", withIntermediateDirectories: true)
            let created = Lines(path, ["START=yes"], create: true, mode: 0o600)
            let change = try #require(try planned(created, fact: created.fact, with: awk).changes.first)
            #expect(change.action == .create)
            #expect(change.reason == "missing; created with 1 line")
            #expect(try apply(change, with: awk).status == 0)
            #expect(try read(path) == "START=yes\n")
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        }
    }

    @Test(arguments: Awk.installed) func aBlockIsAddedReplacedAndRemovedBetweenItsMarkers(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/hosts"
            try "127.0.0.1 localhost\n::1 localhost ip6-localhost\n\n# The following lines are for IPv6\nff02::1 ip6-allnodes\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            let block = Block(path, name: "backends", content: "10.0.0.31 web1\n10.0.0.32 web2\n", before: "^# The following")
            let first = try #require(try planned(block, fact: block.fact, with: awk).changes.first)
            #expect(first.resource.description == "block:\(path)#backends")
            #expect(try apply(first, with: awk).status == 0)
            #expect(try read(path) == """
                127.0.0.1 localhost
                ::1 localhost ip6-localhost

                # BEGIN converge: backends
                10.0.0.31 web1
                10.0.0.32 web2
                # END converge: backends
                # The following lines are for IPv6
                ff02::1 ip6-allnodes

                """)
            #expect(try planned(block, fact: block.fact, with: awk).changes.isEmpty)

            // Changed in place, wherever it is now; then gone, markers and all.
            let changed = Block(path, name: "backends", content: "10.0.0.33 web3")
            let update = try #require(try planned(changed, fact: changed.fact, with: awk).changes.first)
            #expect(update.reason == "1 line added, 2 removed")
            #expect(try apply(update, with: awk).status == 0)
            #expect(try read(path).contains("\n# BEGIN converge: backends\n10.0.0.33 web3\n# END converge: backends\n# The following"))
            let absent = Block.absent(path, name: "backends")
            #expect(try apply(try #require(try planned(absent, fact: absent.fact, with: awk).changes.first), with: awk).status == 0)
            #expect(try read(path) == "127.0.0.1 localhost\n::1 localhost ip6-localhost\n\n# The following lines are for IPv6\nff02::1 ip6-allnodes\n")
            #expect(try planned(absent, fact: absent.fact, with: awk).changes.isEmpty)
        }
    }

    @Test(arguments: Awk.installed) func blocksOfOneFileAreDistinctAndGoAfterTheLastMatch(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/php.ini"
            try "[PHP]\nengine = On\n[Date]\n;date.timezone =\n".write(toFile: path, atomically: true, encoding: .utf8)
            let blocks = [
                Block(path, name: "limits", content: "memory_limit = 256M", comment: ";", after: "^\\[PHP\\]"),
                Block(path, name: "time", content: "date.timezone = UTC", comment: ";"),
            ]
            for block in blocks {
                #expect(try apply(try #require(try planned(block, fact: block.fact, with: awk).changes.first), with: awk).status == 0)
            }
            #expect(try read(path) == """
                [PHP]
                ; BEGIN converge: limits
                memory_limit = 256M
                ; END converge: limits
                engine = On
                [Date]
                ;date.timezone =
                ; BEGIN converge: time
                date.timezone = UTC
                ; END converge: time

                """)
            for block in blocks { #expect(try planned(block, fact: block.fact, with: awk).changes.isEmpty) }
        }
    }

    @Test(arguments: Awk.installed) func aBlockWithoutItsEndMarkerIsNamedNotGuessed(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/hosts"
            try "a\n# BEGIN converge: backends\nb\n".write(toFile: path, atomically: true, encoding: .utf8)
            let block = Block(path, name: "backends", content: "c")
            #expect(throws: PlanError.unreadableFacts(block.id, FactError.commandFailed(
                fact: "block:\(path)#backends", exitStatus: 4,
                stderr: "line 2 begins the block (# BEGIN converge: backends), but no line after it ends it (# END converge: backends)\n").description)) {
                try planned(block, fact: block.fact, with: awk)
            }
        }
    }

    @Test(arguments: Awk.installed) func aBadPatternIsAPlanErrorAndBadDeclarationsAreRefused(awk: Awk) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/conf"
            try "a\n".write(toFile: path, atomically: true, encoding: .utf8)
            let lines = Lines(path, [.line("b", replacing: "(unclosed")])
            let error = try #require(throws: PlanError.self) { try planned(lines, fact: lines.fact, with: awk) }
            guard case .unreadableFacts(let id, let message) = error else { Issue.record("\(error)"); return }
            #expect(id == lines.id)
            #expect(message.contains("awk"))
        }
        let bad: [(any Resource, String)] = [
            (Lines("relative", ["a"]), "needs an absolute path of a file: relative"),
            (Lines("/etc/hosts", []), "names no line"),
            (Lines("/etc/hosts", ["a\nb"]), "a line or pattern holds a newline: use a Block for several lines"),
            (Block("/etc/hosts", name: "x", content: "# END converge: x"), "its content holds one of its own marker lines"),
            (Block("/etc/hosts", name: "x", content: "a", after: "^a", before: "^b"), "takes after: or before:, not both"),
        ]
        for (resource, message) in bad {
            #expect(throws: PlanError.invalid(resource.id, message)) { try HostStateQuery(resources: [resource]) }
        }
        let owned: [any Resource] = [File("/etc/hosts", content: .text("x\n")), Lines("/etc/hosts", ["a"])]
        var state = HostState(paths: ["/etc/hosts": fileState("x\n")])
        state.factOutputs["lines:/etc/hosts"] = FactOutput(stdout: "exists\nsame\n", stderr: "", exitStatus: 0)
        #expect(throws: PlanError.conflict(Lines("/etc/hosts", ["a"]).id,
                                           "file:/etc/hosts manages the whole file: put these lines in its content instead")) {
            try plan(owned, state)
        }
    }

    /// The fact's output: the file before (`-`) and after (`+`), or only `same`.
    /// The edits are run with every awk a target may have: none may go missing unnoticed
    /// (scripts/test, which sets CONVERGE_REQUIRE_SHELLCHECK after scripts/setup, wants all three).
    @Test func theAwksAreThere() {
        let wanted = ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_SHELLCHECK"] == "1" ? ["mawk", "gawk", "original-awk"] : ["mawk"]
        #expect(wanted.allSatisfy { name in Awk.installed.contains { $0.name == name } }, "\(Awk.installed.map(\.name))")
    }

    @Test func theFactsOutputIsRead() throws {
        let outcome = try TextFileEdit.outcome(from: "exists\nchanged\n-#START=no\n-START=no\n+START=yes\n")
        #expect(outcome == TextFileEdit.Outcome(exists: true, change: (["#START=no", "START=no"], ["START=yes"])))
        #expect(try TextFileEdit.outcome(from: "missing\nsame\n") == TextFileEdit.Outcome(exists: false, change: nil))
        #expect(throws: FactParseError.self) { try TextFileEdit.outcome(from: "exists\n") }
    }
}
