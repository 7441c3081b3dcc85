import Foundation

/// A secret value that lives on the controller, never in a playbook, a plan or a log.
///
/// It is read at plan time (and again at apply time from a saved plan, which keeps only
/// the ``source`` and the content's SHA-256), so the value itself is never written down.
///
/// ```swift
/// File("/etc/app/db-password", content: .secret(.environment("DB_PASSWORD")))
/// File("/etc/app/tls.key", content: .secret(.file("/etc/converge/secrets/tls.key")))
/// ```
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the controller reads the secret from.
    public enum Source: Sendable, Hashable, Codable, CustomStringConvertible {
        /// An environment variable of the controller process; its value's UTF-8 bytes.
        case environment(String)
        /// A file on the controller, read as bytes.
        case file(String)

        public var description: String {
            switch self {
            case .environment(let name): "environment variable \(name)"
            case .file(let path): "file \(path)"
            }
        }

        private enum CodingKeys: String, CodingKey { case environment, file }

        // {"environment": "NAME"} or {"file": "/path"}, rather than the synthesized `_0` form.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let name = try container.decodeIfPresent(String.self, forKey: .environment) {
                self = .environment(name)
            } else if let path = try container.decodeIfPresent(String.self, forKey: .file) {
                self = .file(path)
            } else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "a secret source needs \"environment\" or \"file\""))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .environment(let name): try container.encode(name, forKey: .environment)
            case .file(let path): try container.encode(path, forKey: .file)
            }
        }
    }

    public var source: Source

    public init(source: Source) {
        self.source = source
    }

    /// The secret held by the controller's environment variable `name`.
    public static func environment(_ name: String) -> Secret { Secret(source: .environment(name)) }

    /// The secret held by the controller's file at `path`.
    public static func file(_ path: String) -> Secret { Secret(source: .file(path)) }

    public var description: String { "secret from \(source)" }

    /// Reads the secret's bytes on the controller.
    ///
    /// - Parameter environment: The environment to read variables from; the process's by default.
    /// - Throws: ``SecretError`` when the variable is unset or the file cannot be read.
    public func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SecretError) -> Data {
        switch source {
        case .environment(let name):
            guard let value = environment[name] else {
                throw SecretError(source: source, message: "the environment variable \(name) is not set")
            }
            return Data(value.utf8)
        case .file(let path):
            do {
                return try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw SecretError(source: source, message: "cannot read \(path): \(error.localizedDescription)")
            }
        }
    }
}

/// A secret could not be read on the controller.
public struct SecretError: Error, Equatable, Sendable, CustomStringConvertible {
    public var source: Secret.Source
    public var message: String

    public init(source: Secret.Source, message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "secret from \(source): \(message)" }
}
