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
        var script = """
            converge_user() {
            \tif converge_e=$(getent passwd "$2"); then
            \t\tprintf '%s passwd %s\\n%s primary %s\\n%s groups %s\\n' "$1" "$converge_e" \\
            \t\t\t"$1" "$(id -gn "$2")" "$1" "$(id -Gn "$2")"
            \telse
            \t\tprintf '%s missing\\n' "$1"
            \tfi
            }

            """
        for (index, name) in names.enumerated() {
            script += "converge_user \(index) \(shellQuote(name))\n"
        }
        return script
    }

    public func parse(_ output: String) throws -> [String: UserState] {
        var passwd = [Int: [Substring]]()
        var primary = [Int: String]()
        var groups = [Int: [String]]()
        for line in lines(of: output) {
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard words.count >= 2, let index = Int(words[0]), names.indices.contains(index) else {
                throw FactParseError("unexpected line: \(line)")
            }
            let value = words.count == 3 ? words[2] : ""
            switch words[1] {
            case "missing": continue
            case "passwd":
                let fields = value.split(separator: ":", omittingEmptySubsequences: false)
                guard fields.count == 7, Int(fields[2]) != nil, Int(fields[3]) != nil else {
                    throw FactParseError("\(names[index]): unreadable passwd entry: \(value)")
                }
                passwd[index] = fields
            case "primary": primary[index] = String(value)
            case "groups": groups[index] = value.split(separator: " ").map(String.init)
            default: throw FactParseError("unexpected line: \(line)")
            }
        }
        var states = [String: UserState]()
        for (index, fields) in passwd {
            states[names[index]] = UserState(
                uid: Int(fields[2])!, gid: Int(fields[3])!, primaryGroup: primary[index] ?? String(fields[3]),
                groups: groups[index] ?? [], home: String(fields[5]), shell: String(fields[6]))
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
        var script = ""
        for (index, name) in names.enumerated() {
            script += "getent group \(shellQuote(name)) | sed 's/^/\(index) /' || :\n"
        }
        return script
    }

    public func parse(_ output: String) throws -> [String: GroupState] {
        var states = [String: GroupState]()
        for line in lines(of: output) {
            let words = line.split(separator: " ", maxSplits: 1)
            let fields = words.count == 2 ? words[1].split(separator: ":", omittingEmptySubsequences: false) : []
            guard let index = Int(words.first ?? ""), names.indices.contains(index), fields.count == 4,
                let gid = Int(fields[2])
            else { throw FactParseError("unexpected line: \(line)") }
            states[names[index]] = GroupState(gid: gid, members: fields[3].split(separator: ",").map(String.init))
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
