import Foundation
import Testing
import TestSupport

@testable import Facts

/// A Debian release with fixtures under Fixtures/<name>/, and what the facts should find.
struct Release: Sendable, CustomTestStringConvertible {
    let name: String
    let versionID: String
    let pointRelease: String
    let majorVersion: Int
    let systemdVersion: Int
    let kernelRelease: String
    let packageCount: Int
    let installedCount: Int
    /// Whether Fixtures/<name>/probe holds a recorded probe run.
    let isRecorded: Bool

    var testDescription: String { name }

    static let all = [
        Release(
            name: "jessie", versionID: "8", pointRelease: "8.11", majorVersion: 8,
            systemdVersion: 215, kernelRelease: "3.16.0-6-amd64",
            packageCount: 47, installedCount: 46, isRecorded: false),
        Release(
            name: "stretch", versionID: "9", pointRelease: "9.13", majorVersion: 9,
            systemdVersion: 232, kernelRelease: "4.9.0-13-amd64",
            packageCount: 31, installedCount: 30, isRecorded: false),
        Release(
            name: "bullseye", versionID: "11", pointRelease: "11.11", majorVersion: 11,
            systemdVersion: 247, kernelRelease: "5.10.0-33-amd64",
            packageCount: 133, installedCount: 133, isRecorded: true),
        Release(
            name: "bookworm", versionID: "12", pointRelease: "12.15", majorVersion: 12,
            systemdVersion: 252, kernelRelease: "6.1.0-28-amd64",
            packageCount: 138, installedCount: 138, isRecorded: true),
        Release(
            name: "trixie", versionID: "13", pointRelease: "13.7", majorVersion: 13,
            systemdVersion: 257, kernelRelease: "6.12.48+deb13-amd64",
            packageCount: 122, installedCount: 122, isRecorded: true),
    ]

    static let recorded = all.filter(\.isRecorded)

    /// The boundary of the recorded probes.
    static let recordingBoundary = "--converge-0123456789abcdef--"

    func fixture(_ file: String) throws -> String {
        try Fixture.text("\(name)/\(file)")
    }

    /// What `DebianReleaseFact.command` prints on this release.
    func releaseOutput() throws -> String {
        let debianVersion = try fixture("debian_version").split(separator: "\n").first ?? ""
        return try fixture("os-release") + "\nCONVERGE_DEBIAN_VERSION=\(debianVersion)\n"
    }

    /// What `InitSystemFact.command` prints on this release booted with systemd.
    func initSystemOutput() throws -> String {
        let version = try fixture("systemctl-version").split(separator: "\n").first ?? ""
        return "systemd-running yes\npid1 systemd\nsystemctl \(version)\n"
    }
}

enum Fixture {
    static func text(_ path: String) throws -> String {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }
}

/// A POSIX shell on this machine; jessie's is dash.
struct Shell: Sendable, CustomTestStringConvertible {
    /// The command that starts the shell, e.g. `["/usr/bin/busybox", "sh"]`.
    let command: [String]
    var testDescription: String { command.joined(separator: " ") }

    /// `/bin/sh`, and whichever of dash, bash, posh and busybox's ash are installed.
    static let available: [Shell] = [
        ["/bin/sh"], ["/bin/dash"], ["/usr/bin/dash"], ["/bin/bash", "--posix"],
        ["/usr/bin/posh"], ["/bin/busybox", "sh"], ["/usr/bin/busybox", "sh"],
    ]
    .filter { FileManager.default.isExecutableFile(atPath: $0[0]) }
    // /bin and /usr/bin are one folder on merged-/usr systems: keep one of each shell.
    .reduce(into: [[String]]()) { shells, command in
        let name = command.map { ($0 as NSString).lastPathComponent }
        if !shells.contains(where: { $0.map { ($0 as NSString).lastPathComponent } == name }) {
            shells.append(command)
        }
    }
    .map(Shell.init(command:))

    /// Runs `script` with `-c`.
    func run(_ script: String) throws -> ProcessRun {
        try TestSupport.run(command + ["-c", script])
    }
}

/// A fact with a command and a parser given in place, for probe tests.
struct ScriptedFact: Fact {
    var name: String
    var command: String
    var parser: @Sendable (String) throws -> String = { $0 }

    init(_ name: String, _ command: String, parser: @escaping @Sendable (String) throws -> String = { $0 }) {
        self.name = name
        self.command = command
        self.parser = parser
    }

    func parse(_ output: String) throws -> String { try parser(output) }
}
