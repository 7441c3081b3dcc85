import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// Bad input (issue #10): each gives one clear error naming the file (with line and
    /// column), the host or the resource, a non-zero exit status, and changes nothing.
    ///
    /// Every bad inventory carries a new `greeting` (the "tripwire"): had converge applied
    /// anything, the daemon's configuration on the hosts would hold it.
    @Suite("Bad input: one clear error, nothing changed")
    struct BadInputTests {
        typealias Converge = ConvergeTests

        /// One defect in an otherwise good inventory of the lab's hosts; `⁂` marks where the
        /// error must point (it is removed before the file is written).
        struct MalformedInventory: Sendable, CustomTestStringConvertible {
            var kind: String
            /// The good inventory's text → the bad one's, with `⁂` at the error.
            var defect: @Sendable (String) -> String
            /// The message after `file:line:column: `.
            var message: String
            var testDescription: String { kind }
        }

        static let malformed: [MalformedInventory] = [
            .init(kind: "syntax error (a missing comma)",
                  defect: { $0.replacingFirst(#""name": "\#(first)", "address""#, with: #""name": "\#(first)" ⁂"address""#) },
                  message: #"expected ',' or '}' after an object member, found '"'"#),
            .init(kind: "trailing comma",
                  defect: { $0.replacingFirst("}\n  ]\n}", with: "},\n  ⁂]\n}") },
                  message: "expected a JSON value after ',', found ']' (JSON does not allow a trailing comma)"),
            .init(kind: "duplicate key",
                  defect: { $0.replacingFirst(#"{"name": "\#(first)", "#, with: #"{"name": "\#(first)", ⁂"name": "lab99", "#) },
                  message: "duplicate key \"name\"; first defined at line 7, column 6"),
            .init(kind: "wrong type",
                  defect: { $0.replacingFirst(#""groups": ["lab"]}"#, with: #""groups": ⁂"lab"}"#) },
                  message: #"hosts[0].groups: expected an array of group names, found a string (write ["lab"])"#),
            .init(kind: "unknown key, with a suggestion",
                  defect: { $0.replacingFirst(#""address""#, with: #"⁂"adress""#) },
                  message: #"hosts[0]: unknown key "adress" (did you mean "address"?); allowed keys: name, address, port, user, groups, roles, vars, ssh"#),
            .init(kind: "hosts misspelt",
                  defect: { $0.replacingFirst(#""hosts": ["#, with: #"⁂"host": ["#) },
                  message: #"unknown key "host" (did you mean "hosts"?); allowed keys: secrets, ssh, vars, groups, hosts"#),
            .init(kind: "no hosts at all",
                  defect: { text in "⁂" + text.components(separatedBy: ",\n  \"hosts\"")[0] + "\n}\n" },
                  message: #"missing required key "hosts""#),
            .init(kind: "bad port",
                  defect: { $0.replacingFirst(#""name": "\#(first)", "#, with: #""name": "\#(first)", "port": ⁂70000, "#) },
                  message: "hosts[0].port: expected an integer from 1 to 65535, found 70000"),
            .init(kind: "duplicate host name",
                  defect: { $0.replacingFirst(#"{"name": "\#(Lab.hosts[1].name)""#, with: #"{"name": ⁂"\#(first)""#) },
                  message: #"hosts[1].name: duplicate host name "\#(first)"; first defined at line 7, column 14 (hosts[0])"#),
            .init(kind: "bad value of a setting",
                  defect: { $0.replacingFirst(#""hostKeyPolicy":"strict""#, with: #""hostKeyPolicy":⁂"sometimes""#) },
                  message: #"ssh.hostKeyPolicy: expected "strict" or "accept-new", found "sometimes""#),
            .init(kind: "an Ansible habit (a group's children)",
                  defect: { $0.replacingFirst(#""lab": {"roles""#, with: #""lab": {⁂"children": [], "roles""#) },
                  message: #"groups.lab: unknown key "children" (nested groups are not supported; list every group in the host's "groups" array); allowed keys: vars, roles, ssh"#),
            .init(kind: "not an object", defect: { _ in "⁂[]\n" },
                  message: "expected an object at the top level, found an array"),
            .init(kind: "empty file", defect: { _ in "⁂" },
                  message: "expected a JSON value, found end of input"),
        ]

        /// The first lab host's name.
        static var first: String { Lab.hosts[0].name }

        /// The lab's hosts, laid out one host a line (the first on line 7), with a tripwire
        /// greeting.
        static func goodInventory(tripwire: String) throws -> String {
            let lab = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Lab.inventory))) as! [String: Any]
            let ssh = try JSONSerialization.data(withJSONObject: lab["ssh"] ?? [:], options: [.sortedKeys, .withoutEscapingSlashes])
            let lines = [
                "{",
                #"  "ssh": \#(String(decoding: ssh, as: UTF8.self)),"#,
                #"  "groups": {"#,
                #"    "lab": {"roles": ["base", "base-defaults", "lab-app"], "vars": {"greeting": "\#(tripwire)"}}"#,
                "  },",
                #"  "hosts": ["#,
            ] + Lab.hosts.enumerated().map { index, host in
                #"    {"name": "\#(host.name)", "address": "\#(host.address)", "groups": ["lab"]}"# + (index < Lab.hosts.count - 1 ? "," : "")
            } + ["  ]", "}", ""]
            return lines.joined(separator: "\n")
        }

        /// Not one host's daemon configuration holds `tripwire` (a host never converged has
        /// none at all): nothing was applied.
        static func expectUntouched(_ tripwire: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            for host in Lab.hosts {
                let found = try await Fault.shell("cat /etc/converge-test-daemon.conf 2>/dev/null | grep -c \(shellWord(tripwire)) || true", on: host)
                #expect(found.stdoutText == "0\n", "\(host.name) was changed", sourceLocation: sourceLocation)
            }
        }

        static func shellWord(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

        @Test("the good inventory these are made from converges as it is")
        func goodInventoryIsGood() throws {
            let scratch = try TemporaryDirectory()
            let path = scratch.path + "/good.json"
            try Self.goodInventory(tripwire: "hello from converge").write(toFile: path, atomically: true, encoding: .utf8)
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[6].hasPrefix(#"    {"name": "\#(Self.first)""#), "the first host is not on line 7: \(lines)")
            let plan = try Converge.converge(["plan", path])
            #expect(plan.status == 0 || plan.status == 2, "\(plan.output)")
        }

        @Test("malformed inventory JSON: exactly one error, naming file:line:column; exit 1; nothing changed",
              arguments: malformed)
        func malformedInventory(_ bad: MalformedInventory) async throws {
            let scratch = try TemporaryDirectory()
            let tripwire = "bad input \(UUID())"
            let marked = bad.defect(try Self.goodInventory(tripwire: tripwire))
            let marker = try #require(marked.range(of: "⁂"), "the defect left no marker")
            let before = marked[..<marker.lowerBound]
            let line = before.split(separator: "\n", omittingEmptySubsequences: false).count
            let column = (before.split(separator: "\n", omittingEmptySubsequences: false).last?.unicodeScalars.count ?? 0) + 1
            let path = scratch.path + "/inventory.json"
            try marked.replacingOccurrences(of: "⁂", with: "").write(toFile: path, atomically: true, encoding: .utf8)

            for command in [["apply", path], ["plan", path]] {
                let result = try Converge.converge(command)
                #expect(result.status == 1, "\(command[0]): \(result.output)")
                #expect(result.output == "Error: \(path):\(line):\(column): \(bad.message)\n", "\(command[0])")
            }
            try await Self.expectUntouched(tripwire)
        }

        @Test("invalid UTF-8 in the inventory: one error naming file:line:column")
        func invalidUTF8() throws {
            let scratch = try TemporaryDirectory()
            let text = try Self.goodInventory(tripwire: "x")
            let path = scratch.path + "/inventory.json"
            var bytes = Data(text.replacingFirst(#""name": "\#(Self.first)""#, with: #""name": "\#(Self.first)~""#).utf8)
            bytes[bytes.firstIndex(of: UInt8(ascii: "~"))!] = 0xFF
            try bytes.write(to: URL(fileURLWithPath: path))
            let result = try Converge.converge(["apply", path])
            #expect(result.status == 1)
            // Line 7: `    {"name": "lab01` then the bad byte.
            let column = #"    {"name": "\#(Self.first)"#.count + 1
            #expect(result.output == "Error: \(path):7:\(column): invalid UTF-8 byte 0xFF in a string\n", "\(result.output)")
        }

        @Test("an inventory that cannot be read: one error naming the file")
        func unreadableInventory() throws {
            let path = "/nonexistent/converge-\(UUID()).json"
            let result = try Converge.converge(["apply", path])
            #expect(result.status == 1)
            #expect(result.output == "Error: \(path): cannot read the inventory: No such file or directory\n", "\(result.output)")
        }

        /// Refused before any host is contacted: one line naming the inventory, the role and
        /// the hosts that have it.
        @Test("unknown role: refused before contacting any host, naming the file, the hosts and the role")
        func unknownRole() async throws {
            let scratch = try TemporaryDirectory()
            let tripwire = "bad input \(UUID())"
            let path = scratch.path + "/inventory.json"
            try Self.goodInventory(tripwire: tripwire).replacingFirst(#""lab-app""#, with: #""lab-ap""#)
                .write(toFile: path, atomically: true, encoding: .utf8)
            let shown = Lab.hosts.prefix(5).map(\.name).joined(separator: ", ") + (Lab.hosts.count > 5 ? " and \(Lab.hosts.count - 5) more" : "")
            for command in [["apply", path], ["plan", path]] {
                let result = try Converge.converge(command)
                #expect(result.status == 1, "\(result.output)")
                #expect(result.output == """
                    Error: \(path): unknown role "lab-ap" (hosts \(shown)): the playbook has base, base-defaults, lab-app, bench, kernel, logins, apt-repository, debconf, scheduled, edits, mounts, reboot, holds, health

                    """, "\(command[0])")
            }
            try await Self.expectUntouched(tripwire)
        }

        /// A resource a host's roles get wrong: every host is refused at planning (exit 1),
        /// each with one line naming the host and the resource, and none is changed.
        struct BadResource: Sendable, CustomTestStringConvertible {
            var kind: String
            var vars: [String: String]
            var message: String
            var testDescription: String { kind }
        }

        static let badResources: [BadResource] = [
            // The role pins converge-test-hello; extra_packages declares it again.
            .init(kind: "duplicate resource", vars: ["extra_packages": #"["converge-test-hello"]"#],
                  message: "duplicate resource package:converge-test-hello: resource #"),
            .init(kind: "dependency cycle", vars: ["cycle": "true"],
                  message: "dependency cycle: command:cycle one -> command:cycle two -> command:cycle one"),
            .init(kind: "path with ..", vars: ["payload_path": #""/srv/../etc/converge-payload""#],
                  message: "file:/srv/../etc/converge-payload: the path has a `.` or `..` component: write the path it means"),
            .init(kind: "path with a newline", vars: ["payload_path": #""/srv/converge\npayload""#],
                  message: #"file:"/srv/converge\npayload": the path has a control character (U+A), e.g. a newline"#),
            .init(kind: "owner that does not exist on the host",
                  vars: ["payload_path": #""/srv/converge-payload-owned""#, "payload_owner": #""nosuchuser""#],
                  message: #"file:/srv/converge-payload-owned: owner "nosuchuser" does not exist on the host: declare User("nosuchuser"), or require the package that creates it (requires: [.package(...)])"#),
        ]

        @Test("bad resources: one line per host naming the host and the resource; exit 1; nothing changed",
              arguments: badResources)
        func badResource(_ bad: BadResource) async throws {
            let scratch = try TemporaryDirectory()
            let tripwire = "bad input \(UUID())"
            // The vars' values are JSON.
            var vars: [String: Any] = ["greeting": tripwire]
            for (name, json) in bad.vars {
                vars[name] = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
            }
            let inventory = try Converge.makeInventory(withLabVars: vars, in: scratch)

            let apply = try Converge.converge(["apply", inventory])
            #expect(apply.status == 1, "\(apply.output)")
            // Before the summary: the run's first line, then exactly one line per host, the error; nothing else.
            let report = apply.output.components(separatedBy: "\nSUMMARY\n")
            let lines = report[0].split(separator: "\n").map(String.init)
            #expect(lines.count == Lab.hosts.count + 1 && lines[0].hasPrefix("converge apply: "), "\(apply.output)")
            for host in Lab.hosts {
                let said = RunLog.lines(of: host.name, in: apply.output)
                #expect(said.count == 1 && said[0].hasPrefix("plan: \(bad.message)"), "\(apply.output)")
            }
            #expect(report.count == 2 && report[1].contains("\(Lab.hosts.count) host(s): 0 ok, 0 changed, \(Lab.hosts.count) failed"),
                    "\(apply.output)")

            let plan = try Converge.converge(["plan", inventory])
            #expect(plan.status == 1, "\(plan.output)")
            #expect(plan.output.split(separator: "\n").filter { $0.contains(": plan: ") }.count == Lab.hosts.count, "\(plan.output)")
            try await Self.expectUntouched(tripwire)
        }
    }
}

extension String {
    /// This text with the first occurrence of `target` replaced (unchanged without one).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
