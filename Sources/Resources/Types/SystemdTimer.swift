import Facts

/// A systemd timer and the oneshot service it starts: a scheduled job with systemd's
/// logging, its catch-up of runs missed while the host was off (`Persistent=`), and no
/// overlap of one run with the next.
///
/// ```swift
/// SystemdTimer("backup-manager", onCalendar: "*-*-* 02:30:00", command: "/usr/sbin/backup-manager")
/// SystemdTimer("drift-report", onCalendar: "daily", user: "converge", command: "converge drift inventory/*.json")
/// ```
///
/// Writes `/etc/systemd/system/<name>.service` and `<name>.timer`, and keeps the timer
/// enabled and active; a changed timer is restarted to take its new schedule. The command
/// runs with `/bin/sh -c`. Works on systemd 215 (Debian 8) as on trixie's.
public struct SystemdTimer: Resource, Hashable {
    public var name: String
    /// When it fires, as systemd.time(7) writes a calendar event: `daily`, `Mon *-*-* 04:00`, `*:0/15`.
    public var onCalendar: String
    public var user: String
    public var command: String
    public var description: String?
    public var presence: Presence
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, onCalendar: String, user: String = "root", command: String, description: String? = nil,
        presence: Presence = .present, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = name
        self.onCalendar = onCalendar
        self.user = user
        self.command = command
        self.description = description
        self.presence = presence
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { ResourceID(kind: "timer", name: name) }

    public var serviceUnit: String { name + ".service" }
    public var timerUnit: String { name + ".timer" }
    var servicePath: String { "/etc/systemd/system/" + serviceUnit }
    var timerPath: String { "/etc/systemd/system/" + timerUnit }

    /// The command as an `ExecStart=` line reads it: `/bin/sh -c "…"` with systemd's
    /// escapes (`\\` and `\"` in quotes, `%%` for a `%`, `$$` for a `$`).
    var execStart: String {
        var escaped = ""
        for character in command {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "%": escaped += "%%"
            case "$": escaped += "$$"
            default: escaped.append(character)
            }
        }
        return "/bin/sh -c \"\(escaped)\""
    }

    var serviceText: String {
        """
        # Managed by converge.
        [Unit]
        Description=\(description ?? name)

        [Service]
        Type=oneshot
        User=\(user)
        ExecStart=\(execStart)

        """
    }

    var timerText: String {
        """
        # Managed by converge.
        [Unit]
        Description=\(description ?? name) (timer)

        [Timer]
        OnCalendar=\(onCalendar)
        Persistent=true

        [Install]
        WantedBy=timers.target

        """
    }
}

// MARK: Planning

extension SystemdTimer {
    public static var stage: ConvergenceStage { .services }
    public var implicitRequirements: [ResourceID] { [.user(user)] }
    public var managedPath: String? { timerPath }

    var files: [File] {
        presence == .present
            ? [File(servicePath, content: .text(serviceText), mode: 0o644), File(timerPath, content: .text(timerText), mode: 0o644)]
            : [File(timerPath, .absent), File(servicePath, .absent)]
    }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard !name.isEmpty, ServiceStatesFact.isValidUnit(timerUnit), !name.contains("@") else {
            throw .invalid(id, "not a unit name: \(name)")
        }
        if presence == .present {
            guard !onCalendar.isEmpty, !onCalendar.contains(where: \.isNewline) else { throw .invalid(id, "needs a calendar event on one line") }
            guard isValidAccountName(user) else { throw .invalid(id, "not a user name: \(user)") }
            guard !command.isEmpty, !command.contains(where: \.isNewline) else { throw .invalid(id, "needs a command on one line") }
            if let description, description.contains(where: \.isNewline) { throw .invalid(id, "a description is one line") }
        }
        try query.addUnit(timerUnit, for: id)
        for file in files { try file.addFacts(to: &query) }
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        guard let current = context.state.services[timerUnit] else { throw .missingFacts(id) }
        let active = current.exists && current.isActive && !current.isMasked
        if presence == .absent {
            if active || current.isEnabled {
                context.append(Change(
                    resource: id, action: .update, reason: "the timer is \(active ? "active" : "enabled"), want it gone",
                    operation: .ensureService(unit: timerUnit, running: false, enabled: false, refresh: nil)))
            }
            for file in files { try context.plan(file, as: id) }
            return
        }
        let first = context.changes.count
        for file in files { try context.plan(file, as: id) }
        let changed = context.changes.count > first
        if !active || !current.isEnabled || current.isMasked {
            context.append(Change(
                resource: id, action: .update,
                reason: "\(timerUnit) is \(current.exists ? (current.activeState ?? "inactive") + ", " + (current.enablement ?? "disabled") : "not there yet"), want active and enabled",
                fields: [FieldChange("timer", old: current.exists ? current.activeState : nil, new: "active, enabled")],
                operation: .ensureService(unit: timerUnit, running: true, enabled: true, refresh: nil)))
        } else if changed {
            // A running timer keeps the schedule it started with until it is restarted.
            context.append(Change(
                resource: id, action: .restart, reason: "its unit files changed",
                operation: .systemctl(unit: timerUnit, verbs: ["restart"])))
        }
    }
}
