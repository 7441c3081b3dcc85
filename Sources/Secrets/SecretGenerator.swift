import Crypto
import Foundation
import Resources
import SwiftASN1
import X509

/// Makes the secrets converge generates: a random password, a self-signed certificate.
enum SecretGenerator {
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
