/// A fact whose value is what a shell command prints: for a resource type of a playbooks
/// package, which reads the output its own way.
///
/// ```swift
/// ShellFact(name: "hostname", command: "cat /etc/hostname")
/// ```
public struct ShellFact: Fact {
    /// Names the fact, and so its command: two facts of one host with one name must run one command.
    public var name: String
    /// The POSIX `sh` run on the target, as ``Fact/command`` describes.
    public var command: String

    public init(name: String, command: String) {
        self.name = name
        self.command = command
    }

    /// The command's standard output, exactly.
    public func parse(_ output: String) -> String { output }
}
