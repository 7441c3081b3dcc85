import Facts
import Foundation
import Resources

/// Settings of the planner.
public struct PlanOptions: Codable, Hashable, Sendable {
    /// How old apt's lists may be, in seconds, before a `latest` package makes the plan
    /// refresh them (`apt-get update`) to learn of newer versions. One day by default.
    public var maximumListAge: Int

    public init(maximumListAge: Int = 24 * 60 * 60) {
        self.maximumListAge = maximumListAge
    }
}

/// Works out what to change on a host: a pure function of resources, facts and secrets.
///
/// `apt-get update` is planned (once, before the first package change that needs it) only
/// when apt cannot satisfy a wanted package as its lists stand: a package to install has no
/// candidate, an exact version is not in apt's version table, there are no lists at all,
/// or a `latest` package is checked against lists older than
/// ``PlanOptions/maximumListAge``.
public enum Planner {
    /// The changes that bring the host from `state` to `resources`, in the order to make them.
    ///
    /// - Parameters:
    ///   - host: The host's inventory name.
    ///   - resources: Everything the host should have.
    ///   - state: Its facts, from ``HostStateQuery`` for the same resources.
    ///   - secrets: The secrets the resources use (``SecretValues/init(resolving:environment:)``).
    /// - Throws: ``PlanError``.
    public static func plan(
        host: String, resources: [any Resource], state: HostState, secrets: SecretValues = SecretValues(),
        options: PlanOptions = PlanOptions()
    ) throws(PlanError) -> HostPlan {
        let query = try HostStateQuery(resources: resources)
        let order = try convergenceOrder(of: resources)
        var builder = PlanBuilder(state: state, secrets: secrets, options: options)
        builder.declaredUsers = Set(resources.compactMap { ($0 as? User)?.name })
        builder.declaredGroups = Set(resources.compactMap { ($0 as? Group)?.name } + builder.declaredUsers)
        for index in order {
            try builder.add(resources[index], notifiers: resources.filter { $0.notifies.contains(resources[index].id) })
        }
        return HostPlan(
            host: host, factsFingerprint: state.fingerprint, query: query, changes: builder.finish())
    }
}

/// The plan of one host as it is built, resource by resource in convergence order.
private struct PlanBuilder {
    let state: HostState
    let secrets: SecretValues
    let options: PlanOptions
    var changes: [Change] = []
    var changed: Set<ResourceID> = []
    /// Why apt's lists need refreshing, and the index of the first change needing it.
    var refresh: (reason: String, before: Int)?
    /// Unit files changed since the last `systemctl daemon-reload` planned.
    var changedUnitFiles: [String] = []
    /// Users and groups the host's resources declare (a user's own group among them):
    /// they exist by the time a path is given to them.
    var declaredUsers: Set<String> = []
    var declaredGroups: Set<String> = []

    init(state: HostState, secrets: SecretValues, options: PlanOptions) {
        self.state = state
        self.secrets = secrets
        self.options = options
    }

    mutating func finish() -> [Change] {
        reloadSystemdIfUnitsChanged()
        guard let refresh else { return changes }
        // Before the whole run of package changes it belongs to: they are one apt transaction.
        var position = refresh.before
        while position > 0, changes[position - 1].operation.isPackageChange { position -= 1 }
        var result = changes
        result.insert(
            Change(
                resource: ResourceID(kind: "apt", name: "update"), action: .run, reason: refresh.reason,
                operation: .refreshPackageLists),
            at: position)
        return result
    }

    mutating func append(_ change: Change) {
        switch change.operation {
        case .systemctl, .ensureService: reloadSystemdIfUnitsChanged()
        default: break
        }
        changes.append(change)
        changed.insert(change.resource)
        if let path = change.operation.unitFilePath { changedUnitFiles.append(path) }
    }

    /// systemd acts on the unit files it last read: after one changes, a daemon-reload
    /// comes before the next systemctl command (or at the end).
    mutating func reloadSystemdIfUnitsChanged() {
        guard !changedUnitFiles.isEmpty else { return }
        changes.append(Change(
            resource: ResourceID(kind: "systemd", name: "daemon-reload"), action: .run,
            reason: "unit files changed: " + changedUnitFiles.joined(separator: ", "),
            operation: .reloadSystemd))
        changedUnitFiles = []
    }

    mutating func needRefresh(_ reason: String) {
        if refresh == nil { refresh = (reason, changes.count) }
    }

    mutating func add(_ resource: any Resource, notifiers: [any Resource]) throws(PlanError) {
        let first = changes.count
        try planChanges(of: resource, notifiers: notifiers)
        let units = resource.notifies.map { $0.name + ".service" }
        for index in changes.indices[first...] where changes[index].resource == resource.id {
            changes[index].notifies = units
        }
    }

    private mutating func planChanges(of resource: any Resource, notifiers: [any Resource]) throws(PlanError) {
        switch resource {
        case let package as Package: try plan(package)
        case let file as File: try plan(file)
        case let directory as Directory: try plan(directory)
        case let link as Symlink: try plan(link)
        case let user as User: try plan(user)
        case let group as Group: try plan(group)
        case let service as Service: try plan(service, notifiers: notifiers)
        case let command as Command: try plan(command)
        default: throw .unsupported(resource.id, String(describing: type(of: resource)))
        }
    }

    // MARK: Packages

    mutating func plan(_ package: Package) throws(PlanError) {
        guard let current = state.packages[package.name] else { throw .missingFacts(package.id) }
        let installed = current.installedVersion
        let lists = state.aptLists
        let noLists = lists.map { $0.packageIndexCount == 0 } ?? false
        func install(_ version: String?, _ action: Change.Action, _ reason: String, downgrade: Bool = false) {
            append(Change(
                resource: package.id, action: action, reason: reason,
                fields: [FieldChange("version", old: installed, new: version ?? "latest")],
                operation: .installPackage(name: package.name, version: version, allowDowngrade: downgrade)))
        }
        switch package.state {
        case .present:
            guard installed == nil else { return }
            if current.candidate == nil { needRefresh(noLists ? "no apt lists" : "\(package.name) has no candidate in apt's lists") }
            install(nil, .create, "not installed")
        case .absent:
            guard let installed else { return }
            append(Change(
                resource: package.id, action: .remove, reason: "installed (\(installed))",
                fields: [FieldChange("version", old: installed, new: nil)],
                operation: .removePackage(name: package.name)))
        case .latest:
            let age = lists?.age
            let stale = noLists || age.map { $0 > options.maximumListAge } ?? true
            if let installed, !stale {
                guard let candidate = current.candidate, candidate != installed else { return }
                install(nil, .update, "version \(installed), candidate \(candidate)")
            } else if let installed {
                needRefresh(noLists ? "no apt lists" : "apt lists are \(describeAge(age)) old (at most \(describeAge(options.maximumListAge)) for latest)")
                install(nil, .update, "version \(installed); apt lists refreshed to look for a newer one")
            } else {
                if stale || current.candidate == nil {
                    needRefresh(noLists ? "no apt lists" : current.candidate == nil
                        ? "\(package.name) has no candidate in apt's lists"
                        : "apt lists are \(describeAge(age)) old (at most \(describeAge(options.maximumListAge)) for latest)")
                }
                install(nil, .create, "not installed")
            }
        case .version(let version):
            guard installed != version else { return }
            if !current.availableVersions.contains(version) {
                needRefresh(noLists ? "no apt lists" : "\(package.name) \(version) is not in apt's lists")
            }
            if let installed {
                install(version, .update, "version \(installed), want \(version)", downgrade: true)
            } else {
                install(version, .create, "not installed, want \(version)")
            }
        }
    }

    // MARK: Files

    mutating func plan(_ file: File) throws(PlanError) {
        let current = state.paths[file.path]
        if file.presence == .absent {
            guard let current else { return planRemovalAfterInstall(file, recursive: false) }
            guard current.kind != .directory else { throw .conflict(file.id, "a directory is there, not a file") }
            append(Change(
                resource: file.id, action: .remove, reason: "exists", operation: .removePath(path: file.path, recursive: false)))
            return
        }
        try validateMode(file.mode, of: file.id)
        try checkAccounts(owner: file.owner, group: file.group, of: file)
        let bytes: Data?
        let fileBytes: FileBytes?
        switch file.content {
        case nil:
            bytes = nil
            fileBytes = nil
        case .text(let text):
            bytes = Data(text.utf8)
            fileBytes = .inline(bytes!)
        case .data(let data):
            bytes = data
            fileBytes = .inline(data)
        case .secret(let text):
            let data = try secrets.render(text, for: file.id)
            bytes = data
            fileBytes = .secret(text: text, digest: secrets.key.digest(data), size: data.count)
        case .controllerFile(let path):
            throw .invalid(file.id, "the controller file \(path) was not read before planning")
        }
        let isSecret = file.content?.isSecret == true
        let newHash = sha256Hex(bytes ?? Data())
        // What a plan shows of the wanted content: a secret's only by its keyed digest.
        let shownHash: String
        if case .secret(_, let digest, _)? = fileBytes { shownHash = digest } else { shownHash = newHash }

        guard let current, current.kind == .file else {
            if let current, current.kind != .symlink {
                throw .conflict(file.id, "a \(current.kind.rawValue) is there, not a file")
            }
            let mode = file.mode ?? file.defaultMode
            var fields = [FieldChange("mode", old: nil, new: octal(mode))]
            if let owner = file.owner { fields.append(FieldChange("owner", old: nil, new: owner)) }
            if let group = file.group { fields.append(FieldChange("group", old: nil, new: group)) }
            let content = ContentChange(
                oldSHA256: nil, newSHA256: shownHash, oldSize: nil, newSize: bytes?.count ?? 0, oldText: nil,
                newText: isSecret ? nil : bytes.flatMap(displayableText), isSecret: isSecret)
            append(Change(
                resource: file.id, action: current == nil ? .create : .update,
                reason: current == nil ? "does not exist" : "a symlink to \(current?.target ?? "?") is in the way",
                fields: fields, content: content,
                operation: .writeFile(
                    path: file.path, bytes: fileBytes ?? .inline(Data()), owner: file.owner, group: file.group,
                    mode: mode)))
            return
        }

        var reasons: [String] = []
        var fields: [FieldChange] = []
        var content: ContentChange?
        if let bytes, current.sha256 != newHash {
            reasons.append("content differs")
            content = ContentChange(
                oldSHA256: isSecret ? nil : current.sha256, newSHA256: shownHash, oldSize: current.size, newSize: bytes.count,
                oldText: isSecret ? nil : current.content.flatMap(displayableText),
                newText: isSecret ? nil : displayableText(bytes), isSecret: isSecret)
        }
        let attributes = attributeChanges(
            owner: file.owner, group: file.group, mode: file.mode, current: current, reasons: &reasons, fields: &fields)
        guard !reasons.isEmpty else { return }
        let operation: HostOperation
        if content != nil, let fileBytes {
            // A rewritten file keeps what attributes it had unless told otherwise.
            operation = .writeFile(
                path: file.path, bytes: fileBytes, owner: file.owner ?? current.owner ?? String(current.uid),
                group: file.group ?? current.group ?? String(current.gid), mode: file.mode ?? current.mode)
        } else {
            operation = .setAttributes(path: file.path, owner: attributes.owner, group: attributes.group, mode: attributes.mode)
        }
        append(Change(
            resource: file.id, action: .update, reason: reasons.joined(separator: "; "), fields: fields, content: content,
            operation: operation))
    }

    /// The owner, group and mode that differ from `current`, with reasons and fields.
    func attributeChanges(
        owner: String?, group: String?, mode: UInt16?, current: PathState, reasons: inout [String],
        fields: inout [FieldChange]
    ) -> (owner: String?, group: String?, mode: UInt16?) {
        var result: (owner: String?, group: String?, mode: UInt16?) = (nil, nil, nil)
        let currentOwner = current.owner ?? String(current.uid)
        let currentGroup = current.group ?? String(current.gid)
        if let owner, owner != currentOwner, owner != String(current.uid) {
            reasons.append("owner \(currentOwner), want \(owner)")
            fields.append(FieldChange("owner", old: currentOwner, new: owner))
            result.owner = owner
        }
        if let group, group != currentGroup, group != String(current.gid) {
            reasons.append("group \(currentGroup), want \(group)")
            fields.append(FieldChange("group", old: currentGroup, new: group))
            result.group = group
        }
        if let mode, mode != current.mode {
            reasons.append("mode \(octal(current.mode)), want \(octal(mode))")
            fields.append(FieldChange("mode", old: octal(current.mode), new: octal(mode)))
            result.mode = mode
        }
        return result
    }

    mutating func plan(_ directory: Directory) throws(PlanError) {
        let current = state.paths[directory.path]
        if directory.presence == .absent {
            guard let current else { return planRemovalAfterInstall(directory, recursive: true) }
            guard current.kind == .directory else {
                throw .conflict(directory.id, "a \(current.kind.rawValue) is there, not a directory")
            }
            append(Change(
                resource: directory.id, action: .remove, reason: "exists",
                operation: .removePath(path: directory.path, recursive: true)))
            return
        }
        try checkAccounts(owner: directory.owner, group: directory.group, of: directory)
        try validateMode(directory.mode, of: directory.id)
        guard let current else {
            var fields: [FieldChange] = []
            if let owner = directory.owner { fields.append(FieldChange("owner", old: nil, new: owner)) }
            if let group = directory.group { fields.append(FieldChange("group", old: nil, new: group)) }
            if let mode = directory.mode { fields.append(FieldChange("mode", old: nil, new: octal(mode))) }
            append(Change(
                resource: directory.id, action: .create, reason: "does not exist", fields: fields,
                operation: .makeDirectory(
                    path: directory.path, owner: directory.owner, group: directory.group, mode: directory.mode)))
            return
        }
        guard current.kind == .directory else {
            throw .conflict(directory.id, "a \(current.kind.rawValue) is there, not a directory")
        }
        var reasons: [String] = []
        var fields: [FieldChange] = []
        let attributes = attributeChanges(
            owner: directory.owner, group: directory.group, mode: directory.mode, current: current, reasons: &reasons,
            fields: &fields)
        guard !reasons.isEmpty else { return }
        append(Change(
            resource: directory.id, action: .update, reason: reasons.joined(separator: "; "), fields: fields,
            operation: .setAttributes(
                path: directory.path, owner: attributes.owner, group: attributes.group, mode: attributes.mode)))
    }

    mutating func plan(_ link: Symlink) throws(PlanError) {
        let current = state.paths[link.path]
        if link.presence == .absent {
            guard let current else { return planRemovalAfterInstall(link, recursive: false) }
            guard current.kind == .symlink else {
                throw .conflict(link.id, "a \(current.kind.rawValue) is there, not a symlink")
            }
            append(Change(
                resource: link.id, action: .remove, reason: "exists", operation: .removePath(path: link.path, recursive: false)))
            return
        }
        guard !link.target.isEmpty, !link.target.contains("\0") else { throw .invalid(link.id, "needs a target") }
        let operation = HostOperation.makeSymlink(path: link.path, target: link.target)
        switch current?.kind {
        case nil:
            append(Change(
                resource: link.id, action: .create, reason: "does not exist",
                fields: [FieldChange("target", old: nil, new: link.target)], operation: operation))
        case .symlink:
            guard current?.target != link.target else { return }
            append(Change(
                resource: link.id, action: .update, reason: "points to \(current?.target ?? "?"), want \(link.target)",
                fields: [FieldChange("target", old: current?.target, new: link.target)], operation: operation))
        case .file:
            append(Change(
                resource: link.id, action: .update, reason: "a regular file is in the way",
                fields: [FieldChange("target", old: nil, new: link.target)], operation: operation))
        case .directory, .other:
            throw .conflict(link.id, "a \(current!.kind.rawValue) is there, not a symlink")
        }
    }

    /// A path that must be absent and is, yet a package this plan installs first (one the
    /// resource requires) may create it: removed after that install, to be sure.
    mutating func planRemovalAfterInstall(_ resource: any Resource, recursive: Bool) {
        guard let path = managedPath(of: resource), let installer = installedFirst(resource.requires) else { return }
        append(Change(
            resource: resource.id, action: .remove, reason: "absent now; removed if \(installer) creates it",
            operation: .removePath(path: path, recursive: recursive)))
    }

    // MARK: Accounts

    mutating func plan(_ user: User) throws(PlanError) {
        let current = state.users[user.name]
        if user.presence == .absent {
            guard let current else { return }
            append(Change(
                resource: user.id, action: .remove, reason: "exists (uid \(current.uid))",
                operation: .removeUser(name: user.name)))
            return
        }
        for group in [user.group].compactMap({ $0 }) + user.groups {
            try validateAccountName(group, of: user.id)
        }
        guard let current else {
            var fields: [FieldChange] = []
            if let uid = user.uid { fields.append(FieldChange("uid", old: nil, new: String(uid))) }
            if let group = user.group { fields.append(FieldChange("group", old: nil, new: group)) }
            if !user.groups.isEmpty { fields.append(FieldChange("groups", old: nil, new: user.groups.joined(separator: ","))) }
            if let home = user.home { fields.append(FieldChange("home", old: nil, new: home)) }
            if let shell = user.shell { fields.append(FieldChange("shell", old: nil, new: shell)) }
            append(Change(
                resource: user.id, action: .create, reason: "does not exist", fields: fields,
                operation: .createUser(
                    name: user.name, uid: user.uid, group: user.group, groups: user.groups, home: user.home,
                    shell: user.shell, system: user.isSystem)))
            return
        }
        var reasons: [String] = []
        var fields: [FieldChange] = []
        var uid: Int?, group: String?, home: String?, shell: String?
        if let wanted = user.uid, wanted != current.uid {
            reasons.append("uid \(current.uid), want \(wanted)")
            fields.append(FieldChange("uid", old: String(current.uid), new: String(wanted)))
            uid = wanted
        }
        if let wanted = user.group, wanted != current.primaryGroup {
            reasons.append("group \(current.primaryGroup), want \(wanted)")
            fields.append(FieldChange("group", old: current.primaryGroup, new: wanted))
            group = wanted
        }
        let missing = user.groups.filter { !current.groups.contains($0) }
        if !missing.isEmpty {
            reasons.append("not in \(missing.joined(separator: ", "))")
            fields.append(FieldChange(
                "groups", old: current.groups.joined(separator: ","),
                new: (current.groups + missing).joined(separator: ",")))
        }
        if let wanted = user.home, wanted != current.home {
            reasons.append("home \(current.home), want \(wanted)")
            fields.append(FieldChange("home", old: current.home, new: wanted))
            home = wanted
        }
        if let wanted = user.shell, wanted != current.shell {
            reasons.append("shell \(current.shell), want \(wanted)")
            fields.append(FieldChange("shell", old: current.shell, new: wanted))
            shell = wanted
        }
        guard !reasons.isEmpty else { return }
        append(Change(
            resource: user.id, action: .update, reason: reasons.joined(separator: "; "), fields: fields,
            operation: .modifyUser(name: user.name, uid: uid, group: group, addGroups: missing, home: home, shell: shell)))
    }

    mutating func plan(_ group: Group) throws(PlanError) {
        let current = state.groups[group.name]
        if group.presence == .absent {
            guard let current else { return }
            append(Change(
                resource: group.id, action: .remove, reason: "exists (gid \(current.gid))",
                operation: .removeGroup(name: group.name)))
            return
        }
        guard let current else {
            append(Change(
                resource: group.id, action: .create, reason: "does not exist",
                fields: group.gid.map { [FieldChange("gid", old: nil, new: String($0))] } ?? [],
                operation: .createGroup(name: group.name, gid: group.gid, system: group.isSystem)))
            return
        }
        guard let gid = group.gid, gid != current.gid else { return }
        append(Change(
            resource: group.id, action: .update, reason: "gid \(current.gid), want \(gid)",
            fields: [FieldChange("gid", old: String(current.gid), new: String(gid))],
            operation: .modifyGroup(name: group.name, gid: gid)))
    }

    // MARK: Services and commands

    mutating func plan(_ service: Service, notifiers: [any Resource]) throws(PlanError) {
        guard let current = state.services[service.unit] else { throw .missingFacts(service.id) }
        // A unit its package (or unit file) has yet to install counts as stopped and
        // disabled; the step runs after that install and acts on what is there by then.
        let installer = installedFirst(service.requires + [.package(service.package ?? service.name), .file("/etc/systemd/system/" + service.unit)])
        let active = current.exists && current.isActive && !current.isMasked
        let enabled = current.exists && current.isEnabled
        var reasons: [String] = []
        var fields: [FieldChange] = []
        if current.exists, current.isMasked, service.running == true || service.enabled == true {
            reasons.append("masked")
        }
        if let wanted = service.enabled, wanted != enabled, wanted == false || !current.isEnablementFixed || current.isMasked {
            let now = current.exists && !current.isMasked ? "\(current.enablement ?? "disabled"), " : ""
            reasons.append(wanted ? "\(now)want enabled" : "enabled, want disabled")
            fields.append(FieldChange("enabled", old: current.enablement ?? "not-found", new: wanted ? "enabled" : "disabled"))
        }
        if let wanted = service.running, wanted != active {
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
        if reasons.isEmpty, !current.exists, let installer, service.running == false || service.enabled == false {
            reasons.append("want " + [service.running == false ? "stopped" : nil, service.enabled == false ? "disabled" : nil]
                .compactMap { $0 }.joined(separator: " and ") + " once \(installer) installs it")
        }
        if !reasons.isEmpty, !current.exists {
            reasons.insert(installer.map { "not installed yet (\($0) installs it)" } ?? "not installed", at: 0)
        }
        let starts = service.running == true && !active
        var changedNotifiers = notifiers.map(\.id).filter(changed.contains).map(\.description)
        if current.restartPending, current.exists {
            changedNotifiers.append("a restart left pending by an earlier converge")
        }
        let verb = service.reloads ? "reload" : "restart"
        if !reasons.isEmpty {
            // A unit its package installs in this run may be running by the time the step
            // runs (Debian's postinst starts it, with the package's own configuration):
            // then the changes that notify it need a restart all the same.
            let refresh = !current.exists && !changedNotifiers.isEmpty && service.running != false ? verb : nil
            if let refresh { reasons.append("\(refresh) if its package started it, for " + changedNotifiers.joined(separator: ", ")) }
            append(Change(
                resource: service.id, action: .update, reason: reasons.joined(separator: "; "), fields: fields,
                operation: .ensureService(unit: service.unit, running: service.running, enabled: service.enabled, refresh: refresh)))
        }
        // Starting it now picks the change up anyway; stopping it leaves nothing to restart.
        guard !changedNotifiers.isEmpty, !starts, service.running != false, service.running == true || active
        else { return }
        append(Change(
            resource: service.id, action: service.reloads ? .reload : .restart,
            reason: "notified by " + changedNotifiers.joined(separator: ", "),
            operation: .systemctl(unit: service.unit, verbs: [verb])))
    }

    /// A path's owner and group must exist on the host, be declared by the host's resources,
    /// or come with a package the resource requires that this plan installs first.
    func checkAccounts(owner: String?, group: String?, of resource: any Resource) throws(PlanError) {
        let deferred = installedFirst(resource.requires) != nil
        if let owner, !isNumericID(owner), owner != "root", state.users[owner] == nil, !declaredUsers.contains(owner), !deferred {
            throw .invalid(resource.id, "owner \"\(owner)\" does not exist on the host: declare User(\"\(owner)\"), "
                + "or require the package that creates it (requires: [.package(...)])")
        }
        if let group, !isNumericID(group), group != "root", state.groups[group] == nil, !declaredGroups.contains(group), !deferred {
            throw .invalid(resource.id, "group \"\(group)\" does not exist on the host: declare Group(\"\(group)\"), "
                + "or require the package that creates it (requires: [.package(...)])")
        }
    }

    /// The first of `candidates` this plan installs, writes or changes before the resource
    /// being planned: it may create or change what the facts saw.
    func installedFirst(_ candidates: [ResourceID]) -> ResourceID? {
        candidates.first { changed.contains($0) }
    }

    mutating func plan(_ command: Command) throws(PlanError) {
        guard !command.command.isEmpty else { throw .invalid(command.id, "has an empty command") }
        guard command.retries >= 0, command.delay >= 0 else {
            throw .invalid(command.id, "retries and delay cannot be negative")
        }
        let reason: String
        if command.creates != nil || command.unless != nil {
            guard let guardState = state.guards[command.name] else { throw .missingFacts(command.id) }
            if guardState.holds {
                // What the guard looks at may be about to change: the run checks it again
                // right before the command, after what it requires.
                guard let first = installedFirst(command.requires) else { return }
                reason = "its guard holds now, but \(first) changes first: checked again when it runs"
            } else {
                var reasons: [String] = []
                if let creates = command.creates { reasons.append("\(creates) does not exist") }
                if let status = guardState.unlessStatus { reasons.append("`unless` exited \(status)") }
                reason = reasons.joined(separator: "; ")
            }
        } else {
            reason = "no guard: runs every time"
        }
        append(Change(
            resource: command.id, action: .run, reason: reason,
            operation: .runCommand(
                command: command.command, creates: command.creates, unless: command.unless,
                retries: command.retries, delay: command.delay)))
    }
}
