import Foundation
import SSH
import TestSupport

/// The fleet of Debian containers booted by `scripts/lab up`, as these tests see it.
struct LabHost: Sendable, CustomStringConvertible {
    var name: String
    var address: String
    var release: String
    var description: String { "\(name) (\(release))" }
}

enum Lab {
    /// Which lab the tests use: `LAB_INSTANCE` as `scripts/lab` reads it (0, the default,
    /// or 1-9 for a second lab beside it).
    static let instance = Int(ProcessInfo.processInfo.environment["LAB_INSTANCE"] ?? "") ?? 0
    private static let suffix = instance == 0 ? "" : "-\(instance)"
    static let stateDirectory = "/var/lib/converge-lab" + suffix
    /// The lab's network: `10.231` for lab 0, `10.232` for lab 1, ….
    static let network = "10.\(231 + instance)"
    static let privateKey = "\(stateDirectory)/id_ed25519"
    static let knownHosts = "\(stateDirectory)/known_hosts"

    /// The generic lab hosts (lab01, …) that inventory/lab.json lists, from the table
    /// `scripts/lab up` writes; empty when the lab is down.
    static let hosts: [LabHost] = table(kind: "lab")

    /// The fleet's hosts (inventory/fleet.json), booted by `scripts/lab up --fleet`.
    static let fleetHosts: [LabHost] = table(kind: "fleet")

    /// The hosts of one kind in hosts.tsv (name, address, release, kind).
    private static func table(kind: String) -> [LabHost] {
        guard let table = try? String(contentsOfFile: "\(stateDirectory)/hosts.tsv", encoding: .utf8) else { return [] }
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 3, (fields.count > 3 ? fields[3] : "lab") == kind else { return nil }
            return LabHost(name: fields[0], address: fields[1], release: fields[2])
        }
    }

    static var isUp: Bool { !hosts.isEmpty }

    /// The repository these tests were built from (scripts/lab, inventory/lab.json).
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The inventory of the generic hosts, which `scripts/lab up` writes.
    static let inventory = repository + "/inventory/lab\(suffix).json"

    /// converge-lab: the command line with the lab tests' roles (Tests/LabPlaybooks), which
    /// inventory/lab.json names; built beside the tests.
    static let labBinary = builtExecutable("converge-lab", overriddenBy: "CONVERGE_LAB_BINARY")

    /// converge itself, with the reference playbooks, for the fleet (inventory/fleet.json):
    /// built by the playbooks/ package (`swift build --package-path playbooks`).
    static let convergeBinary = ProcessInfo.processInfo.environment["CONVERGE_BINARY"].map(URL.init(fileURLWithPath:))
        ?? URL(fileURLWithPath: repository + "/playbooks/.build/debug/converge")

    private static func builtExecutable(_ name: String, overriddenBy variable: String) -> URL {
        if let path = ProcessInfo.processInfo.environment[variable] { return URL(fileURLWithPath: path) }
        // The test bundle sits in the same build directory as the executables.
        return Bundle.main.bundleURL.appendingPathComponent(name)
    }

    /// CI sets this so a missing lab fails the run instead of skipping the lab tests.
    static var isRequired: Bool { ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_LAB"] == "1" }

    static var rootPassword: String {
        (try? String(contentsOfFile: "\(stateDirectory)/root-password", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// One host per release present, so a test covers every release without visiting every host.
    static var onePerRelease: [LabHost] {
        var seen = Set<String>()
        return hosts.filter { seen.insert($0.release).inserted }
    }

    static var first: LabHost { hosts[0] }

    static func target(_ host: LabHost, port: Int = 22) -> SSHTarget {
        SSHTarget(name: host.name, address: host.address, port: port)
    }

    static func options(user: String = "root", identityFiles: [String] = [privateKey], password: String? = nil,
                        passphrase: String? = nil, agentSocket: String? = nil,
                        policy: HostKeyPolicy = .strict, knownHosts: String = knownHosts,
                        timeout: Duration = .seconds(10)) -> SSHOptions {
        SSHOptions(credentials: SSHCredentials(user: user, identityFiles: identityFiles, passphrase: passphrase,
                                               agentSocket: agentSocket, password: password),
                   hostKeyPolicy: policy, knownHostsFile: knownHosts, connectTimeout: timeout)
    }

    static func connect(_ host: LabHost, _ options: SSHOptions = options()) async throws -> SSHConnection {
        try await SSHConnection.connect(to: target(host), options: options)
    }

    /// One connection per host shared by the tests that only run commands, as converge itself
    /// does: many parallel tests each opening their own would trip sshd's MaxStartups (10).
    static func sharedConnection(_ host: LabHost) async throws -> SSHConnection {
        try await connections.connection(to: host)
    }

    private static let connections = ConnectionCache()
}

private actor ConnectionCache {
    private var connections: [String: Task<SSHConnection, any Error>] = [:]

    func connection(to host: LabHost) async throws -> SSHConnection {
        if let existing = connections[host.name] { return try await existing.value }
        let task = Task { try await Lab.connect(host) }
        connections[host.name] = task
        return try await task.value
    }
}

/// Runs a program on the controller (ssh-keygen, ssh-keyscan, scripts/lab, ...) found on
/// PATH, and returns its stdout; a non-zero exit status is an error carrying its stderr.
@discardableResult
func controller(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> String {
    let result = try run(["/usr/bin/env"] + arguments, input: input, environment: environment)
    guard result.status == 0 else {
        throw ControllerError(command: arguments.joined(separator: " "), status: result.status, stderr: result.stderr)
    }
    return result.stdout
}

struct ControllerError: Error, CustomStringConvertible {
    var command: String
    var status: Int32
    var stderr: String
    var description: String { "`\(command)` exited with \(status): \(stderr)" }
}

/// A scratch directory removed when the test ends.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("converge-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A new key pair under this directory; returns the private key's path.
    func makeKey(type: String, name: String, passphrase: String = "") throws -> String {
        let file = "\(path)/\(name)"
        var arguments = ["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", name, "-f", file]
        if type == "rsa" { arguments += ["-b", "3072"] }
        try controller(arguments)
        return file
    }
}

/// The plain lines a run prints when its output is not a terminal, as the tests read them.
enum RunLog {
    /// What the run said of `host`, in order, each line without its time and name
    /// (`12:01:02 web1: 2 changes` → `2 changes`); the summary after the run is not included.
    static func lines(of host: String, in output: String) -> [String] {
        let prefix = " \(host): "
        return output.components(separatedBy: "\nSUMMARY\n")[0].split(separator: "\n", omittingEmptySubsequences: false)
            .compactMap { line -> String? in
                // HH:MM:SS, a space, the host's name.
                guard line.count > 8, line.range(of: #"^\d\d:\d\d:\d\d "#, options: .regularExpression) != nil,
                      line.dropFirst(8).hasPrefix(prefix) else { return nil }
                return String(line.dropFirst(8 + prefix.count))
            }
    }
}
