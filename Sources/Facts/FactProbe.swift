import Shell
import Foundation

/// A batch of facts gathered with one shell script, so one SSH command yields them all.
///
/// ```swift
/// var probe = FactProbe()
/// let release = probe.add(DebianReleaseFact())
/// let packages = probe.add(DebianPackagesFact())
/// let output = try ssh.run(probe.shellCommand)     // the script's standard output
/// let results = probe.results(from: output)
/// let codename = try results.value(for: release).codename
/// ```
///
/// Each fact's command runs with `eval` in its own subshell, so a failing, exiting or even
/// syntactically broken command affects only its own fact, and what it sets or changes
/// (variables, functions, the directory) ends with it; a subshell is a fork, where
/// `/bin/sh -c` would add an exec. The script writes each
/// command's standard output, exit status and standard error between lines that start
/// with ``boundary``, which is random per probe so no command can forge it.
/// Facts whose commands are identical share one run.
public struct FactProbe: Sendable {
    /// The marker that starts each of the script's own lines, e.g. `--converge-<uuid>--`.
    public let boundary: String

    /// The distinct commands of the facts added, in the order the script runs them.
    private(set) var commands: [String] = []
    private var sectionByCommand: [String: Int] = [:]
    private var entries: [Entry] = []

    private struct Entry: Sendable {
        let name: String
        let section: Int
        let parse: @Sendable (String) throws -> any Sendable
    }

    /// Creates an empty probe with a random boundary.
    public init() {
        self.init(boundary: "--converge-\(UUID().uuidString.lowercased())--")
    }

    /// Creates an empty probe with the given boundary, for tests and recordings.
    ///
    /// - Precondition: `boundary` has at least 16 characters, all ASCII letters, digits, `-` or `_`.
    public init(boundary: String) {
        precondition(
            boundary.count >= 16 && boundary.unicodeScalars.allSatisfy(Self.isBoundaryScalar),
            "a probe boundary needs 16 or more of A-Z a-z 0-9 - _")
        self.boundary = boundary
    }

    private static func isBoundaryScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII
            && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
    }

    /// The number of facts added.
    public var count: Int { entries.count }

    /// Adds a fact and returns the key that reads its value from `results(from:)`.
    public mutating func add<F: Fact>(_ fact: F) -> FactKey<F.Value> {
        let command = fact.command
        let section: Int
        if let existing = sectionByCommand[command] {
            section = existing
        } else {
            section = commands.count
            commands.append(command)
            sectionByCommand[command] = section
        }
        entries.append(Entry(name: fact.name, section: section, parse: { try fact.parse($0) }))
        return FactKey(boundary: boundary, index: entries.count - 1)
    }

    /// The POSIX `sh` script that runs every fact's command.
    ///
    /// Run it with ``shellCommand``, or send it on standard input to `/bin/sh -s` when it
    /// is too long for one argument (Linux caps a single argument at 128 KiB).
    /// It always exits 0; each fact's own exit status is in its section.
    public var script: String {
        // Splitting the literal keeps the boundary itself out of the script text, so a
        // command that prints the script (`ps`, /proc/*/cmdline) cannot emit a marker line.
        let middle = boundary.index(boundary.startIndex, offsetBy: boundary.count / 2)
        var script = """
            # converge fact probe
            LC_ALL=C
            export LC_ALL
            PATH="${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin"
            export PATH
            exec 3>&1
            converge_b='\(boundary[..<middle])''\(boundary[middle...])'
            converge_section() {
            \tprintf '%s %s begin\\n' "$converge_b" "$1"
            \tconverge_r=$(
            \t\texec </dev/null 2>&1 1>&3 3>&-
            \t\tconverge_c=$2
            \t\tunset converge_b converge_r converge_s
            \t\tset --
            \t\teval "$converge_c"
            \t)
            \tconverge_s=$?
            \tprintf '\\n%s %s status %s\\n%s\\n%s %s end\\n' "$converge_b" "$1" \
            "$converge_s" "$converge_r" "$converge_b" "$1"
            }

            """
        // In converge_section, the command runs in the command substitution's own subshell
        // (one fork): its stdout goes straight to the probe's stdout (fd 3), its stderr is
        // captured, and the substitution's status is the command's, `exit` included. No
        // temporary files needed. The command starts without positional parameters and
        // without the boundary.
        for (index, command) in commands.enumerated() {
            script += "converge_section \(index) \(shellQuote(command))\n"
        }
        script += "exit 0\n"
        return script
    }

    /// `/bin/sh -c '<script>'`: a command line for SSH that runs ``script`` whatever
    /// POSIX-like login shell the remote user has.
    public var shellCommand: String {
        "/bin/sh -c \(shellQuote(script))"
    }

    /// Splits the script's standard output into sections and parses each fact.
    ///
    /// Never throws: each fact's failure is kept in the results, so one missing file or
    /// failing command does not hide the other facts. Text before the first section
    /// (e.g. from a noisy login script) is ignored.
    public func results(from output: String) -> FactResults {
        let sections = Self.sections(in: output, boundary: boundary, count: commands.count)
        let outcomes = entries.map { entry -> Result<any Sendable, FactError> in
            guard let section = sections[entry.section] else {
                return .failure(.missingOutput(fact: entry.name))
            }
            guard section.exitStatus == 0 else {
                return .failure(.commandFailed(
                    fact: entry.name, exitStatus: section.exitStatus, stderr: section.stderr))
            }
            do {
                return .success(try entry.parse(section.stdout))
            } catch let error as FactParseError {
                return .failure(.unreadableOutput(fact: entry.name, message: error.message))
            } catch {
                return .failure(.unreadableOutput(fact: entry.name, message: "\(error)"))
            }
        }
        return FactResults(
            boundary: boundary, outcomes: outcomes,
            outputs: entries.map { sections[$0.section] })
    }

    /// Splits and parses the script's standard output given as bytes, replacing invalid
    /// UTF-8 rather than rejecting the whole output.
    public func results(from output: Data) -> FactResults {
        results(from: String(decoding: output, as: UTF8.self))
    }

    /// The sections of `output`, one per command index, nil where the output has none
    /// (it was cut short).
    ///
    /// A section is `B i begin`, stdout, `\n`, `B i status N`, stderr, `\n`, `B i end`,
    /// each marker on its own line; the added newlines make stdout exact (stderr, captured by
    /// a command substitution, comes without its trailing newlines).
    static func sections(in output: String, boundary: String, count: Int) -> [FactOutput?] {
        enum State {
            case between
            case stdout(from: Int)
            case stderr(stdout: String, exitStatus: Int32, from: Int)
        }
        let lines = output.unicodeScalars
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { Substring($0) }
        func text(_ range: Range<Int>) -> String { lines[range].joined(separator: "\n") }

        var sections = [FactOutput?](repeating: nil, count: count)
        var next = 0
        var state = State.between
        let prefix = boundary + " "
        for (number, line) in lines.enumerated() where next < count && line.hasPrefix(prefix) {
            let marker = line.dropFirst(prefix.count).split(separator: " ")
            // Only the marker expected next counts; anything else is a command's output.
            guard marker.count >= 2, marker[0] == "\(next)" else { continue }
            switch (state, marker[1], marker.count) {
            case (.between, "begin", 2):
                state = .stdout(from: number + 1)
            case (.stdout(let start), "status", 3):
                guard let status = Int32(marker[2]) else { continue }
                state = .stderr(stdout: text(start..<number), exitStatus: status, from: number + 1)
            case (.stderr(let stdout, let status, let start), "end", 2):
                sections[next] = FactOutput(
                    stdout: stdout, stderr: text(start..<number), exitStatus: status)
                next += 1
                state = .between
            default:
                continue
            }
        }
        return sections
    }
}

/// Identifies a fact added to a ``FactProbe`` and the type of its value.
public struct FactKey<Value: Sendable>: Hashable, Sendable {
    let boundary: String
    let index: Int
}

/// What one fact's command printed, and how it exited.
public struct FactOutput: Codable, Hashable, Sendable {
    /// The command's standard output, exactly.
    public var stdout: String
    /// The command's standard error, exactly.
    public var stderr: String
    /// The command's exit status; 126 or 127 when `sh` could not run it, 128+N after signal N.
    public var exitStatus: Int32

    public init(stdout: String, stderr: String, exitStatus: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
    }
}

/// The parsed facts of one run of a ``FactProbe``.
public struct FactResults: Sendable {
    let boundary: String
    let outcomes: [Result<any Sendable, FactError>]
    let outputs: [FactOutput?]

    /// The fact's value.
    ///
    /// - Throws: ``FactError`` when the fact's command failed, its output was missing,
    ///   or its output could not be parsed.
    /// - Precondition: `key` comes from the probe that made these results.
    public func value<Value>(for key: FactKey<Value>) throws(FactError) -> Value {
        try result(for: key).get()
    }

    /// The fact's value, or why there is none.
    public func result<Value>(for key: FactKey<Value>) -> Result<Value, FactError> {
        precondition(key.boundary == boundary, "a FactKey used with another probe's results")
        // The entry at key.index was made by add(_:) with this Value type.
        return outcomes[key.index].map { $0 as! Value }
    }

    /// The fact's raw output, or nil when the probe's output has no section for it.
    public func output<Value>(for key: FactKey<Value>) -> FactOutput? {
        precondition(key.boundary == boundary, "a FactKey used with another probe's results")
        return outputs[key.index]
    }

    /// Every fact's error, in the order the facts were added.
    public var errors: [FactError] {
        outcomes.compactMap { if case .failure(let error) = $0 { error } else { nil } }
    }
}

/// Why a fact has no value.
public enum FactError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The fact's command exited with a non-zero status.
    case commandFailed(fact: String, exitStatus: Int32, stderr: String)
    /// The probe's output has no complete section for the fact: it was cut short,
    /// e.g. because the connection or the remote shell died.
    case missingOutput(fact: String)
    /// The fact's parser rejected its command's output.
    case unreadableOutput(fact: String, message: String)

    /// The name of the fact, as given by ``Fact/name``.
    public var fact: String {
        switch self {
        case .commandFailed(let fact, _, _), .missingOutput(let fact),
            .unreadableOutput(let fact, _):
            fact
        }
    }

    public var description: String {
        switch self {
        case .commandFailed(let fact, let status, let stderr):
            let stderr = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(fact): command failed with exit status \(status)"
                + (stderr.isEmpty ? " and no error output" : ": \(stderr)")
        case .missingOutput(let fact):
            return "\(fact): the probe's output ended before this fact's section"
        case .unreadableOutput(let fact, let message):
            return "\(fact): unexpected output: \(message)"
        }
    }
}
