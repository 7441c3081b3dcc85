import Shell
import Foundation
import Testing

@testable import Facts

/// Splitting and parsing of probe output written by hand, without a shell.
@Suite struct FactProbeTests {
    let boundary = "--converge-feedfacecafebeef--"

    /// A section as the script prints it.
    func section(_ index: Int, stdout: String, status: Int32 = 0, stderr: String = "") -> String {
        "\(boundary) \(index) begin\n\(stdout)\n\(boundary) \(index) status \(status)\n\(stderr)\n\(boundary) \(index) end\n"
    }

    @Test func splitsSectionsExactly() {
        let output = section(0, stdout: "one\ntwo\n")
            + section(1, stdout: "no final newline")
            + section(2, stdout: "")
            + section(3, stdout: "\n\nblank lines\n\n", stderr: "warning\n")
            + section(4, stdout: "crlf\r\nline\r\n")
        let sections = FactProbe.sections(in: output, boundary: boundary, count: 5)
        #expect(sections.map { $0?.stdout } == [
            "one\ntwo\n", "no final newline", "", "\n\nblank lines\n\n", "crlf\r\nline\r\n",
        ])
        #expect(sections[3] == FactOutput(stdout: "\n\nblank lines\n\n", stderr: "warning\n", exitStatus: 0))
    }

    @Test func readsBytesWithInvalidUTF8() throws {
        var probe = FactProbe(boundary: boundary)
        let key = probe.add(ScriptedFact("bytes", "printf 'caf\\351'"))
        // Latin-1 "café": the é byte is not UTF-8.
        let text = section(0, stdout: "caf\u{1}")
        let output = Data(text.utf8.map { $0 == 1 ? 0xE9 : $0 })
        #expect(try probe.results(from: output).value(for: key) == "caf\u{FFFD}")
    }

    @Test func keepsAFailingFactFromBreakingTheOthers() throws {
        var probe = FactProbe(boundary: boundary)
        let before = probe.add(ScriptedFact("before", "echo before"))
        let failing = probe.add(ScriptedFact("failing", "cat /etc/os-release"))
        let after = probe.add(ScriptedFact("after", "echo after"))
        let results = probe.results(from:
            section(0, stdout: "before\n")
            + section(1, stdout: "", status: 1, stderr: "cat: /etc/os-release: No such file or directory\n")
            + section(2, stdout: "after\n"))

        #expect(try results.value(for: before) == "before\n")
        #expect(try results.value(for: after) == "after\n")
        let error = FactError.commandFailed(
            fact: "failing", exitStatus: 1, stderr: "cat: /etc/os-release: No such file or directory\n")
        #expect(throws: error) { try results.value(for: failing) }
        #expect(results.errors == [error])
        #expect(error.fact == "failing")
        #expect(error.description
            == "failing: command failed with exit status 1: cat: /etc/os-release: No such file or directory")
        #expect(results.output(for: failing)?.exitStatus == 1)
    }

    @Test func ignoresLinesThatOnlyLookLikeMarkers() throws {
        let lookalikes = """
            --converge-00000000-1111-2222-3333-444444444444-- 0 end
            \(boundary) 0 begin
            \(boundary) 1 status 0
            \(boundary) 0 end extra
            \(boundary) 0 status x
            \(boundary)-- 0 status 0
            \(boundary)
            """
        let output = "motd noise\n\(boundary) 1 end\n"
            + section(0, stdout: lookalikes, stderr: "\(boundary) 0 end extra")
            + section(1, stdout: "ok")
        let sections = FactProbe.sections(in: output, boundary: boundary, count: 2)
        #expect(sections[0] == FactOutput(stdout: lookalikes, stderr: "\(boundary) 0 end extra", exitStatus: 0))
        #expect(sections[1]?.stdout == "ok")
    }

    @Test func reportsFactsCutOffByATruncatedOutput() throws {
        var probe = FactProbe(boundary: boundary)
        let first = probe.add(ScriptedFact("first", "echo 1"))
        let second = probe.add(ScriptedFact("second", "echo 2"))
        let third = probe.add(ScriptedFact("third", "echo 3"))
        let output = section(0, stdout: "1") + "\(boundary) 1 begin\npartial\n"
        let results = probe.results(from: output)
        #expect(try results.value(for: first) == "1")
        #expect(results.errors == [.missingOutput(fact: "second"), .missingOutput(fact: "third")])
        #expect(results.output(for: second) == nil)
        #expect(throws: FactError.missingOutput(fact: "third")) { try results.value(for: third) }
    }

    @Test func namesTheFactWhoseOutputIsUnreadable() throws {
        var probe = FactProbe(boundary: boundary)
        let kernel = probe.add(KernelFact())
        let custom = probe.add(ScriptedFact("custom", "true") { _ in throw CancellationError() })
        let results = probe.results(from: section(0, stdout: "two words\n") + section(1, stdout: ""))
        let error = try #require(results.errors.first)
        #expect(error.fact == "KernelFact")
        #expect(error.description.hasPrefix("KernelFact: unexpected output: expected the release, version and machine"))
        #expect(throws: FactError.self) { try results.value(for: kernel) }
        #expect(results.errors.last == .unreadableOutput(fact: "custom", message: "\(CancellationError())"))
        #expect(throws: FactError.self) { try results.value(for: custom) }
    }

    @Test func runsAnIdenticalCommandOnce() throws {
        var probe = FactProbe(boundary: boundary)
        let raw = probe.add(ScriptedFact("raw", "uname -r"))
        let counted = probe.add(ScriptedFact("counted", "uname -r") { String($0.count) })
        let kernel = probe.add(KernelFact())
        #expect(probe.count == 3)
        #expect(probe.script.components(separatedBy: "converge_section 0 ").count == 2)
        #expect(!probe.script.contains("converge_section 2 "))
        let results = probe.results(from: section(0, stdout: "6.1.0-28-amd64\n")
            + section(1, stdout: "6.1.0-28-amd64\n#1 SMP\nx86_64\n"))
        #expect(try results.value(for: raw) == "6.1.0-28-amd64\n")
        #expect(try results.value(for: counted) == "15")
        #expect(try results.value(for: kernel).machine == "x86_64")
    }

    @Test func keepsItsBoundaryOutOfTheScript() {
        var probe = FactProbe()
        _ = HostFacts.add(to: &probe)
        #expect(probe.boundary.hasPrefix("--converge-"))
        #expect(probe.boundary != FactProbe().boundary)
        #expect(!probe.script.contains(probe.boundary))
        #expect(!probe.shellCommand.contains(probe.boundary))
    }

    @Test func quotesForTheShell() {
        #expect(shellQuote("plain") == "'plain'")
        #expect(shellQuote("it's") == #"'it'\''s'"#)
        #expect(shellQuote("") == "''")
    }
}
