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
        let words = units.map(shellQuote).joined(separator: " ")
        // One `systemctl show` for all units: it prints each unit's properties, a blank line
        // between units (systemd 215 as today). `is-enabled` runs per unit: given several,
        // it stops at the first unit without a unit file (215 to today) and answers SysV
        // services first, out of order.
        var script = """
            if ! command -v systemctl >/dev/null 2>&1; then printf 'no-systemctl\\n'; exit 0; fi
            printf 'show\\n'
            systemctl show -p LoadState -p ActiveState \(words) 2>/dev/null
            printf 'end\\n'
            converge_nl='
            '
            converge_enabled() {
            \tconverge_e=$(systemctl is-enabled "$2" 2>/dev/null)
            \tprintf '%s is-enabled %s\\n' "$1" "${converge_e%%${converge_nl}*}"
            }

            """
        for (index, unit) in units.enumerated() {
            script += "converge_enabled \(index) \(shellQuote(unit))\n"
        }
        return script
    }

    public func parse(_ output: String) throws -> [String: ServiceState] {
        var states = [String: ServiceState]()
        for unit in units {
            states[unit] = ServiceState(loadState: nil, activeState: nil, enablement: nil)
        }
        let lines = lines(of: output)
        if lines.first == "no-systemctl" { return states }
        guard lines.first == "show", let end = lines.firstIndex(of: "end") else {
            throw FactParseError("no systemctl show section: \(output)")
        }
        // The units' properties in order, one block per unit, blocks parted by blank lines.
        let blocks = lines[1..<end].split(separator: "", omittingEmptySubsequences: false)
        if end > 1 {
            guard blocks.count == units.count else {
                throw FactParseError("systemctl show gave \(blocks.count) units for \(units.count)")
            }
            for (unit, block) in zip(units, blocks) {
                for line in block {
                    if line.hasPrefix("LoadState=") {
                        states[unit]?.loadState = String(line.dropFirst("LoadState=".count))
                    } else if line.hasPrefix("ActiveState=") {
                        states[unit]?.activeState = String(line.dropFirst("ActiveState=".count))
                    } else {
                        throw FactParseError("\(unit): unexpected line: \(line)")
                    }
                }
            }
        }
        for line in lines[(end + 1)...] {
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard words.count >= 2, words[1] == "is-enabled", let index = Int(words[0]), units.indices.contains(index)
            else { throw FactParseError("unexpected line: \(line)") }
            let value = words.count == 3 ? String(words[2].trimmingWhitespace()) : ""
            states[units[index]]?.enablement = value.isEmpty ? nil : value
        }
        return states
    }
}
