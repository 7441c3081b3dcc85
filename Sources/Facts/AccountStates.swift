import Shell

/// A local user account as `getent passwd` and `id` show it.
public struct UserState: Codable, Hashable, Sendable {
    public var uid: Int
    public var gid: Int
    /// The primary group's name (`id -gn`).
    public var primaryGroup: String
    /// Every group the user is in, the primary one included (`id -Gn`).
    public var groups: [String]
    public var home: String
    public var shell: String

    public init(uid: Int, gid: Int, primaryGroup: String, groups: [String], home: String, shell: String) {
        self.uid = uid
        self.gid = gid
        self.primaryGroup = primaryGroup
        self.groups = groups
        self.home = home
        self.shell = shell
    }
}

/// A local group as `getent group` shows it.
public struct GroupState: Codable, Hashable, Sendable {
    public var gid: Int
    public var members: [String]

    public init(gid: Int, members: [String]) {
        self.gid = gid
        self.members = members
    }
}

/// The named users; the value maps each user that exists to its state.
public struct UsersFact: Fact {
    public let names: [String]

    /// - Precondition: no name is empty or holds a colon, a newline or a space.
    public init(names: [String]) {
        precondition(names.allSatisfy(isValidAccountName), "invalid user names: \(names)")
        self.names = names
    }

    public var name: String { "UsersFact(\(names.joined(separator: " ")))" }

    public var command: String {
        // One getent for the users: it prints the entries it finds (a numeric name looks up
        // a uid: its entry names another user and is left out). Then every group, once: a
        // user's groups (as `id -Gn` gives them: the primary first) are worked out here,
        // rather than with an `id` process per user on the host.
        """
        getent passwd \(names.map(shellQuote).joined(separator: " "))
        printf 'groups\\n'
        getent group
        exit 0
        """
    }

    public func parse(_ output: String) throws -> [String: UserState] {
        var passwd = [String: [Substring]]()
        var groupNames = [Int: String]()
        var memberships = [String: [String]]()
        let wanted = Set(names)
        var inGroups = false
        for line in lines(of: output) {
            if line == "groups" {
                inGroups = true
                continue
            }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if inGroups {
                guard fields.count == 4, let gid = Int(fields[2]) else { throw FactParseError("unreadable group entry: \(line)") }
                let name = String(fields[0])
                if groupNames[gid] == nil { groupNames[gid] = name }
                for member in fields[3].split(separator: ",") where wanted.contains(String(member)) {
                    memberships[String(member), default: []].append(name)
                }
                continue
            }
            guard fields.count == 7, Int(fields[2]) != nil, Int(fields[3]) != nil else {
                throw FactParseError("unreadable passwd entry: \(line)")
            }
            if wanted.contains(String(fields[0])) { passwd[String(fields[0])] = fields }
        }
        var states = [String: UserState]()
        for (name, fields) in passwd {
            let gid = Int(fields[3])!
            let primary = groupNames[gid] ?? String(gid)
            let others = (memberships[name] ?? []).filter { $0 != primary }
            states[name] = UserState(
                uid: Int(fields[2])!, gid: gid, primaryGroup: primary,
                groups: [primary] + others, home: String(fields[5]), shell: String(fields[6]))
        }
        return states
    }
}

/// The named groups; the value maps each group that exists to its state.
public struct GroupsFact: Fact {
    public let names: [String]

    /// - Precondition: no name is empty or holds a colon, a newline or a space.
    public init(names: [String]) {
        precondition(names.allSatisfy(isValidAccountName), "invalid group names: \(names)")
        self.names = names
    }

    public var name: String { "GroupsFact(\(names.joined(separator: " ")))" }

    public var command: String {
        // One getent for all; it prints the entries it finds, each naming its group (a
        // numeric name looks up a gid: that entry names another group and is left out).
        "getent group \(names.map(shellQuote).joined(separator: " ")) || :"
    }

    public func parse(_ output: String) throws -> [String: GroupState] {
        var states = [String: GroupState]()
        let wanted = Set(names)
        for line in lines(of: output) {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 4, let gid = Int(fields[2]) else { throw FactParseError("unexpected line: \(line)") }
            guard wanted.contains(String(fields[0])) else { continue }
            states[String(fields[0])] = GroupState(gid: gid, members: fields[3].split(separator: ",").map(String.init))
        }
        return states
    }
}

/// Whether `name` can be a user or group name: non-empty, without `:`, whitespace or `/`,
/// not starting with `-`.
public func isValidAccountName(_ name: String) -> Bool {
    !name.isEmpty && !name.hasPrefix("-") && name.utf8.count <= 64
        && !name.unicodeScalars.contains { $0 == ":" || $0 == "/" || $0 == "," || $0.properties.isWhitespace || $0.value < 0x20 }
}

/// Whether a command's guard holds: its `creates` path exists, or its `unless` command
/// exits 0.
public struct GuardState: Codable, Hashable, Sendable {
    /// Whether the `creates` path exists; nil without one.
    public var createsExists: Bool?
    /// The `unless` command's exit status; nil without one (or when `creates` settled it).
    public var unlessStatus: Int32?

    public init(createsExists: Bool?, unlessStatus: Int32?) {
        self.createsExists = createsExists
        self.unlessStatus = unlessStatus
    }

    /// Whether the guard holds, so the command must not run.
    public var holds: Bool { createsExists == true || unlessStatus == 0 }
}

/// The guards of commands, in order: `test -e` of each `creates` path and the exit status
/// of each `unless` command (run with `sh -c`, input from /dev/null, output discarded),
/// the latter only when there is no `creates` path or it is missing.
public struct CommandGuardsFact: Fact {
    public struct Guard: Codable, Hashable, Sendable {
        public var creates: String?
        public var unless: String?

        public init(creates: String?, unless: String?) {
            self.creates = creates
            self.unless = unless
        }
    }

    public let guards: [Guard]

    public init(guards: [Guard]) {
        self.guards = guards
    }

    public var name: String { "CommandGuardsFact(\(guards.count) guards)" }

    public var command: String {
        var script = ""
        for (index, guardian) in guards.enumerated() {
            var unless = ""
            if let command = guardian.unless {
                unless = "sh -c \(shellQuote(command)) </dev/null >/dev/null 2>&1; printf '\(index) unless %s\\n' \"$?\""
            }
            if let path = guardian.creates {
                let quoted = shellQuote(path)
                script += "if [ -e \(quoted) ] || [ -L \(quoted) ]; then printf '\(index) creates yes\\n'; "
                    + "else printf '\(index) creates no\\n'; \(unless.isEmpty ? ":" : unless); fi\n"
            } else if !unless.isEmpty {
                script += unless + "\n"
            }
        }
        return script.isEmpty ? ":" : script
    }

    public func parse(_ output: String) throws -> [GuardState] {
        var states = guards.map { _ in GuardState(createsExists: nil, unlessStatus: nil) }
        for line in lines(of: output) {
            let words = line.split(separator: " ")
            guard words.count == 3, let index = Int(words[0]), states.indices.contains(index) else {
                throw FactParseError("unexpected line: \(line)")
            }
            switch (words[1], words[2]) {
            case ("creates", "yes"): states[index].createsExists = true
            case ("creates", "no"): states[index].createsExists = false
            case ("unless", let status):
                guard let status = Int32(status) else { throw FactParseError("unexpected line: \(line)") }
                states[index].unlessStatus = status
            default: throw FactParseError("unexpected line: \(line)")
            }
        }
        return states
    }
}
