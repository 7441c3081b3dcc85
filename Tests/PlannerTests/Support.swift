import Facts
import Foundation
import Resources
import Testing
import TestSupport

@testable import Planner

enum Fixture {
    static func text(_ path: String) throws -> String {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }
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
    "with space", "it's", #"say "hi""#, "$(touch pwned)", "`id`", "ünïcødé ✓", "-dash",
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
    try Planner.plan(host: "web1", resources: resources, state: state.withBaseAccounts, secrets: secrets)
}

extension HostState {
    /// The state with the accounts every test host has (root, deploy, www-data, adm), as
    /// the probe reports the owners and groups that resources name.
    var withBaseAccounts: HostState {
        var copy = self
        for (name, id) in [("root", 0), ("www-data", 33), ("deploy", 1000)] where copy.users[name] == nil {
            copy.users[name] = UserState(uid: id, gid: id, primaryGroup: name, groups: [name], home: "/home/\(name)", shell: "/bin/sh")
        }
        for (name, id) in [("root", 0), ("adm", 4), ("www-data", 33), ("deploy", 1000)] where copy.groups[name] == nil {
            copy.groups[name] = GroupState(gid: id, members: [])
        }
        return copy
    }
}

func running(enabled: Bool = true) -> ServiceState {
    ServiceState(loadState: "loaded", activeState: "active", enablement: enabled ? "enabled" : "disabled")
}

func stopped(enabled: Bool = false) -> ServiceState {
    ServiceState(loadState: "loaded", activeState: "inactive", enablement: enabled ? "enabled" : "disabled")
}
