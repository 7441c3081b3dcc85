import Foundation
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
    /// `SubState`: `running`, `dead`, `exited`, `failed`, `auto-restart`, ….
    public var subState: String?
    /// `Result` of the last run: `success`, `exit-code`, `signal`, `core-dump`, `timeout`, ….
    public var result: String?
    /// When the unit entered its current state (Unix time); nil when systemd has no record
    /// (it never ran since boot).
    public var since: Int?
    /// Whether the unit's `Condition…=` checks failed when it last tried to start (e.g.
    /// `ConditionVirtualization=!container`): systemd then skips it, and it stays inactive.
    public var conditionFailed: Bool
    /// Whether an earlier converge changed something that notifies the unit and did not get
    /// to restart it (a marker in ``pendingDirectory``): the running unit may predate its
    /// configuration.
    public var restartPending: Bool

    /// Where converge marks units whose restart is pending, one empty file per unit.
    public static let pendingDirectory = "/var/lib/converge/pending"

    public init(
        loadState: String?, activeState: String?, enablement: String?, subState: String? = nil,
        result: String? = nil, since: Int? = nil, conditionFailed: Bool = false, restartPending: Bool = false
    ) {
        self.loadState = loadState
        self.activeState = activeState
        self.enablement = enablement
        self.subState = subState
        self.result = result
        self.since = since
        self.conditionFailed = conditionFailed
        self.restartPending = restartPending
    }

    /// Whether systemd knows the unit.
    public var exists: Bool { loadState != nil && loadState != "not-found" }

    /// Whether the unit is masked (linked to /dev/null), so nothing can start it.
    public var isMasked: Bool { loadState == "masked" || enablement?.hasPrefix("masked") == true }

    /// Whether the unit runs or is on its way: `active`, `reloading` or `activating`.
    public var isActive: Bool { ["active", "reloading", "activating"].contains(activeState) }

    /// Whether the unit failed: its last run ended badly and systemd keeps it failed.
    public var isFailed: Bool { activeState == "failed" }

    /// Whether the unit starts at boot by its own `[Install]` section (or sysv links).
    public var isEnabled: Bool { ["enabled", "enabled-runtime"].contains(enablement) }

    /// Whether `systemctl enable`/`disable` has nothing to act on: the unit has no
    /// `[Install]` section (`static`), is generated or only an alias, or is masked.
    public var isEnablementFixed: Bool {
        ["static", "generated", "indirect", "alias", "masked", "masked-runtime", "transient"]
            .contains(enablement)
    }

    /// The state in a few words, for plans and reports: `masked`, `failed (exit-code)`,
    /// `not installed`, `active (running)`, `inactive (dead), disabled`.
    public var summary: String {
        guard exists else { return "not installed" }
        if isMasked { return "masked" }
        var words = activeState ?? "unknown"
        if isFailed, let result, result != "success" {
            words += " (\(result))"
        } else if let subState, subState != activeState {
            words += " (\(subState))"
        }
        if conditionFailed, !isActive { words += ", condition failed" }
        if let enablement, !isEnablementFixed || enablement == "static" { words += ", \(enablement)" }
        return words
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
        // between units (systemd 215 as today), UnitFileState saying whether each is enabled.
        // Only where it does not say (SysV services, units not installed) does `is-enabled`
        // run, once per unit: given several, it stops at the first unit without a unit file
        // (215 to today) and answers SysV services first, out of order.
        return """
        if ! command -v systemctl >/dev/null 2>&1; then printf 'no-systemctl\\n'; exit 0; fi
        converge_show=$(TZ=UTC systemctl show -p LoadState -p ActiveState -p SubState -p Result -p ConditionResult -p ConditionTimestamp \\
        \t-p UnitFileState -p StateChangeTimestamp -p ActiveEnterTimestamp -p InactiveEnterTimestamp \(words) 2>/dev/null)
        printf 'show\\n'
        if [ -n "$converge_show" ]; then printf '%s\\n' "$converge_show"; fi
        printf 'end\\n'
        converge_nl='
        '
        set -- \(words)
        converge_asked=
        converge_said=
        while IFS= read -r converge_l; do
        \tcase $converge_l in
        \t'')
        \t\t[ $# -gt 0 ] || break
        \t\t[ -n "$converge_said" ] || converge_asked="$converge_asked $1"
        \t\tconverge_said=
        \t\tshift ;;
        \tUnitFileState=enabled* | UnitFileState=disabled | UnitFileState=static | UnitFileState=masked* | \\
        \tUnitFileState=indirect | UnitFileState=alias | UnitFileState=linked* | UnitFileState=transient)
        \t\tconverge_said=yes ;;
        \tesac
        done <<CONVERGE_END_OF_SHOW
        $converge_show

        CONVERGE_END_OF_SHOW
        for converge_u in $converge_asked; do
        \tconverge_e=$(systemctl is-enabled "$converge_u" 2>/dev/null)
        \tprintf 'is-enabled %s %s\\n' "$converge_u" "${converge_e%%"$converge_nl"*}"
        done
        # shellcheck disable=SC2041 # the units, quoted, maybe only one
        for converge_u in \(words); do
        \tif [ -e "\(ServiceState.pendingDirectory)/$converge_u" ]; then printf 'pending %s\\n' "$converge_u"; fi
        done
        exit 0
        """
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
                var properties: [String: String] = [:]
                for line in block {
                    guard let equals = line.firstIndex(of: "=") else {
                        throw FactParseError("\(unit): unexpected line: \(line)")
                    }
                    properties[String(line[..<equals])] = String(line[line.index(after: equals)...])
                }
                states[unit]?.loadState = properties["LoadState"]
                states[unit]?.activeState = properties["ActiveState"]
                states[unit]?.subState = properties["SubState"]
                states[unit]?.result = properties["Result"]
                // ConditionResult is "no" too for a unit whose conditions were never checked.
                states[unit]?.conditionFailed = properties["ConditionResult"] == "no"
                    && !(properties["ConditionTimestamp"] ?? "").isEmpty
                if let enablement = properties["UnitFileState"], !enablement.isEmpty { states[unit]?.enablement = enablement }
                // StateChangeTimestamp (systemd 227 and later), else the enter time of the
                // state it is in (215); empty when it never changed since boot.
                let active = ["active", "reloading"].contains(properties["ActiveState"])
                states[unit]?.since = [
                    properties["StateChangeTimestamp"],
                    properties[active ? "ActiveEnterTimestamp" : "InactiveEnterTimestamp"],
                ].lazy.compactMap { $0.flatMap(parseSystemdTimestamp) }.first
            }
        }
        for line in lines[(end + 1)...] {
            // `is-enabled <unit> <answer>` (where the unit file state did not say), `pending <unit>`.
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard words.count >= 2, states[String(words[1])] != nil else { throw FactParseError("unexpected line: \(line)") }
            let unit = String(words[1])
            switch words[0] {
            case "pending" where words.count == 2:
                states[unit]?.restartPending = true
            case "is-enabled":
                let value = words.count == 3 ? String(words[2].trimmingWhitespace()) : ""
                states[unit]?.enablement = value.isEmpty ? nil : value
            default:
                throw FactParseError("unexpected line: \(line)")
            }
        }
        return states
    }
}

/// Unix time from systemd's `Tue 2026-12-01 10:40:01 UTC` (shown with TZ=UTC); nil for
/// an empty or other value.
func parseSystemdTimestamp(_ text: String) -> Int? {
    let words = text.split(separator: " ")
    guard words.count == 4, words[3] == "UTC" else { return nil }
    let date = words[1].split(separator: "-").compactMap { Int($0) }
    let time = words[2].split(separator: ":").compactMap { Int($0) }
    guard date.count == 3, time.count == 3 else { return nil }
    var components = DateComponents()
    (components.year, components.month, components.day) = (date[0], date[1], date[2])
    (components.hour, components.minute, components.second) = (time[0], time[1], time[2])
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar.date(from: components).map { Int($0.timeIntervalSince1970) }
}
