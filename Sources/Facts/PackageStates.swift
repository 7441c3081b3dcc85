import Shell
/// What dpkg and apt know about one package.
public struct PackageState: Codable, Hashable, Sendable {
    /// dpkg's status, nil when dpkg has never heard of the package.
    public var status: PackageStatus?
    /// The version dpkg records, nil when it records none.
    public var version: String?
    /// apt's candidate version (what `apt-get install name` would install), nil for `(none)`
    /// or a package apt does not know.
    public var candidate: String?
    /// Every version in apt's version table, installed or available.
    public var availableVersions: [String]

    public init(status: PackageStatus?, version: String?, candidate: String?, availableVersions: [String]) {
        self.status = status
        self.version = version
        self.candidate = candidate
        self.availableVersions = availableVersions
    }

    /// The installed version, when the package is installed (``PackageStatus/isInstalled``).
    public var installedVersion: String? {
        status?.isInstalled == true ? version : nil
    }
}

/// The state of the named packages: dpkg's status and version (`dpkg-query`) and apt's
/// candidate and version table (`apt-cache policy`, whose format is the same from
/// apt 1.0 on jessie to trixie).
///
/// The value maps each name asked for to its state; a package neither dpkg nor apt knows
/// maps to a state with no status and no versions, and so does apt's side of a package
/// whose installed version settled what was needed (see ``PackageNeed``).
public struct PackageStatesFact: Fact {
    /// Package names as apt takes them, optionally `name:arch`.
    public let names: [String]
    /// When apt's view of a package (its candidate and versions) is needed; ``PackageNeed/always``
    /// for a name not in it.
    public let needs: [String: PackageNeed]

    /// - Precondition: every name is a valid Debian package name, optionally `:arch`.
    public init(names: [String], needs: [String: PackageNeed] = [:]) {
        precondition(names.allSatisfy(PackageStatesFact.isValidName), "invalid package names: \(names)")
        self.names = names
        self.needs = needs
    }

    /// Whether `name` is a Debian package name (`[a-z0-9][a-z0-9+.-]+`), optionally with
    /// an `:arch` qualifier.
    public static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts[0].count >= 2,
            let first = parts[0].unicodeScalars.first, isLowerOrDigit(first),
            parts[0].unicodeScalars.allSatisfy({ isLowerOrDigit($0) || "+.-".unicodeScalars.contains($0) })
        else { return false }
        return parts.count == 1
            || (!parts[1].isEmpty && parts[1].unicodeScalars.allSatisfy { isLowerOrDigit($0) || $0 == "-" })
    }

    private static func isLowerOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    public var name: String { "PackageStatesFact(\(names.joined(separator: " ")))" }

    public var command: String {
        let plain = names.filter { !$0.contains(":") }
        var script = ""
        // One dpkg-query for every plain name: it prints the packages it knows in its own
        // order (and notes the others on stderr), so each line names its package.
        if !plain.isEmpty {
            script += """
                converge_q=$(dpkg-query -W -f '\(Self.packageLine)' \(plain.map(shellQuote).joined(separator: " ")) 2>/dev/null)
                if [ -n "$converge_q" ]; then printf '%s\\n' "$converge_q"; fi

                """
        }
        // An arch-qualified name gets its own call, its lines marked with its index.
        for (index, name) in names.enumerated() where name.contains(":") {
            script += "dpkg-query -W -f 'dpkg \(index) ${Status}\\t${Version}\\n' \(shellQuote(name)) 2>/dev/null\n"
        }
        // apt's view (apt-cache policy, the costliest part by far) only of the packages
        // whose installed version does not settle what is wanted: a no-op asks apt nothing.
        script += """
            converge_nl='
            '
            converge_tab='\t'
            converge_need=
            # converge_installed NAME [VERSION]: whether the query above says NAME is installed (at VERSION).
            converge_installed() {
            \tfor converge_w in install hold deinstall purge unknown; do
            \t\tcase "$converge_nl$converge_q$converge_nl" in
            \t\t*"${converge_nl}pkg $1 $converge_w ok installed$converge_tab${2:-}"*) [ -z "${2:-}" ] && return 0 ;;
            \t\tesac
            \t\tcase "$converge_nl$converge_q$converge_nl" in
            \t\t*"${converge_nl}pkg $1 $converge_w ok installed$converge_tab${2:-}$converge_nl"*) return 0 ;;
            \t\tesac
            \tdone
            \treturn 1
            }

            """
        for name in names {
            switch needs[name] ?? .always {
            case .never:
                continue
            case .installed where !name.contains(":"):
                script += "converge_installed \(shellQuote(name)) || converge_need=\"$converge_need \(name)\"\n"
            case .version(let version) where !name.contains(":"):
                script += "converge_installed \(shellQuote(name)) \(shellQuote(version)) || converge_need=\"$converge_need \(name)\"\n"
            default:
                script += "converge_need=\"$converge_need \(name)\"\n"
            }
        }
        // When apt is asked about anything, how fresh its lists are too (the planner decides
        // on `apt-get update` with it); then the apt-cache section, last, so that its lines
        // cannot be mistaken for ours.
        return script + """
            if [ -n "$converge_need" ]; then
            \tprintf 'lists\\n'
            \t(
            \(AptListsFact().command)
            \t)
            fi
            printf 'policy\\n'
            # shellcheck disable=SC2086 # one word a package name
            if [ -n "$converge_need" ] && command -v apt-cache >/dev/null 2>&1; then apt-cache policy $converge_need; fi
            """
    }

    /// dpkg-query's format for the plain names: `pkg <name> <want> <flag> <state>\t<version>`.
    static let packageLine = "pkg ${Package} ${Status}\\t${Version}\\n"

    public func parse(_ output: String) throws -> PackageStates {
        var states = [String: PackageState]()
        for name in names {
            states[name] = PackageState(status: nil, version: nil, candidate: nil, availableVersions: [])
        }
        var policyLines: [Substring] = []
        var listLines: [Substring]?
        var inPolicy = false
        for line in lines(of: output) {
            if inPolicy {
                policyLines.append(line)
                continue
            }
            if line == "policy" {
                inPolicy = true
                continue
            }
            if line == "lists" {
                listLines = []
                continue
            }
            if listLines != nil {
                listLines!.append(line)
                continue
            }
            // pkg <name> <want> <flag> <state>\t<version>, or dpkg <index> … for a qualified name.
            let fields = line.split(separator: " ", maxSplits: 2)
            let name: String
            switch fields.first {
            case "pkg" where fields.count == 3:
                name = String(fields[1])
                // A package no name asked for: dpkg-query's patterns match only exactly.
                guard states[name] != nil, !name.contains(":") else { throw FactParseError("unexpected line: \(line)") }
            case "dpkg" where fields.count == 3:
                guard let index = Int(fields[1]), names.indices.contains(index) else {
                    throw FactParseError("unexpected line: \(line)")
                }
                name = names[index]
            default:
                throw FactParseError("unexpected line: \(line)")
            }
            let parts = fields[2].split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard let status = PackageStatus(parts[0].trimmingWhitespace()) else {
                throw FactParseError("unknown dpkg status: \(line)")
            }
            let version = parts.count == 2 ? String(parts[1].trimmingWhitespace()) : ""
            // A multi-arch package has a line per architecture: keep an installed one.
            if states[name]?.status?.isInstalled != true {
                states[name]?.status = status
                states[name]?.version = version.isEmpty ? nil : version
            }
        }
        guard inPolicy else { throw FactParseError("output ends before the apt-cache policy section") }
        for (name, policy) in parseAptPolicy(policyLines) where states[name] != nil {
            states[name]?.candidate = policy.candidate
            states[name]?.availableVersions = policy.versions
        }
        let lists = try listLines.map { try AptListsFact().parse($0.joined(separator: "\n")) }
        return PackageStates(states: states, lists: lists)
    }
}

/// `apt-cache policy NAME…` output: per package header `name:`, then `Installed:`,
/// `Candidate:` and a `Version table:` of `[***] version priority` lines, each followed
/// by source lines `priority source…`.
func parseAptPolicy(_ lines: [Substring]) -> [String: (candidate: String?, versions: [String])] {
    var result = [String: (candidate: String?, versions: [String])]()
    var current: String?
    for line in lines where !line.trimmingWhitespace().isEmpty {
        if !line.hasPrefix(" "), line.hasSuffix(":") {
            current = String(line.dropLast())
            result[current!] = (nil, [])
            continue
        }
        guard let name = current else { continue }
        let text = line.trimmingWhitespace()
        if text.hasPrefix("Candidate:") {
            let value = text.dropFirst("Candidate:".count).trimmingWhitespace()
            result[name]?.candidate = value == "(none)" || value.isEmpty ? nil : String(value)
            continue
        }
        var words = text.split(separator: " ")
        if words.first == "***" { words.removeFirst() }
        // A version line is `version priority`; a source line is `priority source…`,
        // whose second word is never a number.
        if words.count == 2, Int(words[1]) != nil, !text.hasSuffix(":") {
            result[name]?.versions.append(String(words[0]))
        }
    }
    return result
}

/// How fresh apt's package lists are.
public struct AptLists: Codable, Hashable, Sendable {
    /// How many `*_Packages*` index files `/var/lib/apt/lists` holds; 0 when `apt-get
    /// update` never ran (or the lists were cleaned).
    public var packageIndexCount: Int
    /// When the lists were last updated (Unix time): the mtime of
    /// `/var/lib/apt/periodic/update-success-stamp`, which Debian's apt periodic job and
    /// converge touch after a successful update, else of the newest index file (apt dates
    /// those as the archive did, so this errs on the old side). Nil without lists.
    public var lastUpdate: Int?
    /// The host's clock (Unix time) when the fact was gathered.
    public var now: Int

    public init(packageIndexCount: Int, lastUpdate: Int?, now: Int) {
        self.packageIndexCount = packageIndexCount
        self.lastUpdate = lastUpdate
        self.now = now
    }

    /// The lists' age in seconds, nil without lists.
    public var age: Int? { lastUpdate.map { max(0, now - $0) } }
}

/// The host's ``AptLists``.
public struct AptListsFact: Fact {
    /// Where apt's periodic job records a successful update.
    public static let stampPath = "/var/lib/apt/periodic/update-success-stamp"

    public init() {}

    public var command: String {
        // stat runs once: on the stamp, which settles lastUpdate, else on every index.
        """
        set --
        for converge_f in /var/lib/apt/lists/*_Packages*; do
        \tif [ -f "$converge_f" ]; then set -- "$@" "$converge_f"; fi
        done
        printf 'indexes %s\\n' "$#"
        if [ -f \(Self.stampPath) ]; then stat -c 'stamp %Y' \(Self.stampPath)
        elif [ $# -gt 0 ]; then stat -c 'index %Y' -- "$@"
        fi
        printf 'now %s\\n' "$(date +%s)"
        """
    }

    /// The fact's output without its `now` line: what stays the same while the lists do.
    public func withoutClock(_ output: String) -> String {
        lines(of: output).filter { !$0.hasPrefix("now ") }.joined(separator: "\n")
    }

    /// `indexes N`, `stamp T` or one `index T` per index file, `now T`.
    public func parse(_ output: String) throws -> AptLists {
        var values = [String: Int]()
        var newest: Int?
        for line in lines(of: output) {
            let words = line.split(separator: " ")
            guard words.count == 2, let value = Int(words[1]) else {
                throw FactParseError("unexpected line: \(line)")
            }
            if words[0] == "index" {
                newest = max(newest ?? value, value)
            } else {
                values[String(words[0])] = value
            }
        }
        guard let count = values["indexes"], let now = values["now"] else {
            throw FactParseError("missing index count or clock: \(output)")
        }
        return AptLists(
            packageIndexCount: count, lastUpdate: count == 0 ? nil : values["stamp"] ?? newest, now: now)
    }
}

/// What ``PackageStatesFact`` found: each package's state, and how fresh apt's lists are
/// when apt was asked about any package.
public struct PackageStates: Hashable, Sendable {
    public var states: [String: PackageState]
    /// apt's lists; nil when every package's installed version settled what was wanted
    /// (apt was not asked).
    public var lists: AptLists?

    public init(states: [String: PackageState], lists: AptLists? = nil) {
        self.states = states
        self.lists = lists
    }

    public subscript(name: String) -> PackageState? { states[name] }
}

/// When the planner needs apt's view of a package (``PackageState/candidate`` and
/// ``PackageState/availableVersions``), which costs the host an `apt-cache policy`.
public enum PackageNeed: Hashable, Codable, Sendable {
    /// Always (`latest`: whether a newer version is there).
    case always
    /// Unless it is installed, at any version (`present`).
    case installed
    /// Unless it is installed at exactly this version.
    case version(String)
    /// Never: only whether it is installed matters (`absent`).
    case never
}
