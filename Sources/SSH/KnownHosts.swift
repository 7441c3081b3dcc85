import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSH known_hosts file read through libssh2's knownhost API
/// (plain and hashed entries, `[host]:port` for other ports).
final class KnownHosts {
    enum Verdict { case match, mismatch, notFound }

    let path: String
    private let collection: OpaquePointer
    private let session: Session

    /// Reads `path`; a missing file is an empty collection, an unreadable one an error.
    init(path: String, session: Session) throws {
        guard let collection = libssh2_knownhost_init(session.raw) else {
            throw session.error(.hostKey, "cannot create a known-hosts collection")
        }
        self.path = path
        self.collection = collection
        self.session = session
        if FileManager.default.fileExists(atPath: path) {
            let count = libssh2_knownhost_readfile(collection, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH)
            if count < 0 {
                throw session.error(.hostKey, "cannot read known hosts file \(path)", code: count)
            }
        }
    }

    deinit { libssh2_knownhost_free(collection) }

    /// The key types recorded for this host, so the handshake can ask for one of them,
    /// as OpenSSH does: libssh2 would otherwise negotiate ECDSA while known_hosts holds ED25519.
    ///
    /// libssh2 has no lookup by host; but checking a dummy key of one type answers
    /// "mismatch" exactly when an entry of that type exists, hashed names included.
    func recordedKeyTypes(host: String, port: Int) -> [HostKeyType] {
        HostKeyType.allCases.filter { type in
            verdict(for: [0], type: type, host: host, port: port) == .mismatch
        }
    }

    func verdict(for key: HostKey, host: String, port: Int) -> Verdict {
        guard let type = HostKeyType.allCases.first(where: { $0.keyName == key.typeName }) else { return .notFound }
        return verdict(for: key.blob, type: type, host: host, port: port)
    }

    private func verdict(for blob: [UInt8], type: HostKeyType, host: String, port: Int) -> Verdict {
        let mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostMask
        let result = blob.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                libssh2_knownhost_checkp(collection, host, Int32(port), chars.baseAddress, chars.count, mask, nil)
            }
        }
        switch result {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH: return .match
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: return .mismatch
        default: return .notFound
        }
    }

    /// Appends `key` for `host` the way `ssh` records a new host, creating the file (0600) if needed.
    static func record(_ key: HostKey, host: String, port: Int, in path: String) throws {
        let name = port == 22 ? host : "[\(host)]:\(port)"
        let line = "\(name) \(key.typeName) \(Data(key.blob).base64EncodedString())\n"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        // One write(2) on an O_APPEND descriptor: concurrent sessions never interleave lines.
        recordLock.lock()
        defer { recordLock.unlock() }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SSHError(host: host, phase: .hostKey, kind: .failed, message: "cannot open \(path): \(errnoText())")
        }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw SSHError(host: host, phase: .hostKey, kind: .failed, message: "cannot write \(path): \(errnoText())")
        }
    }
}

private let recordLock = NSLock()
