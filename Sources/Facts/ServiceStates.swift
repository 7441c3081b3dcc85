import Shell

/// What systemd says about one unit.
public struct ServiceState: Codable, Hashable, Sendable {
    /// `LoadState`: `loaded`, `not-found`, `masked`, …; nil when systemd did not answer.
    public var loadState: String?
    /// `ActiveState`: `active`, `inactive`, `failed`, `activating`, `reloading`, ….
    public var activeState: String?
    /// `systemctl is-enabled`'s answer: `enabled`, `disabled`, `static`, `masked`,
    /// `indirect`, `generated`, …; nil when it printed nothing (systemd 215 prints nothing
    /// for a unit that does not exist, later versions `not-found`).
    public var enablement: String?

    public init(loadState: String?, activeState: String?, enablement: String?) {
        self.loadState = loadState
        self.activeState = activeState
        self.enablement = enablement
    }

    /// Whether systemd knows the unit.
    public var exists: Bool { loadState != nil && loadState != "not-found" }

    /// Whether the unit runs or is on its way: `active`, `reloading` or `activating`.
    public var isActive: Bool { ["active", "reloading", "activating"].contains(activeState) }

    /// Whether the unit starts at boot by its own `[Install]` section (or sysv links).
    public var isEnabled: Bool { ["enabled", "enabled-runtime"].contains(enablement) }

    /// Whether `systemctl enable`/`disable` has nothing to act on: the unit has no
    /// `[Install]` section (`static`), is generated or only an alias, or is masked.
    public var isEnablementFixed: Bool {
        ["static", "generated", "indirect", "alias", "masked", "masked-runtime", "transient"]
            .contains(enablement)
    }
}

/// The state of the given systemd units (`systemctl show` and `systemctl is-enabled`, as
/// systemd 215 on jessie has them). The value maps each unit asked for to its state.
public struct ServiceStatesFact: Fact {
    /// Unit names, e.g. `nginx.service`.
    public let units: [String]

    /// - Precondition: every unit name is made of ASCII letters, digits and `:_.@-\`,
    ///   and does not start with `-`.
    public init(units: [String]) {
        precondition(units.allSatisfy(ServiceStatesFact.isValidUnit), "invalid unit names: \(units)")
        self.units = units
    }

    /// Whether `name` is a valid systemd unit name.
    public static func isValidUnit(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("-") && name.count <= 255
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || ":_.@-\\".unicodeScalars.contains($0)
            }
    }

    public var name: String { "ServiceStatesFact(\(units.joined(separator: " ")))" }

    public var command: String {
        var script = """
            if ! command -v systemctl >/dev/null 2>&1; then printf 'no-systemctl\\n'; exit 0; fi
            converge_unit() {
            \tsystemctl show -p LoadState -p ActiveState "$2" 2>/dev/null | sed "s/^/$1 /"
            \tprintf '%s is-enabled %s\\n' "$1" "$(systemctl is-enabled "$2" 2>/dev/null | head -n 1)"
            }

            """
        for (index, unit) in units.enumerated() {
            script += "converge_unit \(index) \(shellQuote(unit))\n"
        }
        return script
    }

    public func parse(_ output: String) throws -> [String: ServiceState] {
        var states = [String: ServiceState]()
        for unit in units {
            states[unit] = ServiceState(loadState: nil, activeState: nil, enablement: nil)
        }
        for line in lines(of: output) {
            if line == "no-systemctl" { break }
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard words.count >= 2, let index = Int(words[0]), units.indices.contains(index) else {
                throw FactParseError("unexpected line: \(line)")
            }
            let unit = units[index]
            let value = words.count == 3 ? String(words[2].trimmingWhitespace()) : ""
            if words[1] == "is-enabled" {
                states[unit]?.enablement = value.isEmpty ? nil : value
            } else if words[1].hasPrefix("LoadState=") {
                states[unit]?.loadState = String(words[1].dropFirst("LoadState=".count))
            } else if words[1].hasPrefix("ActiveState=") {
                states[unit]?.activeState = String(words[1].dropFirst("ActiveState=".count))
            } else {
                throw FactParseError("\(unit): unexpected line: \(line)")
            }
        }
        return states
    }
}
