import CLibSSH2
import Foundation

/// How a host's key is trusted.
public enum HostKeyPolicy: Sendable, Equatable {
    /// Only a key already in known_hosts is accepted (OpenSSH's `StrictHostKeyChecking yes`).
    case strict
    /// An unknown host's key is recorded in known_hosts; a changed key is still refused.
    case acceptNew
    /// Only the key with this SHA256 fingerprint (`SHA256:<base64>`, as `ssh` prints it) is accepted.
    case pinned(fingerprint: String)
}

/// The key a host presented during the handshake.
public struct HostKey: Sendable, Equatable {
    /// The key's type, e.g. `ssh-ed25519`, as known_hosts names it.
    public var typeName: String
    /// The type as OpenSSH shows it in messages, e.g. `ED25519`.
    public var displayName: String
    /// The public key blob.
    public var blob: [UInt8]

    /// The SHA256 fingerprint the way `ssh` and `ssh-keygen -l` print it.
    public var fingerprint: String
}

/// The host key types libssh2 can verify, in OpenSSH's order of preference.
enum HostKeyType: CaseIterable {
    case ed25519, ecdsa256, ecdsa384, ecdsa521, rsa, dss

    init?(libssh2Type: Int32) {
        switch libssh2Type {
        case LIBSSH2_HOSTKEY_TYPE_ED25519: self = .ed25519
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: self = .ecdsa256
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: self = .ecdsa384
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: self = .ecdsa521
        case LIBSSH2_HOSTKEY_TYPE_RSA: self = .rsa
        case LIBSSH2_HOSTKEY_TYPE_DSS: self = .dss
        default: return nil
        }
    }

    /// The name in a known_hosts line.
    var keyName: String {
        switch self {
        case .ed25519: "ssh-ed25519"
        case .ecdsa256: "ecdsa-sha2-nistp256"
        case .ecdsa384: "ecdsa-sha2-nistp384"
        case .ecdsa521: "ecdsa-sha2-nistp521"
        case .rsa: "ssh-rsa"
        case .dss: "ssh-dss"
        }
    }

    var displayName: String {
        switch self {
        case .ed25519: "ED25519"
        case .ecdsa256, .ecdsa384, .ecdsa521: "ECDSA"
        case .rsa: "RSA"
        case .dss: "DSA"
        }
    }

    /// Host key algorithms negotiating this key type, best first.
    var algorithms: [String] {
        switch self {
        case .rsa: ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
        default: [keyName]
        }
    }

    /// The key type bits of libssh2's knownhost typemask.
    var knownHostMask: Int32 {
        switch self {
        case .ed25519: LIBSSH2_KNOWNHOST_KEY_ED25519
        case .ecdsa256: LIBSSH2_KNOWNHOST_KEY_ECDSA_256
        case .ecdsa384: LIBSSH2_KNOWNHOST_KEY_ECDSA_384
        case .ecdsa521: LIBSSH2_KNOWNHOST_KEY_ECDSA_521
        case .rsa: LIBSSH2_KNOWNHOST_KEY_SSHRSA
        case .dss: LIBSSH2_KNOWNHOST_KEY_SSHDSS
        }
    }
}

extension HostKey {
    /// Reads the key the server presented after a handshake.
    init?(session: Session) {
        var length = 0
        var type: Int32 = 0
        guard let pointer = libssh2_session_hostkey(session.raw, &length, &type),
              let keyType = HostKeyType(libssh2Type: type) else { return nil }
        let blob = pointer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
        guard let hash = libssh2_hostkey_hash(session.raw, LIBSSH2_HOSTKEY_HASH_SHA256) else { return nil }
        let digest = hash.withMemoryRebound(to: UInt8.self, capacity: 32) { Data(UnsafeBufferPointer(start: $0, count: 32)) }
        self.init(typeName: keyType.keyName, displayName: keyType.displayName, blob: blob,
                  fingerprint: HostKey.fingerprint(sha256: digest))
    }

    /// `SHA256:` and the unpadded base64 of the digest, exactly as OpenSSH formats it.
    static func fingerprint(sha256 digest: Data) -> String {
        var encoded = digest.base64EncodedString()
        while encoded.hasSuffix("=") { encoded.removeLast() }
        return "SHA256:" + encoded
    }
}
