/// A piece of knowledge about a target host: a shell command run on the target
/// and a parser run on the controller.
///
/// Facts are gathered in batches by ``FactProbe``, which runs many facts' commands
/// in one shell script so that one SSH round trip yields them all.
public protocol Fact: Sendable {
    /// The type the parser produces.
    associatedtype Value: Sendable

    /// A name for messages, such as `DebianReleaseFact` or `FileFact(/etc/hosts)`.
    ///
    /// Defaults to the type's name.
    var name: String { get }

    /// A POSIX `sh` snippet run on the target; its standard output is passed to ``parse(_:)``.
    ///
    /// It must run on Debian 8 jessie's `dash` and coreutils 8.23 as well as on current Debian:
    /// no bashisms, no GNU flags newer than coreutils 8.23, `printf` rather than `echo -e`.
    /// It runs with `eval` in its own subshell of the probe's `sh`, with standard input from
    /// `/dev/null`, no positional parameters, `LC_ALL=C`, and `/usr/sbin`, `/sbin` on `PATH`;
    /// it may `exit`. A non-zero exit status makes the fact fail.
    ///
    /// Every process it starts costs the host a fork and an exec: batch work into few
    /// commands (one `stat` over many paths) rather than one per item.
    var command: String { get }

    /// Reads the command's standard output.
    ///
    /// - Throws: ``FactParseError`` when the output is not what the command produces.
    func parse(_ output: String) throws -> Value
}

extension Fact {
    public var name: String { String(describing: Self.self) }
}

/// A fact's output could not be understood.
public struct FactParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was wrong, e.g. `line 3: expected 4 tab-separated fields, found 2`.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The lines of `text`, split on `\n` only; a final newline gives no empty last line.
///
/// Splits Unicode scalars because Swift treats `\r\n` as one `Character` that is not `\n`.
func lines(of text: String) -> [Substring] {
    var lines = text.unicodeScalars
        .split(separator: "\n", omittingEmptySubsequences: false)
        .map { Substring($0) }
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines
}
