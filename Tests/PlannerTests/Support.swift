import Facts
import Foundation
import Resources
import Testing

@testable import Planner

enum Fixture {
    static func text(_ path: String) throws -> String {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }
}

/// What a process printed, and how it exited.
struct ProcessRun {
    var stdout: String
    var stderr: String
    var status: Int32
}

/// Runs `arguments[0]` with the rest as its arguments, `input` on standard input and
/// `environment` added to this process's. Output goes through files so it cannot block.
func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> ProcessRun {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("planner-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let stdin = directory.appendingPathComponent("stdin")
    let stdout = directory.appendingPathComponent("stdout")
    let stderr = directory.appendingPathComponent("stderr")
    try Data(input.utf8).write(to: stdin)
    try Data().write(to: stdout)
    try Data().write(to: stderr)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = try FileHandle(forReadingFrom: stdin)
    process.standardOutput = try FileHandle(forWritingTo: stdout)
    process.standardError = try FileHandle(forWritingTo: stderr)
    try process.run()
    process.waitUntilExit()
    return ProcessRun(
        stdout: String(decoding: try Data(contentsOf: stdout), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: stderr), as: UTF8.self),
        status: process.terminationStatus)
}

/// jessie's /bin/sh: dash.
let dash: String = ["/bin/dash", "/usr/bin/dash"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/bin/sh"

/// Checks `script`'s syntax with `dash -n`.
func expectValidSyntax(_ script: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let check = try run([dash, "-n", "-c", script])
    #expect(check.status == 0, "dash -n: \(check.stderr)", sourceLocation: sourceLocation)
    #expect(check.stderr == "", sourceLocation: sourceLocation)
}

/// A fresh temporary directory, removed by `body`'s end.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("planner-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Names that break naive shell code and line-based parsing.
let awkwardNames = [
    "with space", "it's", #"say "hi""#, "$(touch pwned)", "`id`", "new\nline", "tab\there", "ünïcødé ✓", "-dash",
    "back\\slash", "semi;colon", "*glob?",
]

/// A file state as the path fact reports one.
func fileState(
    _ content: String, owner: String = "root", group: String = "root", mode: UInt16 = 0o644, withContent: Bool = true
) -> PathState {
    let data = Data(content.utf8)
    return PathState(
        kind: .file, mode: mode, uid: owner == "root" ? 0 : 1000, gid: group == "root" ? 0 : 1000, owner: owner,
        group: group, size: data.count, sha256: sha256Hex(data), content: withContent ? data : nil)
}

func directoryState(owner: String = "root", group: String = "root", mode: UInt16 = 0o755) -> PathState {
    PathState(kind: .directory, mode: mode, uid: 0, gid: 0, owner: owner, group: group, size: 4096)
}

func installed(_ version: String, candidate: String? = nil, available: [String]? = nil) -> PackageState {
    PackageState(
        status: PackageStatus("install ok installed"), version: version, candidate: candidate ?? version,
        availableVersions: available ?? [candidate ?? version, version])
}

func notInstalled(candidate: String?, available: [String]? = nil) -> PackageState {
    PackageState(status: nil, version: nil, candidate: candidate, availableVersions: available ?? candidate.map { [$0] } ?? [])
}

/// Fresh lists: updated an hour ago.
let freshLists = AptLists(packageIndexCount: 4, lastUpdate: 1_700_000_000 - 3600, now: 1_700_000_000)

func plan(
    _ resources: [any Resource], _ state: HostState, secrets: SecretValues = SecretValues()
) throws -> HostPlan {
    try Planner.plan(host: "web1", resources: resources, state: state, secrets: secrets)
}

func running(enabled: Bool = true) -> ServiceState {
    ServiceState(loadState: "loaded", activeState: "active", enablement: enabled ? "enabled" : "disabled")
}

func stopped(enabled: Bool = false) -> ServiceState {
    ServiceState(loadState: "loaded", activeState: "inactive", enablement: enabled ? "enabled" : "disabled")
}
