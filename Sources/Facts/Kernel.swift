/// The running kernel, from `uname`.
public struct Kernel: Codable, Equatable, Sendable {
    /// `uname -r`, e.g. `6.1.0-28-amd64`.
    public var release: String
    /// `uname -v`, e.g. `#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)`;
    /// on Debian it holds the kernel package's version.
    public var version: String
    /// `uname -m`, e.g. `x86_64`.
    public var machine: String

    public init(release: String, version: String, machine: String) {
        self.release = release
        self.version = version
        self.machine = machine
    }
}

/// The host's running ``Kernel``.
public struct KernelFact: Fact {
    public init() {}

    /// One uname: it prints release, version and machine on one line, in that order; the
    /// release and the machine hold no spaces, the version does.
    public var command: String { "uname -r -v -m" }

    public func parse(_ output: String) throws -> Kernel {
        let lines = lines(of: output).map { String($0.trimmingWhitespace()) }
        // Recordings of the earlier probe have the three on lines of their own.
        if lines.count == 3, !lines.contains(where: \.isEmpty) {
            return Kernel(release: lines[0], version: lines[1], machine: lines[2])
        }
        let words = lines.first?.split(separator: " ") ?? []
        guard lines.count == 1, words.count >= 3 else {
            throw FactParseError("expected the release, version and machine from uname -r -v -m: \(output)")
        }
        return Kernel(release: String(words[0]), version: words.dropFirst().dropLast().joined(separator: " "),
                      machine: String(words[words.count - 1]))
    }
}
