import Foundation
import Testing
import TestSupport

@testable import Facts

/// The generated script, checked and run by the shells on this machine.
@Suite struct ProbeScriptTests {
    /// A probe of awkward facts, and what each should yield.
    struct Awkward {
        var probe = FactProbe()
        let noNewline: FactKey<String>
        let failing: FactKey<String>
        let forger: FactKey<String>
        let exiting: FactKey<String>
        let brokenSyntax: FactKey<String>
        let readsStdin: FactKey<String>
        let quoting: FactKey<String>
        let changesDirectory: FactKey<String>
        let printsScript: FactKey<String>
        let afterAll: FactKey<String>

        init() {
            noNewline = probe.add(ScriptedFact("noNewline", "printf 'no newline'"))
            failing = probe.add(ScriptedFact("failing", "printf 'partial\\n'; echo 'oops: it broke' >&2; exit 3"))
            // Markers of another probe, and of this one with a wrong index.
            forger = probe.add(ScriptedFact("forger", """
                printf '%s\\n' '--converge-00000000-0000-0000-0000-000000000000-- 2 end'
                printf '%s\\n' '--converge-00000000-0000-0000-0000-000000000000-- 2 status 0'
                """))
            exiting = probe.add(ScriptedFact("exiting", "echo bye; exit 0; echo unreachable"))
            brokenSyntax = probe.add(ScriptedFact("brokenSyntax", "if then fi ("))
            readsStdin = probe.add(ScriptedFact("readsStdin", "cat; echo read"))
            quoting = probe.add(ScriptedFact("quoting", #"printf '%s|%s\n' "it's" 'say "hi" \ $HOME'"#))
            changesDirectory = probe.add(ScriptedFact("changesDirectory", "cd /tmp && pwd"))
            // Prints the probe shell's own command line, which holds the whole script.
            printsScript = probe.add(ScriptedFact("printsScript", "tr '\\000' '\\n' < /proc/$$/cmdline"))
            afterAll = probe.add(ScriptedFact("afterAll", "pwd; echo \"$LC_ALL\""))
        }

        /// - Parameter scriptInArguments: whether the shell got the script with `-c`.
        func check(_ output: String, scriptInArguments: Bool = true) throws {
            let results = probe.results(from: output)
            #expect(try results.value(for: noNewline) == "no newline")
            #expect(throws: FactError.commandFailed(fact: "failing", exitStatus: 3, stderr: "oops: it broke")) {
                try results.value(for: failing)
            }
            #expect(results.output(for: failing)?.stdout == "partial\n")
            #expect(try results.value(for: forger).hasSuffix("-- 2 status 0\n"))
            #expect(try results.value(for: exiting) == "bye\n")
            let syntax = try #require(results.output(for: brokenSyntax))
            // 2 from dash and bash, 1 from posh: the command runs in the probe's shell.
            #expect(syntax.exitStatus != 0)
            #expect(!syntax.stderr.isEmpty)
            #expect(try results.value(for: readsStdin) == "read\n")
            #expect(try results.value(for: quoting) == #"it's|say "hi" \ $HOME"# + "\n")
            #expect(try results.value(for: changesDirectory) == "/tmp\n")
            #expect(try results.value(for: printsScript).contains("converge_section") == scriptInArguments)
            #expect(try results.value(for: afterAll) != "/tmp\nC\n")
            #expect(try results.value(for: afterAll).hasSuffix("\nC\n"))
            #expect(results.errors.map(\.fact) == ["failing", "brokenSyntax"])
        }
    }

    @Test(arguments: Shell.available)
    func runsInEachShell(_ shell: Shell) throws {
        let awkward = Awkward()
        let run = try shell.run(awkward.probe.script)
        #expect(run.status == 0)
        #expect(run.stderr == "")
        try awkward.check(run.stdout)
    }

    @Test func runsAsTheSSHCommandLine() throws {
        // sshd hands the command line to the user's login shell with -c.
        let awkward = Awkward()
        let run = try TestSupport.run(["/bin/sh", "-c", awkward.probe.shellCommand])
        #expect(run.status == 0)
        try awkward.check(run.stdout)
    }

    @Test func runsFromStandardInput() throws {
        let awkward = Awkward()
        let run = try TestSupport.run(["/bin/sh", "-s"], input: awkward.probe.script)
        #expect(run.status == 0)
        try awkward.check(run.stdout, scriptInArguments: false)
    }

    @Test(arguments: Shell.available)
    func hostFactsScriptHasValidSyntax(_ shell: Shell) throws {
        var probe = FactProbe()
        _ = HostFacts.add(to: &probe)
        let check = try TestSupport.run(shell.command + ["-n", "-c", probe.script])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stderr == "")
        // The script hands each command to sh -c as a string, so check those too.
        for command in [
            DebianReleaseFact().command, KernelFact().command, ArchitectureFact().command,
            InitSystemFact().command, DebianPackagesFact().command,
        ] {
            let check = try TestSupport.run(shell.command + ["-n", "-c", command])
            #expect(check.status == 0, "\(command): \(check.stderr)")
        }
    }

    @Test(arguments: Shell.available)
    func syntaxCheckCatchesErrors(_ shell: Shell) throws {
        // Shows that `-n` does check, so the test above proves something.
        #expect(try TestSupport.run(shell.command + ["-n", "-c", "if then fi ("]).status != 0)
    }

    @Test(arguments: Shell.available)
    func factCommandsToleratesMissingFiles(_ shell: Shell) throws {
        // The release fact's command with the files it reads renamed away.
        let command = DebianReleaseFact().command
            .replacingOccurrences(of: "/etc/", with: "/nonexistent/")
            .replacingOccurrences(of: "/usr/lib/", with: "/nonexistent/")
        let run = try shell.run(command)
        #expect(run.status == 0)
        #expect(run.stdout == "\n")
        #expect(DebianReleaseFact().parse(run.stdout).id == nil)
    }
}
