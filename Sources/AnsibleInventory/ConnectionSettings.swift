import Foundation
import Inventory

/// One converge setting and the Ansible var line it came from.
struct Setting<Value: Equatable>: Equatable {
    var value: Value
    var origin: SourceLine
    /// The Ansible var that set it, for messages.
    var variable: String
}

/// converge's SSH settings (and the host address) as Ansible's connection vars set them.
struct ConnectionSettings: Equatable {
    var address: Setting<String>?
    var user: Setting<String>?
    var port: Setting<Int>?
    var identityFile: Setting<String>?
    var passphraseEnvironmentVariable: Setting<String>?
    var passwordEnvironmentVariable: Setting<String>?
    var knownHosts: Setting<String>?
    var hostKeyPolicy: Setting<String>?
    var connectTimeout: Setting<Int>?
    var sudo: Setting<Bool>?
    var sudoPasswordEnvironmentVariable: Setting<String>?

    /// Every setting of `other` that is set replaces this one's, as converge merges `ssh` objects.
    mutating func apply(_ other: ConnectionSettings) {
        func take<Value>(_ path: WritableKeyPath<ConnectionSettings, Setting<Value>?>) {
            if let value = other[keyPath: path] { self[keyPath: path] = value }
        }
        take(\.address); take(\.user); take(\.port); take(\.identityFile)
        take(\.passphraseEnvironmentVariable); take(\.passwordEnvironmentVariable); take(\.knownHosts)
        take(\.hostKeyPolicy); take(\.connectTimeout); take(\.sudo); take(\.sudoPasswordEnvironmentVariable)
    }

    /// The `ssh` object of these settings (without the address), keys in schema order.
    var sshObject: JSONObject {
        var object = JSONObject()
        if let user { object["user"] = .string(user.value) }
        if let port { object["port"] = .integer(port.value) }
        if let identityFile { object["identityFile"] = .string(identityFile.value) }
        if let passphraseEnvironmentVariable { object["passphraseEnv"] = .string(passphraseEnvironmentVariable.value) }
        if let passwordEnvironmentVariable { object["passwordEnv"] = .string(passwordEnvironmentVariable.value) }
        if let knownHosts { object["knownHosts"] = .string(knownHosts.value) }
        if let hostKeyPolicy { object["hostKeyPolicy"] = .string(hostKeyPolicy.value) }
        if let connectTimeout { object["connectTimeout"] = .integer(connectTimeout.value) }
        if let sudo { object["sudo"] = .bool(sudo.value) }
        if let sudoPasswordEnvironmentVariable { object["sudoPasswordEnv"] = .string(sudoPasswordEnvironmentVariable.value) }
        return object
    }

    /// A setting whose value differs between two sets of settings.
    struct Difference {
        /// converge's name for it, such as `port`.
        var setting: String
        /// The definition that decides it (nil: no value at all).
        var expected: (origin: SourceLine, variable: String)?
        /// The definition converge's merge would pick instead.
        var actual: (origin: SourceLine, variable: String)?
    }

    /// For every SSH setting (not the address) whose value in `expected` differs from the
    /// one in `actual`, sets this one's to `expected`'s; returns every difference (those
    /// where `expected` has no value could not be adopted).
    mutating func adopt(differencesFrom expected: ConnectionSettings, comparedWith actual: ConnectionSettings) -> [Difference] {
        var differences: [Difference] = []
        func compare<Value>(_ setting: String, _ path: WritableKeyPath<ConnectionSettings, Setting<Value>?>) {
            let wanted = expected[keyPath: path]
            let merged = actual[keyPath: path]
            guard wanted?.value != merged?.value else { return }
            // A setting Ansible leaves unset cannot be unset on one host in converge.
            if let wanted { self[keyPath: path] = wanted }
            differences.append(Difference(
                setting: setting,
                expected: wanted.map { ($0.origin, $0.variable) },
                actual: merged.map { ($0.origin, $0.variable) }))
        }
        compare("user", \.user)
        compare("port", \.port)
        compare("identityFile", \.identityFile)
        compare("passphraseEnv", \.passphraseEnvironmentVariable)
        compare("passwordEnv", \.passwordEnvironmentVariable)
        compare("knownHosts", \.knownHosts)
        compare("hostKeyPolicy", \.hostKeyPolicy)
        compare("connectTimeout", \.connectTimeout)
        compare("sudo", \.sudo)
        compare("sudoPasswordEnv", \.sudoPasswordEnvironmentVariable)
        return differences
    }
}

/// Maps Ansible's connection vars (`ansible_*`) to converge settings.
///
/// | Ansible vars (the last one set wins, as in Ansible) | converge |
/// |---|---|
/// | `ansible_host`, `ansible_ssh_host` | the host's `address` |
/// | `ansible_port`, `ansible_ssh_port` | `port` |
/// | `ansible_user`, `ansible_ssh_user` | `user` |
/// | `ansible_private_key_file`, `ansible_ssh_private_key_file` | `ssh.identityFile` |
/// | `ansible_private_key_passphrase`, `ansible_ssh_private_key_passphrase` | `ssh.passphraseEnv` |
/// | `ansible_password`, `ansible_ssh_pass`, `ansible_ssh_password` | `ssh.passwordEnv` |
/// | `ansible_become` | `ssh.sudo` |
/// | `ansible_become_password`, `ansible_become_pass`, `ansible_sudo_pass` | `ssh.sudoPasswordEnv` |
/// | `ansible_timeout`, `ansible_ssh_timeout` | `ssh.connectTimeout` |
/// | `ansible_host_key_checking`, `ansible_ssh_host_key_checking`: false | `ssh.hostKeyPolicy`: `accept-new` |
/// | `-o UserKnownHostsFile=`, `-o StrictHostKeyChecking=` in `ansible_ssh_args`, `ansible_ssh_common_args`, `ansible_ssh_extra_args` | `ssh.knownHosts`, `ssh.hostKeyPolicy` |
///
/// Passwords are never copied: the setting names an environment variable to put the
/// password in. `ansible_connection` (SSH kinds), `ansible_become_method: sudo` and
/// `ansible_become_user: root` say what converge does anyway. Every other `ansible_*` var
/// has no converge equivalent and is left out, with a note.
struct ConnectionVarMapper {
    let session: ImportSession
    /// The directory relative key paths are resolved against, as Ansible resolves them
    /// against the directory it runs in.
    let workingDirectory: String

    /// Whether a var is one of Ansible's own (connection, privilege, interpreter, ...),
    /// which converge vars never carry.
    static func isAnsibleVar(_ name: String) -> Bool { name.hasPrefix("ansible_") }

    static let addressVars = ["ansible_host", "ansible_ssh_host"]
    static let portVars = ["ansible_port", "ansible_ssh_port"]
    static let userVars = ["ansible_user", "ansible_ssh_user"]
    static let identityVars = ["ansible_private_key_file", "ansible_ssh_private_key_file"]
    static let passphraseVars = ["ansible_private_key_passphrase", "ansible_ssh_private_key_passphrase"]
    static let passwordVars = ["ansible_password", "ansible_ssh_pass", "ansible_ssh_password"]
    static let becomeVars = ["ansible_become"]
    static let becomePasswordVars = ["ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"]
    static let timeoutVars = ["ansible_timeout", "ansible_ssh_timeout"]
    static let hostKeyCheckingVars = ["ansible_host_key_checking", "ansible_ssh_host_key_checking"]
    static let sshArgumentVars = ["ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args"]
    static let connectionVars = ["ansible_connection"]
    static let becomeMethodVars = ["ansible_become_method"]
    static let becomeUserVars = ["ansible_become_user", "ansible_sudo_user"]

    /// Connection kinds that are SSH, which is what converge speaks.
    static let sshConnections: Set<String> = [
        "ssh", "smart", "paramiko", "paramiko_ssh", "ansible.builtin.ssh", "ansible.builtin.paramiko_ssh",
        "ansible.legacy.ssh", "libssh", "ansible.netcommon.libssh",
    ]

    /// The settings `vars` make. With `report`, every `ansible_*` var that has no
    /// equivalent, and every secret sent to an environment variable, gets a note: pass it
    /// for the vars as written (once per definition), not for a host's merged vars.
    func settings(from vars: VarTable, report: Bool) throws(AnsibleImportError) -> ConnectionSettings {
        var settings = ConnectionSettings()
        var handled: Set<String> = []
        func winner(_ names: [String]) -> (name: String, definition: DefinedVar)? {
            handled.formUnion(names)
            // Ansible takes the last of the alias names that is set and not null.
            return names.compactMap { name in vars[name].map { (name, $0) } }.last { $0.1.value != .null }
        }
        func note(_ definition: DefinedVar, _ message: String) {
            if report { session.note(definition.origin, message) }
        }

        if let (name, definition) = winner(Self.addressVars) {
            let address = try plainText(name, definition)
            try checkAddress(address, name, definition)
            settings.address = Setting(value: address, origin: definition.origin, variable: name)
        }
        if let (name, definition) = winner(Self.portVars) {
            guard let port = pythonInt(definition.value), (1...65535).contains(port) else {
                throw invalid(name, definition, "a port from 1 to 65535")
            }
            settings.port = Setting(value: port, origin: definition.origin, variable: name)
        }
        if let (name, definition) = winner(Self.userVars) {
            let user = try plainText(name, definition)
            guard !user.isEmpty else { throw invalid(name, definition, "a non-empty user name") }
            settings.user = Setting(value: user, origin: definition.origin, variable: name)
        }
        if let (name, definition) = winner(Self.identityVars) {
            let path = try plainText(name, definition)
            if let resolved = try keyPath(path, name, definition, note: note) {
                settings.identityFile = Setting(value: resolved, origin: definition.origin, variable: name)
            }
        }
        if let (name, definition) = winner(Self.passphraseVars) {
            settings.passphraseEnvironmentVariable = secret(name, definition, purpose: "KEY_PASSPHRASE",
                                                            setting: "ssh.passphraseEnv", note: note)
        }
        if let (name, definition) = winner(Self.passwordVars) {
            settings.passwordEnvironmentVariable = secret(name, definition, purpose: "SSH_PASSWORD",
                                                          setting: "ssh.passwordEnv", note: note)
        }
        if let (name, definition) = winner(Self.becomeVars) {
            guard let become = ansibleBoolean(definition.value) else {
                throw invalid(name, definition, "a Boolean (true/false, yes/no, on/off, 1/0)")
            }
            settings.sudo = Setting(value: become, origin: definition.origin, variable: name)
        }
        if let (name, definition) = winner(Self.becomePasswordVars) {
            settings.sudoPasswordEnvironmentVariable = secret(name, definition, purpose: "SUDO_PASSWORD",
                                                              setting: "ssh.sudoPasswordEnv", note: note)
        }
        if let (name, definition) = winner(Self.timeoutVars) {
            guard let seconds = pythonInt(definition.value), (1...3600).contains(seconds) else {
                throw invalid(name, definition, "a number of seconds from 1 to 3600")
            }
            settings.connectTimeout = Setting(value: seconds, origin: definition.origin, variable: name)
        }
        try hostKeySettings(from: vars, into: &settings, handled: &handled, note: note)

        if let (name, definition) = winner(Self.connectionVars), let kind = definition.value.stringValue,
           !Self.sshConnections.contains(kind) {
            note(definition, "\(name)=\(kind) (\(definition.scope)): converge connects over SSH only, so this is left out and the host is reached over SSH")
        }
        if let (name, definition) = winner(Self.becomeMethodVars), let method = definition.value.stringValue, method != "sudo" {
            note(definition, "\(name)=\(method) (\(definition.scope)): converge escalates with sudo only; left out")
        }
        if let (name, definition) = winner(Self.becomeUserVars), let user = definition.value.stringValue, user != "root" {
            note(definition, "\(name)=\(user) (\(definition.scope)): converge's sudo runs commands as root; left out")
        }

        for (name, definition) in vars.entries where Self.isAnsibleVar(name) && !handled.contains(name) {
            note(definition, "\(name) (\(definition.scope)) has no converge equivalent\(Self.reason(for: name)); left out")
        }
        return settings
    }

    /// Why a var has no equivalent, when there is something useful to say.
    private static func reason(for name: String) -> String {
        if name.hasSuffix("_interpreter") { return " (converge runs no Python or other interpreter on the hosts)" }
        if name == "ansible_group_priority" { return " (it orders groups only when written in an inventory file, not in group_vars/, for Ansible as well)" }
        if name.contains("pipelining") { return " (converge sends each host one script anyway)" }
        if name.hasPrefix("ansible_become") || name.hasPrefix("ansible_sudo") { return " (converge runs its script through `sudo` as root)" }
        if name == "ansible_private_key" || name == "ansible_ssh_private_key" { return " (converge reads keys from files: set ssh.identityFile)" }
        return ""
    }

    // MARK: Values

    /// The value as text: strings as they are, numbers as written. Templates and
    /// structures cannot be settings.
    private func plainText(_ name: String, _ definition: DefinedVar) throws(AnsibleImportError) -> String {
        let text: String
        switch definition.value {
        case .string(let string): text = string
        case .integer, .double, .bool: text = definition.value.jsonText()
        default: throw invalid(name, definition, "a plain value")
        }
        if text.contains("{{") || text.contains("{%") {
            throw AnsibleImportError(
                location: definition.origin,
                message: "\(name) of \(definition.scope) is a Jinja2 template (\(quoted(text))), which converge cannot evaluate; write the value itself")
        }
        return text
    }

    private func checkAddress(_ address: String, _ name: String, _ definition: DefinedVar) throws(AnsibleImportError) {
        let valid = !address.isEmpty && address.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_:%".unicodeScalars.contains(scalar))
        }
        if !valid { throw invalid(name, definition, "an IP address or DNS name") }
        if address.filter({ $0 == ":" }).count == 1 {
            throw invalid(name, definition, "an address without a port (set ansible_port)")
        }
    }

    /// A key path for converge: `~/` and absolute paths as they are, relative paths made
    /// absolute (converge would resolve them against the inventory file's directory, Ansible
    /// against the directory it runs in); `~user/` paths are not supported.
    private func keyPath(
        _ path: String, _ name: String, _ definition: DefinedVar, note: (DefinedVar, String) -> Void
    ) throws(AnsibleImportError) -> String? {
        guard !path.isEmpty else { throw invalid(name, definition, "a key file path") }
        if path == "~" || path.hasPrefix("~/") || path.hasPrefix("/") { return path }
        if path.hasPrefix("~") {
            note(definition, "\(name)=\(path) (\(definition.scope)): converge does not read ~user/ paths; left out: set ssh.identityFile yourself")
            return nil
        }
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true))
            .standardizedFileURL.path
        note(definition, "\(name)=\(path) (\(definition.scope)) is relative: Ansible reads it from the directory it runs in, so it is written as \(absolute) (resolved against \(workingDirectory)); check it")
        return absolute
    }

    /// The environment variable a secret goes to: the vault value's own, or a new one
    /// for a password written as plain text, which is never copied.
    private func secret(
        _ name: String, _ definition: DefinedVar, purpose: String, setting: String,
        note: (DefinedVar, String) -> Void
    ) -> Setting<String> {
        if let vaultName = definition.value.secretEnvironmentName, session.vaultValues[vaultName] != nil {
            note(definition, "\(name) (\(definition.scope)) is vault-encrypted: set the environment variable \(vaultName) to its decrypted value (converge's \(setting))")
            return Setting(value: vaultName, origin: definition.origin, variable: name)
        }
        let environmentName = session.passwordEnvironmentName(scope: definition.scope, purpose: purpose, origin: definition.origin)
        note(definition, "\(name) (\(definition.scope)) is a secret written in the inventory: it is not copied; set the environment variable \(environmentName) to it (converge's \(setting))")
        return Setting(value: environmentName, origin: definition.origin, variable: name)
    }

    /// Ansible's `boolean()`: `yes`, `on`, `1`, `true`, `t`, `y` (any case) and 1 are true.
    private func ansibleBoolean(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case .integer(let number) where number == 0 || number == 1: return number == 1
        case .double(let number) where number == 0 || number == 1: return number == 1
        case .string(let text):
            switch text.lowercased() {
            case "y", "yes", "on", "1", "true", "t": return true
            case "n", "no", "off", "0", "false", "f": return false
            default: return nil
            }
        default: return nil
        }
    }

    private func invalid(_ name: String, _ definition: DefinedVar, _ expected: String) -> AnsibleImportError {
        AnsibleImportError(
            location: definition.origin,
            message: "\(name) of \(definition.scope) must be \(expected), found \(definition.value.jsonText())")
    }

    // MARK: Host keys

    /// `hostKeyPolicy` and `knownHosts` from the ssh arguments and host key checking,
    /// in the order Ansible puts them on ssh's command line (ssh takes the first value of
    /// an option): `ansible_ssh_args`, then host key checking, then the common and extra args.
    private func hostKeySettings(
        from vars: VarTable, into settings: inout ConnectionSettings, handled: inout Set<String>,
        note: (DefinedVar, String) -> Void
    ) throws(AnsibleImportError) {
        handled.formUnion(Self.sshArgumentVars)
        handled.formUnion(Self.hostKeyCheckingVars)
        var policies: [Setting<String>] = []
        var knownHostsFiles: [Setting<String>] = []

        func readArguments(_ name: String) throws(AnsibleImportError) {
            guard let definition = vars[name], definition.value != .null else { return }
            let text = try plainText(name, definition)
            let words: [String]
            do {
                words = try ShellWords.split(text, comments: false)
            } catch {
                throw AnsibleImportError(location: definition.origin, message: "cannot split \(name) of \(definition.scope): \(error.message)")
            }
            var unmapped: [String] = []
            var index = 0
            while index < words.count {
                let word = words[index]
                index += 1
                var option: String?
                if word == "-o", index < words.count {
                    option = words[index]
                    index += 1
                } else if word.hasPrefix("-o"), word.count > 2 {
                    option = String(word.dropFirst(2))
                }
                guard let option else {
                    // Options that take an argument keep it with them in the note.
                    if word.count == 2, word.hasPrefix("-"), "bcDEeFIiJLlmOpQRSWwBP".contains(word.last!), index < words.count {
                        unmapped.append("\(word) \(words[index])")
                        index += 1
                    } else {
                        unmapped.append(word)
                    }
                    continue
                }
                let parts = option.split(maxSplits: 1, whereSeparator: { $0 == "=" || $0 == " " || $0 == "\t" })
                let key = parts.first.map { $0.lowercased() } ?? ""
                let value = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                switch key {
                case "stricthostkeychecking":
                    switch value.lowercased() {
                    case "yes", "ask":
                        policies.append(Setting(value: "strict", origin: definition.origin, variable: name))
                    case "accept-new":
                        policies.append(Setting(value: "accept-new", origin: definition.origin, variable: name))
                    case "no", "off":
                        note(definition, "\(name) (\(definition.scope)) turns host key checking off, which converge never does: written as hostKeyPolicy accept-new (unknown keys are recorded, changed keys refused)")
                        policies.append(Setting(value: "accept-new", origin: definition.origin, variable: name))
                    default:
                        unmapped.append("-o \(option)")
                    }
                case "userknownhostsfile":
                    let files = value.split(whereSeparator: \.isWhitespace).map(String.init)
                    if let first = files.first, first != "/dev/null", first.lowercased() != "none", !first.contains("%") {
                        knownHostsFiles.append(Setting(value: first, origin: definition.origin, variable: name))
                        if files.count > 1 {
                            note(definition, "\(name) (\(definition.scope)) lists several known_hosts files; converge reads one: \(first)")
                        }
                    } else {
                        unmapped.append("-o \(option)")
                    }
                default:
                    unmapped.append("-o \(option)")
                }
            }
            if !unmapped.isEmpty {
                note(definition, "\(name) (\(definition.scope)): ssh options with no converge equivalent are left out: \(unmapped.joined(separator: " "))")
            }
        }

        try readArguments("ansible_ssh_args")
        let checking = Self.hostKeyCheckingVars.compactMap { name in vars[name].map { (name, $0) } }.last { $0.1.value != .null }
        if let (name, definition) = checking {
            guard let enabled = ansibleBoolean(definition.value) else {
                throw invalid(name, definition, "a Boolean (true/false, yes/no, on/off, 1/0)")
            }
            if !enabled {
                note(definition, "\(name)=false (\(definition.scope)) turns host key checking off, which converge never does: written as hostKeyPolicy accept-new (unknown keys are recorded, changed keys refused)")
                policies.append(Setting(value: "accept-new", origin: definition.origin, variable: name))
            }
        }
        try readArguments("ansible_ssh_common_args")
        try readArguments("ansible_ssh_extra_args")
        settings.hostKeyPolicy = policies.first
        settings.knownHosts = knownHostsFiles.first
    }
}
