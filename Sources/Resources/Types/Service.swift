/// A systemd service: whether it runs, whether it starts at boot, and how it takes a
/// change of the resources that notify it.
///
/// ```swift
/// Service("nginx", running: true, enabled: true, reload: true)
/// File("/etc/nginx/nginx.conf", content: config, notifies: [.service("nginx")])
/// ```
///
/// A notified service is restarted (reloaded when ``reloads``) once, after all the resources
/// notifying it, and only when one of them changed; not when this run starts it anyway.
/// A service is converged after its package: the ``Package`` named like it, or ``package``.
public struct Service: NotifiableResource, Hashable {
    /// The unit's name without the `.service` suffix, e.g. `nginx`.
    public var name: String
    /// Whether it must be active (`true`), inactive (`false`), or either (`nil`).
    public var running: Bool?
    /// Whether it must be enabled at boot (`true`), disabled (`false`), or either (`nil`).
    public var enabled: Bool?
    /// Whether a notification reloads (`systemctl reload`) rather than restarts it.
    public var reloads: Bool
    /// The package providing the unit, when it is not named like the service.
    public var package: String?
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, running: Bool? = true, enabled: Bool? = true, reload: Bool = false,
        package: String? = nil, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = Service.shortName(name)
        self.running = running
        self.enabled = enabled
        self.reloads = reload
        self.package = package
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { .service(name) }

    /// The systemd unit, e.g. `nginx.service`.
    public var unit: String { name + ".service" }

    /// Its ``unit``: a restart pending is marked under the unit's name.
    public var pendingName: String { unit }

    /// `nginx` for `nginx` and `nginx.service`.
    static func shortName(_ name: String) -> String {
        name.hasSuffix(".service") ? String(name.dropLast(".service".count)) : name
    }
}

// MARK: Planning

extension Service {
    public static var stage: ConvergenceStage { .services }
    public var implicitRequirements: [ResourceID] { [.package(package ?? name)] }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        try query.addUnit(unit, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        guard let current = context.state.services[unit] else { throw .missingFacts(id) }
        // A unit its package (or unit file) has yet to install counts as stopped and
        // disabled; the step runs after that install and acts on what is there by then.
        let installer = context.firstChanged(among: requires + [.package(self.package ?? name), .file("/etc/systemd/system/" + unit)])
        let active = current.exists && current.isActive && !current.isMasked
        let enabled = current.exists && current.isEnabled
        var reasons: [String] = []
        var fields: [FieldChange] = []
        if current.exists, current.isMasked, self.running == true || self.enabled == true {
            reasons.append("masked")
        }
        if let wanted = self.enabled, wanted != enabled, wanted == false || !current.isEnablementFixed || current.isMasked {
            let now = current.exists && !current.isMasked ? "\(current.enablement ?? "disabled"), " : ""
            reasons.append(wanted ? "\(now)want enabled" : "enabled, want disabled")
            fields.append(FieldChange("enabled", old: current.enablement ?? "not-found", new: wanted ? "enabled" : "disabled"))
        }
        if let wanted = self.running, wanted != active {
            var now = ""
            if current.exists && !current.isMasked {
                now = current.isFailed ? "failed" + (current.result.map { " (\($0))" } ?? "") : current.activeState ?? "inactive"
                if current.conditionFailed { now += " (its start condition failed)" }
                now += ", "
            }
            reasons.append(wanted ? "\(now)want running" : "running, want stopped")
            fields.append(FieldChange("running", old: current.activeState ?? "unknown", new: wanted ? "active" : "inactive"))
        }
        // Debian starts and enables a service when its package installs: one that must stay
        // stopped or disabled is checked again once the package is there.
        if reasons.isEmpty, !current.exists, let installer, self.running == false || self.enabled == false {
            reasons.append("want " + [self.running == false ? "stopped" : nil, self.enabled == false ? "disabled" : nil]
                .compactMap { $0 }.joined(separator: " and ") + " once \(installer) installs it")
        }
        if !reasons.isEmpty, !current.exists {
            reasons.insert(installer.map { "not installed yet (\($0) installs it)" } ?? "not installed", at: 0)
        }
        let starts = self.running == true && !active
        var changedNotifiers = context.notifiers.filter(context.hasChanged).map(\.description)
        if current.restartPending, current.exists {
            changedNotifiers.append("a restart left pending by an earlier converge")
        }
        let verb = reloads ? "reload" : "restart"
        if !reasons.isEmpty {
            // A unit its package installs in this run may be running by the time the step
            // runs (Debian's postinst starts it, with the package's own configuration):
            // then the changes that notify it need a restart all the same.
            let refresh = !current.exists && !changedNotifiers.isEmpty && self.running != false ? verb : nil
            if let refresh { reasons.append("\(refresh) if its package started it, for " + changedNotifiers.joined(separator: ", ")) }
            context.append(Change(
                resource: id, action: .update, reason: reasons.joined(separator: "; "), fields: fields,
                operation: .ensureService(unit: unit, running: self.running, enabled: self.enabled, refresh: refresh)))
        }
        // Starting it now picks the change up anyway; stopping it leaves nothing to restart.
        guard !changedNotifiers.isEmpty, !starts, self.running != false, self.running == true || active
        else { return }
        context.append(Change(
            resource: id, action: reloads ? .reload : .restart,
            reason: "notified by " + changedNotifiers.joined(separator: ", "),
            operation: .systemctl(unit: unit, verbs: [verb])))
    }
}
