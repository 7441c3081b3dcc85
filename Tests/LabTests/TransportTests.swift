import Shell
import Foundation
import Testing
import TestSupport
@testable import SSH

extension LabSuite {
    @Suite("SSH transport against lab hosts")
    struct TransportTests {
        @Test("stdout, stderr and exit status come back separately", arguments: Lab.onePerRelease)
        func separateStreams(host: LabHost) async throws {
            let connection = try await Lab.sharedConnection(host)
            let result = try await connection.run("printf 'to stdout'; printf 'to stderr' >&2; exit 3")
            #expect(result.stdoutText == "to stdout")
            #expect(result.stderrText == "to stderr")
            #expect(result.exitStatus == 3)
            #expect(!result.succeeded)
        }

        @Test("one session carries many commands, input included")
        func sessionReuse() async throws {
            let connection = try await Lab.sharedConnection(Lab.first)
            for round in 1...20 {
                let result = try await connection.run("cat; echo \(round)", input: Data("line \(round)\n".utf8))
                #expect(result.stdoutText == "line \(round)\n\(round)\n")
            }
        }

        @Test("large output on both streams does not deadlock")
        func largeOutput() async throws {
            let connection = try await Lab.sharedConnection(Lab.first)
            let result = try await connection.run("head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2; head -c 1000000 /dev/zero",
                                                  timeout: .seconds(30))
            #expect(result.stdout.count == 4_000_000)
            #expect(result.stderr.count == 2_000_000)
        }

        @Test("a killed command reports its signal")
        func exitSignal() async throws {
            let connection = try await Lab.sharedConnection(Lab.first)
            let result = try await connection.run("kill -TERM $$")
            #expect(!result.succeeded)
        }

        @Test("awkward values survive a round trip unchanged", arguments: [
            "plain", "with spaces", "single ' quote", "double \" quote", "$(touch /tmp/pwned) `touch /tmp/pwned` $HOME",
            "new\nline", "tab\there", "non-ASCII: é ü 日本語 🚀", "backslash \\ and \\n", "'; rm -rf / #", "-n", "",
        ])
        func roundTrip(value: String) async throws {
            let connection = try await Lab.sharedConnection(Lab.first)
            let echoed = try await connection.run("printf '%s' \(shellQuote(value))")
            #expect(echoed.stdoutText == value)
            let piped = try await connection.run("cat", input: Data(value.utf8))
            #expect(piped.stdout == Data(value.utf8))
            let pwned = try await connection.run("test ! -e /tmp/pwned")
            #expect(pwned.succeeded, "command substitution inside a quoted value ran")
        }

        @Test("upload writes exact bytes atomically with the mode asked", arguments: Lab.onePerRelease)
        func upload(host: LabHost) async throws {
            let connection = try await Lab.sharedConnection(host)
            let directory = "/tmp/converge upload 'test' $(x) é"
            _ = try await connection.run("rm -rf \(shellQuote(directory)); mkdir -p \(shellQuote(directory))")
            let path = directory + "/file \"name\"\nwith newline ü"
            let contents = Data("first line\n$(id) 'quoted' \"double\"\n\u{0}binary\u{1}\u{ff} 日本\n".utf8) + Data([0, 255, 10])
            try await connection.upload(contents, to: path, attributes: FileAttributes(mode: 0o640, owner: "root", group: "daemon"))

            let content = try await connection.run("cat \(shellQuote(path))")
            #expect(content.stdout == contents)
            let stat = try await connection.run("stat -c '%a %U %G' \(shellQuote(path))")
            #expect(stat.stdoutText == "640 root daemon\n")
            // One character per directory entry: names here hold newlines, so lines can't be counted.
            let entries = try await connection.run("find \(shellQuote(directory)) -mindepth 1 -printf x")
            #expect(entries.stdoutText == "x", "temporary files left behind")
        }

        @Test("an interrupted upload leaves the old file and no temporary file")
        func interruptedUpload() async throws {
            let connection = try await Lab.sharedConnection(Lab.first)
            let path = "/tmp/converge-interrupted"
            try await connection.upload(Data("old contents\n".utf8), to: path)
            // The script expects 1000 bytes; the stream ends after 10, as when a connection drops.
            let script = try UploadScript(path: path, size: 1000, attributes: FileAttributes(), host: Lab.first.name).text
            let result = try await connection.run(script, input: Data("new conten".utf8))
            #expect(!result.succeeded)
            #expect(result.stderrText.contains("received 10 of 1000 bytes"))
            let content = try await connection.run("cat \(path); find /tmp -maxdepth 1 -name '.converge-interrupted.converge.*' -printf x")
            #expect(content.stdoutText == "old contents\n")
        }

        @Test("an upload into a missing directory fails with the cause")
        func uploadFailure() async throws {
            let connection = try await Lab.sharedConnection(Lab.first)
            await #expect {
                try await connection.upload(Data("x".utf8), to: "/nonexistent/dir/file")
            } throws: { error in
                let error = error as! SSHError
                return error.phase == .upload && error.message.contains("/nonexistent/dir/file")
                    && error.message.contains("No such file or directory")
            }
        }
    }
}
