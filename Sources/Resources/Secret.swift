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
    /// How converge makes the secret when its file does not exist yet (on the first run);
    /// nil when it must exist. Only for ``Source/file(_:)`` sources.
    public var generator: Generator?

    /// A secret converge can make itself, once, on the controller.
    public enum Generator: Sendable, Hashable, Codable, CustomStringConvertible {
        /// `length` random letters and digits.
        case password(length: Int)
        /// A self-signed TLS certificate and its private key (ECDSA P-256), PEM-encoded one
        /// after the other, as HAProxy and nginx read them; valid for `days` days.
        case selfSignedCertificate(commonName: String, alternativeNames: [String], days: Int)

        public var description: String {
            switch self {
            case .password(let length): "a random \(length)-character password"
            case .selfSignedCertificate(let name, _, _): "a self-signed certificate for \(name)"
            }
        }
    }

    public init(source: Source, generator: Generator? = nil) {
        self.source = source
        self.generator = generator
    }

    /// The secret held by the controller's environment variable `name`.
    public static func environment(_ name: String) -> Secret { Secret(source: .environment(name)) }

    /// The secret held by the controller's file at `path`; with a `generator`, made there
    /// (mode 0600) the first time it is needed, then kept.
    public static func file(_ path: String, generatedAs generator: Generator? = nil) -> Secret {
        Secret(source: .file(path), generator: generator)
    }

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

/// Text with secrets in it, written to a host as one secret file: the text around the
/// secrets may be kept in plans, the secrets never are.
///
/// ```swift
/// let password = Secret.file("/etc/converge/secrets/db-app", generatedAs: .password(length: 32))
/// File("/etc/app/db.cnf", content: .secret("[client]\nuser = app\npassword = \(password)\n"))
/// File("/etc/app/token", content: .secret(.environment("APP_TOKEN")))   // the secret alone
/// ```
public struct SecretText: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// A run of plain text, or a secret's bytes.
    public enum Part: Sendable, Hashable, Codable {
        case text(String)
        case secret(Secret)
    }

    public private(set) var parts: [Part]

    /// The text that is exactly one secret.
    public init(_ secret: Secret) {
        parts = [.secret(secret)]
    }

    public init(parts: [Part]) {
        self.parts = parts
    }

    public init(stringLiteral value: String) {
        parts = [.text(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
    }

    /// Builds the parts of `"text \(secret) text \(value)"`.
    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            append(literal)
        }

        /// A secret, resolved on the controller when the file is written.
        public mutating func appendInterpolation(_ secret: Secret) {
            parts.append(.secret(secret))
        }

        /// Any other value, as text.
        public mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            append(value.description)
        }

        private mutating func append(_ text: String) {
            guard !text.isEmpty else { return }
            if case .text(let previous) = parts.last {
                parts[parts.count - 1] = .text(previous + text)
            } else {
                parts.append(.text(text))
            }
        }
    }

    /// The secret held by the controller's environment variable `name`, alone.
    public static func environment(_ name: String) -> SecretText { SecretText(.environment(name)) }

    /// The secret held by the controller's file at `path`, alone; see ``Secret/file(_:generatedAs:)``.
    public static func file(_ path: String, generatedAs generator: Secret.Generator? = nil) -> SecretText {
        SecretText(.file(path, generatedAs: generator))
    }

    /// The secrets in the text, in order, each once.
    public var secrets: [Secret] {
        var seen = Set<Secret>()
        return parts.compactMap { part in
            if case .secret(let secret) = part, seen.insert(secret).inserted { secret } else { nil }
        }
    }

    /// The bytes of the text with each secret's value put in; nil when one has no value.
    public func rendered(with value: (Secret.Source) -> Data?) -> Data? {
        var data = Data()
        for part in parts {
            switch part {
            case .text(let text): data.append(contentsOf: text.utf8)
            case .secret(let secret):
                guard let bytes = value(secret.source) else { return nil }
                data.append(bytes)
            }
        }
        return data
    }

    /// `secret from file /x`, or `text with secrets from file /x, environment variable Y`.
    public var description: String {
        let sources = secrets.map(\.source.description).joined(separator: ", ")
        if parts.count == 1, case .secret = parts[0] { return "secret from \(sources)" }
        return "text with secrets from \(sources)"
    }
}
