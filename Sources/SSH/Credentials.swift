import CLibSSH2
import Foundation

/// Who to log in as and the credentials to try, in this order:
/// private key files, then the ssh-agent's identities, then a password.
public struct SSHCredentials: Sendable {
    public var user: String
    /// Private key files (OpenSSH or PEM format: ed25519, ecdsa, rsa), tried in order.
    public var identityFiles: [String]
    /// The passphrase of encrypted key files.
    public var passphrase: String?
    /// The ssh-agent socket whose identities to try; `nil` skips the agent.
    public var agentSocket: String?
    public var password: String?

    /// - Parameter agentSocket: defaults to `SSH_AUTH_SOCK` from the environment.
    public init(user: String, identityFiles: [String] = [], passphrase: String? = nil,
                agentSocket: String? = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"], password: String? = nil) {
        self.user = user
        self.identityFiles = identityFiles
        self.passphrase = passphrase
        self.agentSocket = agentSocket
        self.password = password
    }
}

extension Session {
    /// Tries each credential the server accepts; throws one error listing every attempt if none works.
    func authenticate(_ credentials: SSHCredentials, until deadline: Deadline) throws {
        let user = credentials.user
        let list: UnsafeMutablePointer<CChar>? = try retrying(.authentication, until: deadline) {
            libssh2_userauth_list(raw, user, UInt32(user.utf8.count))
        }
        if libssh2_userauth_authenticated(raw) != 0 { return }  // the server accepted "none"
        guard let list else {
            throw error(.authentication, "cannot ask which authentication methods \(user) may use")
        }
        let methods = Set(String(cString: list).split(separator: ",").map(String.init))
        var attempts: [String] = []

        if methods.contains("publickey") {
            for file in credentials.identityFiles {
                guard FileManager.default.isReadableFile(atPath: file) else {
                    attempts.append("key \(file): cannot read the file")
                    continue
                }
                let code = try retrying(.authentication, until: deadline) {
                    cv_libssh2_userauth_publickey_fromfile(raw, user, file, credentials.passphrase)
                }
                if code == 0 { return }
                var outcome = "key \(file): \(describe(code))"
                if code == LIBSSH2_ERROR_AUTHENTICATION_FAILED || code == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED,
                   PrivateKeyFile.isRSA(file), serverRefusesSHA1Signatures {
                    outcome += " (libssh2 \(LibSSH2.version) signs RSA keys with SHA-1, which OpenSSH 8.8 and later refuse: use an ed25519 or ecdsa key)"
                }
                attempts.append(outcome)
            }
            if let socket = credentials.agentSocket, !socket.isEmpty {
                if try authenticateWithAgent(at: socket, user: user, deadline: deadline, attempts: &attempts) { return }
            }
        }

        if let password = credentials.password {
            if methods.contains("password") {
                let code = try retrying(.authentication, until: deadline) {
                    cv_libssh2_userauth_password(raw, user, password)
                }
                if code == 0 { return }
                attempts.append("password: \(describe(code))")
            } else if methods.contains("keyboard-interactive") {
                if try authenticateInteractively(user: user, password: password, deadline: deadline) { return }
                attempts.append("password (keyboard-interactive): refused")
            } else {
                attempts.append("password: the server does not allow password login")
            }
        }

        if attempts.isEmpty { attempts.append("no credentials configured that the server accepts") }
        let allowed = methods.sorted().joined(separator: ",")
        throw SSHError(host: host, phase: .authentication, kind: .authenticationFailed,
                       message: "authentication as \(user) failed: \(attempts.joined(separator: "; ")) (server allows: \(allowed))")
    }

    /// OpenSSH 8.8 disabled `ssh-rsa` (SHA-1) signatures, the only RSA kind libssh2 1.10 makes.
    private var serverRefusesSHA1Signatures: Bool {
        guard let banner = libssh2_session_banner_get(raw).map({ String(cString: $0) }),
              let range = banner.range(of: "OpenSSH_") else { return false }
        let version = banner[range.upperBound...].prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
        guard version.count >= 2 else { return false }
        return (version[0], version[1]) >= (8, 8)
    }

    private func describe(_ code: Int32) -> String {
        switch code {
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
            return "refused by the server"
        case LIBSSH2_ERROR_FILE:
            return "cannot load the key (\(lastError.message); wrong passphrase or unsupported format?)"
        default:
            return lastError.message
        }
    }

    private func authenticateWithAgent(at socket: String, user: String, deadline: Deadline,
                                       attempts: inout [String]) throws -> Bool {
        guard let agent = libssh2_agent_init(raw) else { return false }
        defer { libssh2_agent_free(agent) }
        libssh2_agent_set_identity_path(agent, socket)
        guard libssh2_agent_connect(agent) == 0 else {
            attempts.append("agent: cannot connect to \(socket)")
            return false
        }
        defer { libssh2_agent_disconnect(agent) }
        guard libssh2_agent_list_identities(agent) == 0 else {
            attempts.append("agent: cannot list identities")
            return false
        }
        var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var tried = 0
        while libssh2_agent_get_identity(agent, &identity, previous) == 0, let current = identity {
            tried += 1
            let code = try retrying(.authentication, until: deadline) { libssh2_agent_userauth(agent, user, current) }
            if code == 0 { return true }
            previous = current
        }
        attempts.append(tried == 0 ? "agent: holds no identities" : "agent: \(tried) identities refused")
        return false
    }

    /// Servers with `PasswordAuthentication no` may still take a password through keyboard-interactive.
    private func authenticateInteractively(user: String, password: String, deadline: Deadline) throws -> Bool {
        let box = Unmanaged.passRetained(PasswordBox(password))
        cv_libssh2_session_set_abstract(raw, box.toOpaque())
        defer {
            cv_libssh2_session_set_abstract(raw, nil)
            box.release()
        }
        let code = try retrying(.authentication, until: deadline) {
            cv_libssh2_userauth_keyboard_interactive(raw, user, answerWithPassword)
        }
        return code == 0
    }
}

private final class PasswordBox {
    let password: String
    init(_ password: String) { self.password = password }
}

/// Answers every keyboard-interactive prompt with the password kept in the session's abstract pointer.
/// libssh2 frees the answers, so they are allocated with malloc (strdup).
private let answerWithPassword: @convention(c) (
    UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, Int32, Int32,
    UnsafePointer<LIBSSH2_USERAUTH_KBDINT_PROMPT>?, UnsafeMutablePointer<LIBSSH2_USERAUTH_KBDINT_RESPONSE>?,
    UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> Void = { _, _, _, _, count, _, responses, abstract in
    guard let responses, let opaque = abstract?.pointee else { return }
    let password = Unmanaged<PasswordBox>.fromOpaque(opaque).takeUnretainedValue().password
    for index in 0..<Int(count) {
        responses[index].text = strdup(password)
        responses[index].length = UInt32(password.utf8.count)
    }
}

/// What a private key file holds, read just far enough to tell RSA keys apart.
enum PrivateKeyFile {
    static func isRSA(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        if text.contains("BEGIN RSA PRIVATE KEY") { return true }
        guard text.contains("BEGIN OPENSSH PRIVATE KEY") else { return false }
        // The unencrypted header of the OpenSSH format names the public key's type.
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { return false }
        return data.prefix(200).range(of: Data("ssh-rsa".utf8)) != nil
    }
}
