/// Why a lab command cannot go on: what was asked, and what to do instead.
public struct LabError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
