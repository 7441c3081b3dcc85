import Foundation

/// Where a renderer writes its text: standard output, standard error, or (in tests) a
/// closure. Each write is one `write(2)` of whole lines, so lines of hosts worked on at
/// once never mix.
public struct TextOutput: Sendable {
    private let sink: @Sendable (String) -> Void
    /// The file descriptor written to, when it is one.
    public let descriptor: Int32?

    public init(descriptor: Int32? = nil, _ sink: @escaping @Sendable (String) -> Void) {
        self.sink = sink
        self.descriptor = descriptor
    }

    /// Whether the output is a terminal (a live display redraws in place only there).
    public var isTerminal: Bool { descriptor.map { isatty($0) == 1 } ?? false }

    public func write(_ text: String) {
        sink(text)
    }

    public static let standardOutput = TextOutput(descriptor: STDOUT_FILENO) { text in
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public static let standardError = TextOutput(descriptor: STDERR_FILENO) { text in
        FileHandle.standardError.write(Data(text.utf8))
    }
}
