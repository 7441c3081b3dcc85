import Foundation

/// A validated inventory: which servers converge manages, how to reach them,
/// and the vars and roles each one gets, with every host's effective settings
/// resolved.
///
/// An `Inventory` also keeps the exact bytes it was parsed from and the parsed
/// tree with source ranges, so a tool can later change one host by splicing
/// text and leave the rest of the file exactly as written.
///
/// ## File format
///
/// An inventory is one JSON file (RFC 8259, read strictly: no comments, no
/// trailing commas, no duplicate keys):
///
/// ```json
/// {
///   "ssh": {
///     "user": "root",
///     "port": 22,
///     "identityFile": "/var/lib/converge-lab/id_ed25519",
///     "knownHosts": "/var/lib/converge-lab/known_hosts",
///     "hostKeyPolicy": "strict",
///     "connectTimeout": 10
///   },
///   "vars": { "ntp_server": "pool.ntp.org" },
///   "groups": {
///     "web": { "vars": { "php": "8.2" }, "roles": ["apache"], "ssh": { "user": "deploy" } },
///     "bookworm": { "vars": { "release": "bookworm" } }
///   },
///   "hosts": [
///     { "name": "web1", "address": "10.0.0.5", "port": 2222, "user": "deploy",
///       "groups": ["web", "bookworm"], "roles": ["extra"], "vars": { "weight": 10 },
///       "ssh": { "fingerprint": "SHA256:SJacszFPYBXo1plaLjifS0tpk3fvL5HZhPXjVl/FBDA" } }
///   ]
/// }
/// ```
///
/// ### Top level
///
/// | Key       | Type                       | Required | Meaning                                  |
/// |-----------|----------------------------|----------|------------------------------------------|
/// | `secrets` | path                       | no       | The team's secret store (a directory)    |
/// | `ssh`     | SSH settings               | no       | Defaults for every host                  |
/// | `vars`    | object                     | no       | Vars every host gets                     |
/// | `groups`  | object: group name → group | no       | Vars, roles and SSH settings per group   |
/// | `hosts`   | array of hosts             | yes      | The fleet, in order                      |
///
/// ### Host
///
/// | Key       | Type                   | Required | Meaning                                         |
/// |-----------|------------------------|----------|-------------------------------------------------|
/// | `name`    | name                   | yes      | Unique; used in selectors and output            |
/// | `address` | string                 | yes      | IP address or DNS name to connect to            |
/// | `port`    | integer 1–65535        | no       | Shorthand for `ssh.port`; wins over it          |
/// | `user`    | string                 | no       | Shorthand for `ssh.user`; wins over it          |
/// | `groups`  | array of names         | no       | Groups the host belongs to, in precedence order |
/// | `roles`   | array of names         | no       | Roles applied after its groups' roles           |
/// | `vars`    | object                 | no       | The host's own vars                             |
/// | `ssh`     | SSH settings           | no       | The host's own SSH settings                     |
///
/// A name (host, group or role) is a non-empty run of ASCII letters, digits,
/// `-`, `_` and `.` that does not start with `-`. A host name may not also be a
/// group name, and a `groups` or `roles` list may not repeat a name. A group a
/// host lists need not be declared under `groups`: such an implicit group has no
/// vars, roles or settings, but can still be selected.
///
/// ### Group
///
/// | Key     | Type           | Meaning                     |
/// |---------|----------------|-----------------------------|
/// | `vars`  | object         | Vars its hosts get          |
/// | `roles` | array of names | Roles its hosts get         |
/// | `ssh`   | SSH settings   | SSH settings its hosts get  |
///
/// Membership is declared on hosts only; groups cannot contain groups.
///
/// ### SSH settings (top level, group or host)
///
/// | Key               | Type                         | Default              | Meaning                                       |
/// |-------------------|------------------------------|----------------------|-----------------------------------------------|
/// | `user`            | string                       | `root`               | Login user                                    |
/// | `port`            | integer 1–65535              | `22`                 | TCP port                                      |
/// | `identityFile`    | path or array of paths       | none (see below)     | Private keys, tried in order                  |
/// | `passphraseEnv`   | environment variable name    | none                 | Variable holding the keys' passphrase         |
/// | `passwordEnv`     | environment variable name    | none                 | Variable holding the login password           |
/// | `agent`           | boolean                      | `true`               | Try keys from ssh-agent                       |
/// | `knownHosts`      | path                         | `~/.ssh/known_hosts` | known_hosts file to check                     |
/// | `hostKeyPolicy`   | `"strict"` or `"accept-new"` | `"strict"`           | Unknown host key: refuse, or trust and record |
/// | `fingerprint`     | `"SHA256:<base64>"`          | none                 | Pinned host key; in a host's `ssh` only       |
/// | `connectTimeout`  | seconds, > 0 and ≤ 3600      | `10`                 | TCP connect and handshake timeout             |
/// | `sudo`            | boolean                      | `false`              | Reserved: run commands through sudo           |
/// | `sudoPasswordEnv` | environment variable name    | none                 | Reserved: variable holding the sudo password  |
///
/// With no `identityFile` anywhere, ``SSHSettings/identityFiles`` is empty and
/// the SSH layer falls back to whichever of `~/.ssh/id_ed25519`, `~/.ssh/id_ecdsa`
/// and `~/.ssh/id_rsa` exist. Relative paths are relative to the
/// directory of the inventory file, and `~/` is the home directory (`$HOME`).
/// The `…Env` keys name a variable, never hold the secret itself. The fingerprint
/// is what `ssh-keygen -lf key.pub` prints: `SHA256:` and 43 base64 characters.
///
/// ### Precedence
///
/// Each host's effective settings are merged from, lowest to highest:
///
/// 1. the built-in defaults above;
/// 2. the top-level `ssh`;
/// 3. each of the host's groups' `ssh`, in the order the host lists its groups;
/// 4. the host's `ssh`;
/// 5. the host's `port` and `user`.
///
/// A later `identityFile` replaces an earlier list rather than adding to it.
/// Vars are merged top-level `vars` < group `vars` (in the host's group order) <
/// host `vars`. The merge is shallow: a later value replaces an earlier one by
/// key, so a nested object is replaced whole, not merged. Roles are the groups'
/// roles (in the host's group order) followed by the host's own, each role kept
/// once, at its first position.
///
/// ### Errors
///
/// Every problem is reported as one line with the file, line, column, JSON path
/// and what was expected, e.g.
/// `inventory/prod.json:7:15: hosts[2].port: expected an integer from 1 to 65535, found a string`.
/// Unknown keys are errors that list the keys allowed there and suggest the
/// closest one (`"adress"` → `"address"`).
public struct Inventory: Sendable {
    /// The path or display name given to the loader; it prefixes every error.
    public let file: String
    /// The absolute directory relative paths in the inventory were resolved against.
    public let baseDirectory: String
    /// The file's bytes, exactly as read.
    public let source: [UInt8]
    /// The parsed file, with a source range for every value.
    public let document: JSONNode
    /// The team's secret store (`secrets`, a directory relative to the inventory's): the
    /// age-encrypted secrets and the plan key every controller of the team shares. Nil
    /// when the inventory names none.
    public let secretStore: String?
    /// The top-level `vars`, as written.
    public let vars: JSONObject
    /// The top-level `ssh` settings, as written.
    public let ssh: SSHOverrides
    /// The declared groups in file order, then the implicit ones (named by hosts
    /// but not declared) in the order hosts first name them.
    public let groups: [Group]
    /// Every host with its effective settings, in file order.
    public let hosts: [Host]

    /// Reads, parses and validates the inventory file at `path`.
    ///
    /// - Parameters:
    ///   - path: The file to read. It is also the name errors start with, so pass
    ///     it as the user wrote it.
    ///   - homeDirectory: What `~` stands for. Default: `$HOME`, or the user's home
    ///     directory when `$HOME` is unset or empty.
    /// - Throws: ``InventoryError`` when the file cannot be read (with the
    ///   system's reason), is not well-formed JSON or breaks the schema.
    public static func load(contentsOf path: String, homeDirectory: String? = nil) throws(InventoryError) -> Inventory {
        switch readFile(atPath: path) {
        case .success(let bytes):
            return try Inventory(
                bytes: bytes, file: path, baseDirectory: directory(containing: path),
                homeDirectory: homeDirectory ?? defaultHomeDirectory())
        case .failure(let failure):
            throw InventoryError(
                file: path, position: nil, path: "", message: "cannot read the inventory: \(failure.message)")
        }
    }

    /// Parses and validates an inventory held in memory.
    ///
    /// - Parameters:
    ///   - data: The JSON text, UTF-8.
    ///   - file: The name errors start with, such as `inventory/prod.json`.
    ///   - baseDirectory: The directory relative paths are resolved against.
    ///     Default: the directory part of `file`, relative to the current directory.
    ///   - homeDirectory: What `~` stands for. Default: as in ``load(contentsOf:homeDirectory:)``.
    public static func parse(
        _ data: Data, file: String, baseDirectory: String? = nil, homeDirectory: String? = nil
    ) throws(InventoryError) -> Inventory {
        try Inventory(
            bytes: Array(data), file: file,
            baseDirectory: baseDirectory.map(absolutePath) ?? directory(containing: file),
            homeDirectory: homeDirectory ?? defaultHomeDirectory())
    }

    /// Parses and validates an inventory held in a string; like the `Data` overload.
    public static func parse(
        _ text: String, file: String, baseDirectory: String? = nil, homeDirectory: String? = nil
    ) throws(InventoryError) -> Inventory {
        try parse(Data(text.utf8), file: file, baseDirectory: baseDirectory, homeDirectory: homeDirectory)
    }

    private init(bytes: [UInt8], file: String, baseDirectory: String, homeDirectory: String) throws(InventoryError) {
        let document: JSONNode
        do throws(JSONSyntaxError) {
            document = try JSONNode.parse(bytes)
        } catch {
            throw InventoryError(
                file: file, position: error.position, path: "", message: error.message,
                relatedPosition: error.relatedPosition)
        }
        let decoder = InventoryDecoder(
            file: file, source: bytes, baseDirectory: baseDirectory, homeDirectory: homeDirectory)
        let declaration = try decoder.decode(document)

        var groups = declaration.groups
        var groupsByName = Dictionary(uniqueKeysWithValues: groups.map { ($0.name, $0) })
        for name in declaration.hosts.flatMap(\.groups) where groupsByName[name] == nil {
            let implicit = Group(name: name, vars: JSONObject(), roles: [], ssh: SSHOverrides(), declaration: nil)
            groups.append(implicit)
            groupsByName[name] = implicit
        }

        var fleetSSH = SSHSettings.defaults(homeDirectory: homeDirectory)
        fleetSSH.apply(declaration.ssh)
        hosts = declaration.hosts.map { host in
            var ssh = fleetSSH
            var vars = declaration.vars
            var roles: [String] = []
            for group in host.groups.compactMap({ groupsByName[$0] }) {
                ssh.apply(group.ssh)
                vars.merge(group.vars)
                roles.append(contentsOf: group.roles)
            }
            ssh.apply(host.ssh)
            vars.merge(host.vars)
            roles.append(contentsOf: host.roles)
            var seenRoles: Set<String> = []
            return Host(
                name: host.name, address: host.address, groups: host.groups,
                roles: roles.filter { seenRoles.insert($0).inserted },
                vars: vars, ssh: ssh, declaration: host.node.range)
        }
        self.file = file
        self.baseDirectory = baseDirectory
        self.source = bytes
        self.document = document
        self.secretStore = declaration.secretStore
        self.vars = declaration.vars
        self.ssh = declaration.ssh
        self.groups = groups
    }

    /// The host named `name`, if there is one.
    public func host(named name: String) -> Host? {
        hosts.first { $0.name == name }
    }

    /// The group named `name`, declared or implicit, if there is one.
    public func group(named name: String) -> Group? {
        groups.first { $0.name == name }
    }

    /// The hosts that `selectors` name, in inventory order, each once.
    ///
    /// - Parameter selectors: Host names and group names. A group selects every
    ///   host that lists it. No selectors select every host.
    /// - Throws: ``InventoryError`` listing every selector that names neither a
    ///   host nor a group, each with the closest name when one is close.
    public func hosts(matching selectors: [String]) throws(InventoryError) -> [Host] {
        if selectors.isEmpty { return hosts }
        let hostNames = Set(hosts.map(\.name))
        let groupNames = Set(groups.map(\.name))
        var selectedHosts: Set<String> = []
        var selectedGroups: Set<String> = []
        var unknown: [String] = []
        for selector in selectors {
            if hostNames.contains(selector) {
                selectedHosts.insert(selector)
            } else if groupNames.contains(selector) {
                selectedGroups.insert(selector)
            } else if !unknown.contains(selector) {
                unknown.append(selector)
            }
        }
        guard unknown.isEmpty else {
            let candidates = hosts.map(\.name) + groups.map(\.name)
            let described = unknown.map { selector in
                closestMatch(to: selector, among: candidates).map { "\(quoted(selector)) (did you mean \(quoted($0))?)" }
                    ?? quoted(selector)
            }
            let message = unknown.count == 1
                ? "no host or group named \(described[0])"
                : "no hosts or groups named \(described.joined(separator: ", "))"
            throw InventoryError(file: file, position: nil, path: "", message: message)
        }
        return hosts.filter { host in
            selectedHosts.contains(host.name) || host.groups.contains { selectedGroups.contains($0) }
        }
    }

    // MARK: Paths

    private static func defaultHomeDirectory() -> String {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        return NSHomeDirectory()
    }

    private static func absolutePath(_ path: String) -> String {
        normalizedPath(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
    }

    /// The absolute directory part of `path`.
    private static func directory(containing path: String) -> String {
        var components = absolutePath(path).split(separator: "/")
        if !components.isEmpty { components.removeLast() }
        return "/" + components.joined(separator: "/")
    }
}
