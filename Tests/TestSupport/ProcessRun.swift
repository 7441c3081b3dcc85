import Foundation

/// What a process printed, and how it exited.
public struct ProcessRun: Sendable {
    public var stdout: String
    public var stderr: String
    public var status: Int32
}

/// Runs `arguments[0]` with the rest as its arguments, `input` on standard input and
/// `environment` added to this process's.
///
/// Output goes through temporary files, so a big output cannot fill a pipe and block, and
/// a daemon the program leaves running cannot keep the caller waiting for end of file.
public func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> ProcessRun {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("converge-run-\(UUID().uuidString)")
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
