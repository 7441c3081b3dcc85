import Foundation

/// Why an inventory could not be read, parsed, validated or queried.
///
/// Its description is one line in the form compilers use, so terminals and
/// editors can jump to the spot:
///
///     inventory/prod.json:7:15: hosts[2].port: expected an integer from 1 to 65535, found a string
///
/// Errors without a place in the file (the file cannot be read, a selector names
/// nothing) leave out the line and column: `inventory/prod.json: …`.
public struct InventoryError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The inventory's path or display name, as given to the loader.
    public var file: String
    /// Where in the file the problem is, if it is in the file.
    public var position: SourcePosition?
    /// The JSON path of the offending value, such as `hosts[2].port` or
    /// `groups.web.ssh`; empty for syntax errors and errors about the whole file.
    public var path: String
    /// What is wrong, usually as "expected …, found …".
    public var message: String
    /// A second position the message refers to: the first definition of a
    /// duplicate key or host name.
    public var relatedPosition: SourcePosition?

    /// Creates an error.
    public init(
        file: String, position: SourcePosition?, path: String, message: String,
        relatedPosition: SourcePosition? = nil
    ) {
        self.file = file
        self.position = position
        self.path = path
        self.message = message
        self.relatedPosition = relatedPosition
    }

    /// The 1-based line of ``position``.
    public var line: Int? { position?.line }

    /// The 1-based column of ``position``, in Unicode scalars.
    public var column: Int? { position?.column }

    /// `file:line:column: path: message`, leaving out what is not known.
    public var description: String {
        var text = file
        if let position { text += ":\(position.line):\(position.column)" }
        text += ": "
        if !path.isEmpty { text += path + ": " }
        return text + message
    }

    /// The same as ``description``, for code that prints `localizedDescription`.
    public var errorDescription: String? { description }
}
