import Facts
import Foundation
import Testing
import TestSupport

@testable import Drift

/// `docs/drift-report.schema.json`, found from this file: Tests/DriftTests/ → ../../docs.
let schemaURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("docs/drift-report.schema.json")

/// Whether `python3 -c 'import jsonschema'` works here.
let pythonHasJSONSchema: Bool = {
    (try? runPython(["-c", "import jsonschema"]))?.status == 0
}()

/// Runs python3 (from PATH, through env) with `arguments`.
func runPython(_ arguments: [String]) throws -> ProcessRun {
    try run(["/usr/bin/env", "python3"] + arguments)
}

@Suite struct JSONTests {
    @Test func roundTrips() throws {
        for report in [try mixedReport(), try mixedReport(history: FindingHistory(
            newKeys: ["release/web"], resolved: [ResolvedFinding(key: "kernel/web", summary: "web: 2 kernels")])),
            hostileReport(), smallReport(), try labReport()]
        {
            let data = try report.json()
            #expect(try DriftReport(json: data) == report)
            // Encoding is deterministic.
            #expect(try report.json() == data)
        }
    }

    @Test func writesTheVersionedDocument() throws {
        let data = try mixedReport().json()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schema"] as? String == "converge-drift-report")
        #expect(object["version"] as? Int == 2)
        #expect(object["sweptAt"] as? String == "2026-01-15T12:00:00Z")
        #expect(object["durationSeconds"] as? Double == 12.5)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["exitStatus"] as? Int == 3)
        #expect(summary["endOfLifeHosts"] as? Int == 3)
        let text = String(decoding: data, as: UTF8.self)
        // Sorted keys, slashes unescaped.
        #expect(text.hasPrefix("{\n  \"durationSeconds\" : 12.5,\n  \"findings\" : ["))
        #expect(text.contains(#""key" : "drift/web01/file:/etc/motd""#))
        #expect(text.contains(#""eolELTS" : "2025-06-30""#))
        #expect(text.hasSuffix("}\n"))
    }

    @Test func carriesDiffsStatesAndMaintenance() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: try labReport().json()) as? [String: Any])
        let hosts = try #require(object["hosts"] as? [[String: Any]])
        func host(_ name: String) throws -> [String: Any] { try #require(hosts.first { $0["name"] as? String == name }) }
        let motd = try #require((try host("lab01")["drift"] as? [[String: Any]])?.first)
        let content = try #require(motd["content"] as? [String: Any])
        #expect(content["diff"] as? [String] == labMotdDiff)
        #expect(content["isSecret"] as? Bool == false)
        let token = try #require((try host("lab04")["drift"] as? [[String: Any]])?.first)
        // A secret says it differs, and nothing else: no digest, no size.
        #expect(token["content"] as? [String: Any] as NSDictionary? == ["diff": [], "isSecret": true] as NSDictionary)
        let daemon = try #require((try host("lab03")["drift"] as? [[String: Any]])?.first)
        #expect(daemon["state"] as? String == "masked")
        #expect(daemon["since"] as? String == "2026-12-01T11:30:00Z")
        let maintenance = try #require(try host("lab04")["maintenance"] as? [String: Any])
        #expect((maintenance["heldPackages"] as? [[String: Any]])?.first?["package"] as? String == "tzdata")
        #expect((maintenance["reboot"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["flagged", "libc"])
        #expect(maintenance["listsAgeSeconds"] as? Int == 989)
        #expect((try host("lab05")["unverified"] as? [[String: Any]])?.first?["resource"] as? String == "file:/etc/lab/token")
    }

    @Test func refusesOtherSchemasAndVersions() throws {
        let text = String(decoding: try smallReport().json(), as: UTF8.self)
        for changed in [
            text.replacingOccurrences(of: #""version" : 2"#, with: #""version" : 1"#),
            text.replacingOccurrences(of: #""schema" : "converge-drift-report""#, with: #""schema" : "converge-plan""#),
        ] {
            #expect(changed != text)
            #expect(throws: DecodingError.self) { try DriftReport(json: Data(changed.utf8)) }
        }
    }

    @Test(.enabled(if: pythonHasJSONSchema, "python3 with the jsonschema module is not installed: schema validation skipped"))
    func matchesTheJSONSchema() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drift-schema-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var documents: [String] = []
        let reports = [
            try mixedReport(), hostileReport(), smallReport(),
            try mixedReport(history: FindingHistory(newKeys: ["release/web"], resolved: [])),
            try labReport(),
        ]
        for (index, report) in reports.enumerated() {
            let file = directory.appendingPathComponent("report\(index).json")
            try report.json().write(to: file)
            documents.append(file.path)
        }
        let script = """
            import json, sys
            from jsonschema import Draft202012Validator, FormatChecker
            schema = json.load(open(sys.argv[1]))
            Draft202012Validator.check_schema(schema)
            validator = Draft202012Validator(schema, format_checker=FormatChecker())
            failed = False
            for path in sys.argv[2:]:
                for error in validator.iter_errors(json.load(open(path))):
                    failed = True
                    print(path, "/".join(map(str, error.absolute_path)), error.message)
            # A document that breaks the schema must fail, or the check proves nothing.
            broken = json.load(open(sys.argv[2]))
            broken["hosts"][0]["status"] = "asleep"
            del broken["summary"]["exitStatus"]
            if validator.is_valid(broken):
                print("a broken document passed"); failed = True
            sys.exit(1 if failed else 0)
            """
        let run = try runPython(["-c", script, schemaURL.path] + documents)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    }
}
