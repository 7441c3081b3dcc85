import Foundation

/// A secret value that lives on the controller, never in a playbook, a plan or a log.
///
/// It is read at plan time (and again at apply time from a saved plan, which keeps only
/// the ``source`` and the content's keyed digest), so the value itself is never written down.
///
/// ```swift
/// File("/etc/app/db-password", content: .secret(.stored("db-password", generatedAs: .password(length: 32))))
/// File("/etc/app/token", content: .secret(.environment("APP_TOKEN")))
/// ```
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the controller reads the secret from.
    public enum Source: Sendable, Hashable, Codable, CustomStringConvertible {
        /// A secret of the team's store (the inventory's `secrets`), by name: encrypted in
        /// the playbooks repository, the same for every controller of the team.
        case store(String)
        /// An environment variable of the controller process; its value's UTF-8 bytes.
        case environment(String)
        /// A file on the controller, read as bytes: outside the repository, which keeps
        /// no plaintext secret.
        case file(String)

        public var description: String {
            switch self {
            case .store(let name): "secret store entry \(name)"
            case .environment(let name): "environment variable \(name)"
            case .file(let path): "file \(path)"
            }
        }

        private enum CodingKeys: String, CodingKey { case store, environment, file }

        // {"store": "NAME"}, {"environment": "NAME"} or {"file": "/path"}, rather than the synthesized `_0` form.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let name = try container.decodeIfPresent(String.self, forKey: .store) {
                self = .store(name)
            } else if let name = try container.decodeIfPresent(String.self, forKey: .environment) {
                self = .environment(name)
            } else if let path = try container.decodeIfPresent(String.self, forKey: .file) {
                self = .file(path)
            } else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "a secret source needs \"store\", \"environment\" or \"file\""))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .store(let name): try container.encode(name, forKey: .store)
            case .environment(let name): try container.encode(name, forKey: .environment)
            case .file(let path): try container.encode(path, forKey: .file)
            }
        }
    }

    public var source: Source
    /// How converge makes the secret when the store does not have it yet (on the first
    /// run); nil when it must exist. Only for ``Source/store(_:)`` sources.
    public var generator: Generator?

    /// A secret converge can make itself, once, into the team's store.
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

    /// The secret `name` of the team's store; with a `generator`, made there (encrypted)
    /// the first time a controller needs it, then the same for every controller.
    public static func stored(_ name: String, generatedAs generator: Generator? = nil) -> Secret {
        Secret(source: .store(name), generator: generator)
    }

    /// The secret held by the controller's environment variable `name`.
    public static func environment(_ name: String) -> Secret { Secret(source: .environment(name)) }

    /// The secret held by the controller's file at `path`, which must exist and lie
    /// outside the playbooks repository.
    public static func file(_ path: String) -> Secret { Secret(source: .file(path)) }

    public var description: String { "secret from \(source)" }
}

/// A secret could not be read (or made) on the controller.
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
/// let password = Secret.stored("db-app", generatedAs: .password(length: 32))
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

    /// The secret held by the controller's file at `path`, alone; see ``Secret/file(_:)``.
    public static func file(_ path: String) -> SecretText { SecretText(.file(path)) }

    /// The secret `name` of the team's store, alone; see ``Secret/stored(_:generatedAs:)``.
    public static func stored(_ name: String, generatedAs generator: Secret.Generator? = nil) -> SecretText {
        SecretText(.stored(name, generatedAs: generator))
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
