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

    public var command: String { "uname -r && uname -v && uname -m" }

    public func parse(_ output: String) throws -> Kernel {
        let lines = lines(of: output).map { String($0.trimmingWhitespace()) }
        guard lines.count == 3, !lines.contains(where: \.isEmpty) else {
            throw FactParseError("expected 3 lines from uname -r, -v and -m, found \(lines.count): \(output)")
        }
        return Kernel(release: lines[0], version: lines[1], machine: lines[2])
    }
}
