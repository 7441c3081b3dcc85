import Facts
import Foundation
import Resources
import Secrets
import Testing

@testable import Planner

@Suite struct PlanDocumentTests {
    func samplePlan() throws -> HostPlan {
        let state = HostState(
            packages: ["nginx": notInstalled(candidate: "1.22.1-9")], aptLists: freshLists,
            paths: ["/etc/motd": fileState("old\n")], services: ["nginx.service": running()])
        return try plan([
            Package("nginx"), File("/etc/motd", content: "new\n", mode: 0o640, notifies: [.service("nginx")]),
            File("/etc/key", content: .secret(.file("/etc/converge/key"))), Service("nginx"),
        ], state, secrets: SecretValues([.file("/etc/converge/key"): Data("private key".utf8)]))
    }

    @Test func roundTrips() throws {
        let original = Plan(hosts: [try samplePlan()], createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        let data = try original.jsonData()
        #expect(try Plan(jsonData: data) == original)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains(#""schema" : "converge-plan""#))
        #expect(json.contains(#""version" : 2"#))
        #expect(json.contains(#""createdAt" : "2023-11-14T22:13:20Z""#))
        #expect(json.contains(#""resource" : "file:/etc/motd""#))
        #expect(json.contains(#""secretText" : {"#))
        #expect(json.contains(#""file" : "/etc/converge/key""#))
        #expect(!json.contains("private key"))
        #expect(!json.contains(Data("private key".utf8).base64EncodedString()))
    }

    @Test func readsQueriesSavedWithoutContentHashes() throws {
        let original = Plan(hosts: [try samplePlan()], createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(original.hosts[0].query.contentSHA256 == ["/etc/motd": sha256Hex(Data("new\n".utf8))])
        // A plan saved before contentSHA256 existed: its query fetches every content.
        var object = try JSONSerialization.jsonObject(with: original.jsonData()) as! [String: Any]
        var hosts = object["hosts"] as! [[String: Any]]
        var query = hosts[0]["query"] as! [String: Any]
        query.removeValue(forKey: "contentSHA256")
        hosts[0]["query"] = query
        object["hosts"] = hosts
        let older = try Plan(jsonData: JSONSerialization.data(withJSONObject: object))
        #expect(older.hosts[0].query.contentSHA256 == [:])
        #expect(older.hosts[0].query.contentPaths == ["/etc/motd"])
        var probe = FactProbe()
        _ = older.hosts[0].query.add(to: &probe)
        #expect(probe.script.contains("converge_content 0 "))
        #expect(!probe.script.contains(sha256Hex(Data("new\n".utf8))))
        var current = FactProbe()
        _ = original.hosts[0].query.add(to: &current)
        #expect(current.script.contains(sha256Hex(Data("new\n".utf8))))
    }

    @Test func rejectsOtherSchemasAndVersions() throws {
        var object = try JSONSerialization.jsonObject(with: Plan(hosts: []).jsonData()) as! [String: Any]
        object["version"] = 3
        #expect(throws: PlanDocumentError(message: "plan schema version 3 is not 2")) {
            try Plan(jsonData: JSONSerialization.data(withJSONObject: object))
        }
        #expect(throws: PlanDocumentError(message: "not a converge plan (schema missing)")) {
            try Plan(jsonData: Data("{}".utf8))
        }
    }

    @Test func savedSecretsAreReadAgainAndChecked() throws {
        let hostPlan = try samplePlan()
        try withTemporaryDirectory { directory in
            // The plan names /etc/converge/key; point a copy at a file of ours.
            var copy = hostPlan
            let keyPath = directory + "/key"
            for index in copy.changes.indices {
                if case .writeFile(let path, .secret(_, let sha, let size), let owner, let group, let mode) = copy.changes[index].operation {
                    copy.changes[index].operation = .writeFile(
                        path: path, bytes: .secret(text: .file(keyPath), digest: sha, size: size), owner: owner, group: group, mode: mode)
                }
            }
            try Data("private key".utf8).write(to: URL(fileURLWithPath: keyPath))
            // A run's reader reads each secret once: each check below is another run's.
            func reader() -> SecretReader { SecretReader(store: nil, identities: [], environment: [:], repository: nil) }
            let secrets = try SecretValues(resolving: copy, with: reader(), key: SecretValues.testKey)
            #expect(secrets[.file(keyPath)] == Data("private key".utf8))
            #expect(try ApplyScript(plan: copy, secrets: secrets).text.contains(Data("private key".utf8).base64EncodedString()))
            try Data("rotated".utf8).write(to: URL(fileURLWithPath: keyPath))
            #expect(throws: PlanError.secret(.file("/etc/key"), .file(keyPath), "changed since the plan was made")) {
                try SecretValues(resolving: copy, with: reader(), key: SecretValues.testKey)
            }
            // The digest is keyed: another team's key does not vouch for the content.
            try Data("private key".utf8).write(to: URL(fileURLWithPath: keyPath))
            #expect(throws: PlanError.secret(.file("/etc/key"), .file(keyPath), "changed since the plan was made")) {
                try SecretValues(resolving: copy, with: reader(), key: PlanKey(bytes: Data(repeating: 9, count: 32)))
            }
        }
    }

    @Test func secretsResolveFromTheEnvironment() throws {
        let resources: [any Resource] = [File("/a", content: .secret(.environment("DB")))]
        let secrets = try SecretValues(
            resolving: resources, with: SecretReader(store: nil, identities: [], environment: ["DB": "pw"], repository: nil),
            key: SecretValues.testKey)
        #expect(secrets[.environment("DB")] == Data("pw".utf8))
        #expect(throws: PlanError.secret(.file("/a"), .environment("DB"), "the environment variable DB is not set")) {
            try SecretValues(
                resolving: resources, with: SecretReader(store: nil, identities: [], environment: [:], repository: nil),
                key: SecretValues.testKey)
        }
    }

    /// A saved plan is signed with the team's plan key: an edit, or another key, is refused;
    /// a plan whose operations a planner would never make is refused before it runs.
    @Test func savedPlansAreSignedAndChecked() throws {
        let key = PlanKey(bytes: Data(repeating: 1, count: 32))
        let original = Plan(hosts: [try samplePlan()], inventory: "/srv/inventory.json")
        let signed = try original.jsonData(signedWith: key)
        #expect(try Plan(jsonData: signed, verifiedWith: key).hosts == original.hosts)

        let edited = Data(String(decoding: signed, as: UTF8.self).replacingOccurrences(of: "/etc/motd", with: "/etc/shadow").utf8)
        #expect(throws: PlanDocumentError.self) { try Plan(jsonData: edited, verifiedWith: key) }
        #expect(throws: PlanDocumentError.self) {
            try Plan(jsonData: signed, verifiedWith: PlanKey(bytes: Data(repeating: 2, count: 32)))
        }
        #expect(throws: PlanDocumentError(message: "the plan is not signed: make it with `converge plan --out`")) {
            try Plan(jsonData: original.jsonData(), verifiedWith: key)
        }

        var forged = try samplePlan()
        forged.changes[0].operation = .writeFile(path: "/etc/../shadow", bytes: .inline(Data()), owner: nil, group: nil, mode: 0o644)
        #expect(throws: PlanError.invalid(forged.changes[0].resource, "the path has a `.` or `..` component: write the path it means")) {
            try forged.validateOperations()
        }
        forged.changes[0].operation = .systemctl(unit: "ssh.service", verbs: ["mask"])
        #expect(throws: PlanError.invalid(forged.changes[0].resource, "not a systemctl verb: mask")) {
            try forged.validateOperations()
        }
        forged.changes[0].operation = .setAttributes(path: "/etc/x", owner: "--reference=/etc/shadow", group: nil, mode: nil)
        #expect(throws: PlanError.self) { try forged.validateOperations() }
        #expect(throws: Never.self) { try samplePlan().validateOperations() }
    }

    @Test func fingerprintIgnoresTheClockButNotTheHost() {
        let state = HostState(aptLists: freshLists, paths: ["/a": fileState("x")])
        var later = state
        later.aptLists?.now += 60
        later.paths["/a"]?.content = nil
        #expect(state.fingerprint == later.fingerprint)
        // apt's lists read as a fact of their own (the package baseline's): the same.
        let lists = AptListsFact().name
        let baseline = HostState(factOutputs: [lists: FactOutput(stdout: "indexes 4\nstamp 1796472812\nnow 1796473282\n", stderr: "", exitStatus: 0)])
        var baselineLater = baseline
        baselineLater.factOutputs[lists]?.stdout = "indexes 4\nstamp 1796472812\nnow 1796473283\n"
        #expect(baseline.fingerprint == baselineLater.fingerprint)
        var refreshed = baseline
        refreshed.factOutputs[lists]?.stdout = "indexes 4\nstamp 1796473000\nnow 1796473283\n"
        #expect(baseline.fingerprint != refreshed.fingerprint)
        var changed = state
        changed.paths["/a"]?.mode = 0o600
        #expect(state.fingerprint != changed.fingerprint)
        #expect(state.fingerprint.count == 64)
    }

    @Test func queryCoversEveryResource() throws {
        let query = try HostStateQuery(resources: [
            Package("nginx"), File("/a", content: "x"), File("/s", content: .secret(.environment("S"))),
            Directory("/d"), Symlink("/l", target: "/a"), Service("nginx"), User("u"), Group("g"),
            Command("c", "true", creates: "/c"), Command("always", "true"),
        ])
        #expect(query.packages == ["nginx"])
        // A secret file's digest record on the host, beside it.
        #expect(query.paths == ["/a", "/s", SecretDigestRecord.path(of: "/s"), "/d", "/l"])
        #expect(query.contentPaths == ["/a"])
        #expect(query.contentSHA256 == ["/a": sha256Hex(Data("x".utf8))])
        #expect(query.units == ["nginx.service"])
        #expect(query.users == ["u"])
        #expect(query.groups == ["g"])
        #expect(query.commands == ["c"])
        var probe = FactProbe()
        _ = query.add(to: &probe)
        // Packages (apt's lists with them, when asked), paths, units, users, groups, guards.
        #expect(probe.count == 6)
        try expectValidSyntax(probe.script)
    }
}

@Suite struct RendererTests {
    @Test func rendersAHost() throws {
        let state = HostState(
            packages: ["nginx": notInstalled(candidate: "1")], aptLists: freshLists,
            paths: ["/etc/motd": fileState("one\ntwo\nthree\n"), "/etc/key": fileState("k", mode: 0o600, withContent: false)],
            services: ["nginx.service": running()])
        let hostPlan = try plan([
            Package("nginx"),
            File("/etc/motd", content: "one\n2\nthree\n", mode: 0o640, notifies: [.service("nginx")]),
            File("/etc/key", content: .secret(.environment("K"))),
            File("/etc/old", .absent), Service("nginx"),
        ], state, secrets: SecretValues([.environment("K"): Data("new key".utf8)]))
        let newKey = String(SecretValues.testKey.digest(Data("new key".utf8)).prefix(12))
        #expect(PlanRenderer.render(hostPlan) == """
            web1: 4 changes
              + package:nginx  not installed
                  version: (none) → latest
              ~ file:/etc/motd  content differs; mode 0644, want 0640
                  mode: 0644 → 0640
                  --- /etc/motd
                  +++ /etc/motd
                  @@ -1,3 +1,3 @@
                   one
                  -two
                  +2
                   three
              ~ file:/etc/key  content differs
                  (secret content changed: keyed digest \(newKey)…)
              * service:nginx  restart: notified by file:/etc/motd

            """)
        let empty = HostPlan(host: "web2", factsFingerprint: "", query: try HostStateQuery(resources: []), changes: [])
        #expect(PlanRenderer.render(Plan(hosts: [hostPlan, empty])).hasSuffix("web2: no changes\n\n2 hosts: 1 to change, 4 changes in all\n"))
    }

    @Test func newFilesDiffFromDevNull() throws {
        let change = try #require(try plan([File("/etc/new", content: "a\nb")], HostState()).changes.first)
        #expect(PlanRenderer.render(change) == [
            "+ file:/etc/new  does not exist", "    mode: (none) → 0644", "    --- /dev/null", "    +++ /etc/new",
            "    @@ -0,0 +1,2 @@", "    +a", "    +b", #"    \ No newline at end of file"#,
        ])
    }

    @Test func crlfFilesDiffLineByLine() throws {
        // The host's file has CRLF endings, the playbook's LF: every line differs, visibly.
        let state = HostState(paths: ["/etc/app.ini": fileState("[main]\r\nport=80\r\n")])
        let change = try #require(try plan([File("/etc/app.ini", content: "[main]\nport=80\n")], state).changes.first)
        #expect(PlanRenderer.render(change) == [
            "~ file:/etc/app.ini  content differs", "    --- /etc/app.ini", "    +++ /etc/app.ini",
            "    @@ -1,2 +1,2 @@", "    -[main]\u{240D}", "    -port=80\u{240D}", "    +[main]", "    +port=80",
        ])
    }

    @Test func binaryAndUnfetchedContentShowHashes() throws {
        let state = HostState(paths: ["/bin/x": fileState("old", withContent: false)])
        let change = try #require(try plan([File("/bin/x", content: .data(Data([0, 1])))], state).changes.first)
        let old = String(sha256Hex(Data("old".utf8)).prefix(12))
        let new = String(sha256Hex(Data([0, 1])).prefix(12))
        #expect(PlanRenderer.render(change).last == "    (binary content changed: sha256 \(old)… (3 bytes) → \(new)… (2 bytes))")
    }
}

@Suite struct LineDiffTests {
    @Test func equalTextsHaveNoHunks() {
        #expect(LineDiff.unified(old: "a\nb\n", new: "a\nb\n") == [])
        #expect(LineDiff.unified(old: "", new: "") == [])
    }

    @Test func hunksWithContext() {
        let old = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n"
        var newLines = (1...20).map { "line \($0)" }
        newLines[1] = "changed 2"
        newLines.insert("inserted", at: 15)
        let new = newLines.joined(separator: "\n") + "\n"
        #expect(LineDiff.unified(old: old, new: new) == [
            "@@ -1,5 +1,5 @@", " line 1", "-line 2", "+changed 2", " line 3", " line 4", " line 5",
            "@@ -13,6 +13,7 @@", " line 13", " line 14", " line 15", "+inserted", " line 16", " line 17", " line 18",
        ])
    }

    @Test func finalNewlineChanges() {
        #expect(LineDiff.unified(old: "a\nb\n", new: "a\nb") == [
            "@@ -1,2 +1,2 @@", " a", "-b", "+b", #"\ No newline at end of file"#,
        ])
        #expect(LineDiff.unified(old: "x\n", new: "") == ["@@ -1 +0,0 @@", "-x"])
    }

    @Test func crlfTextsSplitIntoLines() {
        // "\r\n" is one Character in Swift; the lines still end at its "\n".
        let (lines, terminated) = LineDiff.splitLines("a\r\nb\r\n")
        #expect(lines == ["a\r", "b\r"])
        #expect(terminated)
        #expect(LineDiff.unified(old: "a\r\nb\r\nc\r\n", new: "a\r\nB\r\nc\r\n") == [
            "@@ -1,3 +1,3 @@", " a\u{240D}", "-b\u{240D}", "+B\u{240D}", " c\u{240D}",
        ])
        #expect(LineDiff.unified(old: "", new: "x\r\ny\r\n") == ["@@ -0,0 +1,2 @@", "+x\u{240D}", "+y\u{240D}"])
    }

    @Test func aChangedLineEndingShowsItsCarriageReturn() {
        #expect(LineDiff.unified(old: "a\nb\n", new: "a\nb\r\n") == ["@@ -1,2 +1,2 @@", " a", "-b", "+b\u{240D}"])
        // Without a final newline, the last line's CR is still shown.
        #expect(LineDiff.unified(old: "a\r", new: "a") == [
            "@@ -1 +1 @@", "-a\u{240D}", #"\ No newline at end of file"#, "+a", #"\ No newline at end of file"#,
        ])
        // A CR inside a line stays in it, shown.
        #expect(LineDiff.unified(old: "a\rb\n", new: "a\rc\n") == ["@@ -1 +1 @@", "-a\u{240D}b", "+a\u{240D}c"])
    }

    @Test func shortestEdits() {
        // The shortest edit script of Myers' paper example has 5 edits.
        let edits = LineDiff.diff(["a", "b", "c", "a", "b", "b", "a"], ["c", "b", "a", "b", "a", "c"])
        #expect(edits.filter { if case .same = $0 { false } else { true } }.count == 5)
    }
}
