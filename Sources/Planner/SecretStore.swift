import Crypto
import Foundation
import Resources
import SwiftASN1
import X509

/// Reads secrets on the controller, and makes the generated ones the first time they are
/// needed: a random password or a self-signed certificate, written with mode 0600 and
/// then kept, so every later run (and every host sharing it) gets the same secret.
enum SecretStore {
    /// The secret's bytes; a missing file with a generator is made first.
    static func read(_ secret: Secret, environment: [String: String]) throws(SecretError) -> Data {
        if case .file(let path) = secret.source, let generator = secret.generator,
            !FileManager.default.fileExists(atPath: path)
        {
            try create(path, by: generator, source: secret.source)
        }
        return try secret.resolve(environment: environment)
    }

    /// Writes a new secret to `path` without ever replacing one: the bytes go to a
    /// temporary file that is then hard-linked to `path`, which fails if another run (or
    /// another host's plan in this run) made it first; theirs is kept.
    private static func create(_ path: String, by generator: Secret.Generator, source: Secret.Source) throws(SecretError) {
        let bytes: Data
        do {
            bytes = try generate(generator)
        } catch {
            throw SecretError(source: source, message: "cannot make \(generator): \(error)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SecretError(source: source, message: "cannot create \(directory): \(error.localizedDescription)")
        }
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600])
        else { throw SecretError(source: source, message: "cannot write \(temporary)") }
        defer { unlink(temporary) }
        if link(temporary, path) != 0, errno != EEXIST {
            throw SecretError(source: source, message: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func generate(_ generator: Secret.Generator) throws -> Data {
        switch generator {
        case .password(let length):
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
            var random = SystemRandomNumberGenerator()
            return Data((0..<max(length, 1)).map { _ in alphabet.randomElement(using: &random)! })
        case .selfSignedCertificate(let commonName, let alternativeNames, let days):
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName { CommonName(commonName) }
            let now = Date()
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(Double(max(days, 1)) * 86400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(([commonName] + alternativeNames).map { name in
                        if let address = IPv4Address(name) { .ipAddress(address.bytes) } else { .dnsName(name) }
                    })
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
            return Data((try certificate.serializeAsPEM().pemString + "\n" + key.pemRepresentation + "\n").utf8)
        }
    }
}

/// A dotted-quad IPv4 address, for certificates' IP address names.
private struct IPv4Address {
    var bytes: ASN1OctetString

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard let octet = UInt8(part), String(octet) == part else { return nil }
            octets.append(octet)
        }
        bytes = ASN1OctetString(contentBytes: octets[...])
    }
}

extension SecretValues {
    /// Reads every secret the resources use, making the generated ones that do not exist yet.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` naming the resource whose secret is unreadable.
    public init(
        resolving resources: [any Resource], key: ControllerKey,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PlanError) {
        self.init(key: key)
        for resource in resources {
            for text in resource.secretTexts { try read(text, for: resource.id, environment: environment) }
        }
    }

    /// Reads every secret a saved plan writes, and checks each file's content still has the
    /// digest the plan was made with.
    ///
    /// - Throws: ``PlanError/secret(_:_:_:)`` when one is unreadable or has changed.
    public init(
        resolving plan: HostPlan, key: ControllerKey, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PlanError) {
        self.init(key: key)
        for change in plan.changes {
            guard case .writeFile(_, .secret(let text, let digest, _), _, _, _) = change.operation else { continue }
            try read(text, for: change.resource, environment: environment)
            guard key.verifies(digest, of: try render(text, for: change.resource)) else {
                throw .secret(change.resource, text.secrets[0].source, "changed since the plan was made")
            }
        }
    }

    private mutating func read(_ text: SecretText, for resource: ResourceID, environment: [String: String]) throws(PlanError) {
        for secret in text.secrets where self[secret.source] == nil {
            do {
                self[secret.source] = try SecretStore.read(secret, environment: environment)
            } catch {
                throw .secret(resource, secret.source, error.message)
            }
        }
    }
}
