import Facts
import Foundation
import Logging
import Inventory
import Planner
import Resources
import Secrets
import Shell
import SSH

/// The connection to a host failed while its apply script ran (the host went down, the
/// network or its sshd stopped answering, a second Ctrl-C cut it): what the script had
/// reported until then, and why the connection failed.
public struct ApplyConnectionLost: Error, Sendable {
    /// The steps the script reported; the others are ``ApplyResult/Outcome/unknown``.
    public var result: ApplyResult
    public var cause: SSHError
}

/// Planning and applying one host: connect, gather facts, evaluate its roles into
/// resources, gather their state, plan, and run the apply script.
///
/// Facts take two round trips on one session: the host facts the roles are evaluated
/// with (release, architecture), then one probe covering the state of every resource.
public struct Convergence: Sendable {
    static let logger = Logger(label: "converge.convergence")
    let connector: any HostConnecting
    let playbook: Playbook
    private let inventoryHosts: [InventoryHost]
    /// Every host of the inventory, as converge reaches it: the hosts a drain runs on.
    let fleet: [Inventory.Host]
    /// The inventory's file, which roles name in their errors (``HostContext/inventoryFile``).
    private let inventoryFile: String
    let environment: [String: String]
    let cache: RoleFactsCache?
    /// The run's secrets: the inventory's store, environment variables, controller files.
    public let secrets: SecretReader
    /// The key given for this run's digests, e.g. in tests; else the team's (``SecretReader/planKey()``).
    private let givenKey: PlanKey?
    /// Keys this run's digests when the inventory has no store (they are then only shown).
    private let runKey = PlanKey.random()

    /// - Parameters:
    ///   - playbook: the roles, by the names the inventory uses.
    ///   - inventory: the whole inventory, which roles see as ``HostContext/inventoryHosts``
    ///     (every host, not only those being converged).
    ///   - cache: remembers each host's role facts between runs; nil always asks the host first.
    ///   - secrets: reads the secrets the roles use; by default the inventory's store with
    ///     the user's keys (``SecretReader/init(inventory:environment:)``).
    ///   - key: keys the digests of secret contents; the team's plan key by default.
    public init(playbook: Playbook, inventory: Inventory, connector: any HostConnecting = HostConnector(),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                cache: RoleFactsCache? = RoleFactsCache(), secrets: SecretReader? = nil, key: PlanKey? = nil) {
        self.connector = connector
        self.secrets = secrets ?? SecretReader(inventory: inventory, environment: environment)
        self.givenKey = key
        self.playbook = playbook
        self.fleet = inventory.hosts
        self.inventoryHosts = inventory.hosts.map {
            InventoryHost(name: $0.name, address: $0.address, groups: $0.groups, vars: VarValue($0.vars))
        }
        self.inventoryFile = inventory.file
        self.environment = environment
        self.cache = cache
    }

    /// A host with its open session and the plan made from its current state.
    public struct PlannedHost: Sendable {
        public let host: Inventory.Host
        /// Its session: after a reboot, the one opened to the host come back.
        public internal(set) var connection: any HostConnection
        public let plan: HostPlan
        let secrets: SecretValues
        /// What tells that the host serves again once its changes are made (its roles' checks).
        public var healthChecks: [HealthCheck] = []
        /// How the host is taken out of rotation while its changes are made (its roles' drains).
        public var drains: [Drain] = []
        /// The drains a rollout made and did not undo (``DrainedMarker``): the host is
        /// still out of rotation.
        public var drainedBy: [String] = []
        /// Why apt's lists could not be refreshed before the facts were gathered, if they
        /// could not: the plan then refreshes them as a step, and an apply plans the host
        /// again after it, so that it installs what the refreshed lists offer.
        public var listRefreshFailure: String?
    }

    /// Plans `host` in one round trip when the role facts cached from its last run still
    /// hold: the roles are evaluated with them, and one probe gathers the host facts and the
    /// state of every resource. Only when the cache is missing or stale (the host was
    /// upgraded to another release, say) does a second probe follow.
    ///
    /// - Parameters:
    ///   - refreshingStaleLists: Whether apt's lists older than the host's package baseline
    ///   allows are refreshed before its facts are gathered (``ListRefresh``): an apply's
    ///   plan does, so that it installs what the archive offers now; `plan` does not.
    ///   - run: The run the host is part of, told of each phase (connect, facts, plan) and
    ///   given the connection to cut on a second interruption.
    public func plan(_ host: Inventory.Host, options: PlanOptions = PlanOptions(), refreshingStaleLists: Bool = false,
                     in run: HostRun? = nil) async throws -> PlannedHost {
        let key = try digestKey(for: host)
        let baseline = try packageBaseline(of: host)
        let connection = try await connect(host, in: run)
        do {
            run?.enter(.facts)
            var listRefreshFailure: String?
            if refreshingStaleLists, let baseline {
                // The plan refreshes the lists as a step instead, where a failure stops the host.
                listRefreshFailure = await ListRefresh.refresh(on: connection, maximumListAge: baseline.maximumListAge)
                if let listRefreshFailure {
                    run?.emit(.note(host: host.name, text: "apt's lists not refreshed before planning (\(listRefreshFailure)): the plan refreshes them"))
                }
            }
            var roleFacts = cache?.roleFacts(of: RoleFactsCache.key(for: host))
            // A role that fails on the cached facts may well succeed on the host's current
            // ones (an interface it binds to came up since): the fresh evaluation decides.
            var resources = roleFacts.flatMap { try? self.resources(for: host, context: $0) }
            var probe = FactProbe()
            // Only the facts roles see: a drift sweep (DriftSweep.swift) asks for more. With
            // cached facts to check, only the cheap ones (no `ip`, no `df`); without, all of
            // them, as the roles are evaluated with them before a second probe anyway.
            let roleFactKeys = RoleFacts.add(to: &probe, details: roleFacts == nil)
            let drainedKey = probe.add(DrainedMarker.Fact())
            let stateKeys = try resources.map { try HostStateQuery(resources: $0).add(to: &probe) }
            let results = probe.results(from: try await probeOutput(probe.script, on: connection, host: host))
            let drainedBy = try results.value(for: drainedKey)
            var currentRoleFacts = try roleFactKeys.roleFacts(from: results)

            var state = try stateKeys.map { try $0.state(from: results) }
            if roleFacts.map({ !$0.hasSameStableFacts(as: currentRoleFacts) }) ?? true || resources == nil || state == nil {
                Self.logger.debug("\(host.name): role facts \(roleFacts == nil ? "not cached" : "changed"): a second probe")
                if !currentRoleFacts.isComplete {
                    // The cached facts no longer hold: the interfaces and mounts too, now.
                    var details = FactProbe()
                    let keys = RoleFacts.add(to: &details, details: true)
                    currentRoleFacts = try keys.roleFacts(
                        from: details.results(from: try await probeOutput(details.script, on: connection, host: host)))
                }
                roleFacts = currentRoleFacts
                cache?.save(roleFacts!, of: RoleFactsCache.key(for: host))
                let fresh = try self.resources(for: host, context: roleFacts!)
                var second = FactProbe()
                let keys = try HostStateQuery(resources: fresh).add(to: &second)
                state = try keys.state(from: second.results(from: try await probeOutput(second.script, on: connection, host: host)))
                resources = fresh
            }
            run?.enter(.plan)
            let secrets = try SecretValues(resolving: resources!, with: self.secrets, key: key)
            let plan = try Planner.plan(host: host.name, resources: resources!, state: state!, secrets: secrets, options: options)
            return PlannedHost(host: host, connection: connection, plan: plan, secrets: secrets,
                               healthChecks: try healthChecks(for: host, context: roleFacts!),
                               drains: try drains(for: host, context: roleFacts!), drainedBy: drainedBy,
                               listRefreshFailure: listRefreshFailure)
        } catch let error as FactError {
            throw HostFailure(host: host.name, phase: "facts", message: error.description)
        } catch let error as PlanError {
            throw HostFailure(host: host.name, phase: "plan", message: error.description)
        }
    }

    /// Reconnects to the host a saved plan was made for and checks that nothing changed
    /// since: the state its resources are in must still have the plan's fingerprint.
    public func resume(_ plan: HostPlan, on host: Inventory.Host, in run: HostRun? = nil) async throws -> PlannedHost {
        let key = try digestKey(for: host)
        let connection = try await connect(host, in: run)
        run?.enter(.facts)
        var probe = FactProbe()
        let keys = plan.query.add(to: &probe)
        // The roles' health checks, evaluated with the host's facts as they are now.
        let roleKeys = RoleFacts.add(to: &probe, details: true)
        let drainedKey = probe.add(DrainedMarker.Fact())
        let output = try await probeOutput(probe.script, on: connection, host: host)
        do {
            let results = probe.results(from: output)
            let state = try keys.state(from: results)
            guard state.fingerprint == plan.factsFingerprint else {
                throw HostFailure(host: host.name, phase: "plan",
                                  message: "the host changed since the plan was made; make a new plan with `converge plan`")
            }
            let secrets = try SecretValues(resolving: plan, with: self.secrets, key: key)
            let roleFacts = try roleKeys.roleFacts(from: results)
            return PlannedHost(host: host, connection: connection, plan: plan, secrets: secrets,
                               healthChecks: try healthChecks(for: host, context: roleFacts),
                               drains: try drains(for: host, context: roleFacts),
                               drainedBy: try results.value(for: drainedKey))
        } catch let error as FactError {
            throw HostFailure(host: host.name, phase: "facts", message: error.description)
        } catch let error as PlanError {
            throw HostFailure(host: host.name, phase: "plan", message: error.description)
        }
    }

    /// The script that makes a planned host's changes, from `firstStep` on (the step after
    /// a reboot) to the plan's end or its next reboot.
    public func script(for planned: PlannedHost, options: ApplyOptions = ApplyOptions(), startingAt firstStep: Int = 0) throws -> ApplyScript {
        do {
            return try ApplyScript(plan: planned.plan, secrets: planned.secrets, options: options, startingAt: firstStep)
        } catch {
            throw HostFailure(host: planned.host.name, phase: "apply", message: error.description)
        }
    }

    /// Runs the plan's changes in one script; a failed change stops the ones after it.
    ///
    /// What each change came to is read from the script's output even when the script
    /// ended badly (a lock it could not take, a signal, a lost connection): the result
    /// then carries how it ended.
    ///
    /// - Throws: ``ApplyConnectionLost`` when the connection fails while the script runs,
    ///   with what the script had reported until then.
    ///
    /// - Parameter onStdout: Gets the script's output as it arrives (``ApplyScript/Reader``
    ///   reads its step reports from it), on the connection's thread.
    public func apply(_ planned: PlannedHost, script: ApplyScript,
                      onStdout: (@Sendable (Data) -> Void)? = nil) async throws -> ApplyResult {
        let run: CommandResult
        do {
            run = try await runPrivileged(script.text, on: planned.connection, host: planned.host, onStdout: onStdout)
        } catch let error as SSHError where error.partialOutput != nil {
            throw ApplyConnectionLost(result: script.results(from: error.partialOutput!.stdoutText), cause: error)
        }
        var result = script.results(from: run.stdoutText)
        if !run.succeeded || !result.isComplete {
            result.exit = ApplyResult.Exit(status: run.exitStatus, signal: run.exitSignal,
                                           stderr: String(run.stderrText.suffix(4000)))
        }
        return result
    }

    /// Asks the host's running apply script to start no further step (the one running
    /// finishes): over a connection of its own, since the apply's is busy.
    public func requestStop(of planned: PlannedHost, script: ApplyScript) async throws {
        let connection = try await connector.connection(to: planned.host)
        let result: CommandResult
        do {
            result = try await connection.run("touch \(shellQuote(script.stopPath))", input: Data(), timeout: .seconds(10))
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        guard result.succeeded else {
            throw HostFailure(host: planned.host.name, phase: "stop",
                              message: "could not ask the apply to stop: \(result.stderrText)")
        }
    }

    /// Waits for `host` to come back from the reboot `resource` started, and opens a
    /// connection to it: tries to connect, then reads the boot ID, until the boot ID is
    /// no longer `bootID`, with a pause growing from 1 s to 10 s between tries.
    ///
    /// The connections run libssh2 on their own threads (``HostConnecting``); here the
    /// task only awaits them and sleeps.
    ///
    /// - Returns: The connection to the rebooted host, given to the run to cut on a second
    ///   interruption.
    /// - Throws: ``HostFailure`` (phase `reboot`, unreachable) naming the resource, the
    ///   timeout and the last error when the host is not back within `timeout`, or when
    ///   the run is interrupted a second time while waiting.
    func awaitReboot(of host: Inventory.Host, resource: ResourceID, from bootID: String, timeout: Int,
                     in run: HostRun?) async throws -> any HostConnection {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + .seconds(timeout)
        var pause = Duration.seconds(1)
        var lastError = "it did not go down"
        func fail(_ message: String) -> HostFailure {
            HostFailure(host: host.name, phase: "reboot", message: "\(resource): \(message)", unreachable: true)
        }
        // The reboot starts a second after the script's end; the first try comes after it.
        try? await Task.sleep(for: .seconds(2))
        while true {
            if run?.interruption.level == .aborting { throw fail("interrupted while waiting for the host to come back") }
            do {
                let connection = try await connector.connection(to: host)
                do {
                    let result = try await connection.run(Self.bootIDCommand, input: Data(), timeout: .seconds(30))
                    let now = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
                    if result.succeeded, !now.isEmpty, now != bootID {
                        Self.logger.debug("\(host.name): back from the reboot in \((clock.now - started).seconds), boot ID \(now)")
                        run?.track(connection)
                        return connection
                    }
                    lastError = result.succeeded
                        ? "it still ran the boot it had before the reboot (boot ID \(bootID))"
                        : "reading its boot ID failed (exit status \(result.exitStatus)): \(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))"
                } catch {
                    lastError = HostFailure(error, host: host.name).headline
                }
                connection.abort()
            } catch {
                lastError = HostFailure(error, host: host.name).headline
            }
            guard clock.now + pause < deadline else {
                throw fail("the host did not come back within \(timeout) s after the reboot; last try: \(lastError)")
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(10))
        }
    }

    /// Reads the host's boot ID, which changes with every boot: readable by any user, so
    /// run without sudo.
    static let bootIDCommand = "cat /proc/sys/kernel/random/boot_id"

    /// Opens a connection to `host`, the run told and given it to cut on a second interruption.
    func connect(_ host: Inventory.Host, in run: HostRun?) async throws -> any HostConnection {
        run?.enter(.connect)
        let clock = ContinuousClock()
        let started = clock.now
        let connection = try await connector.connection(to: host)
        Self.logger.debug("\(host.name): connected in \((clock.now - started).seconds)")
        run?.track(connection)
        return connection
    }

    /// The key of the digests that stand for `host`'s secret contents: the team's plan key
    /// when the inventory has a store, so that a saved plan's digests check on any team
    /// controller; else one made for this run.
    func digestKey(for host: Inventory.Host) throws -> PlanKey {
        if let givenKey { return givenKey }
        guard secrets.store != nil else { return runKey }
        do {
            return try secrets.planKey()
        } catch {
            throw HostFailure(host: host.name, phase: "config", message: error.description)
        }
    }

    /// The resources of every role `host` has, evaluated with its facts and vars.
    ///
    /// A host behind its target release gets the next step of its release upgrade instead
    /// (``UpgradePolicies/releaseStep(from:to:)``): its roles are planned once it is there.
    func resources(for host: Inventory.Host, context facts: RoleFacts) throws -> [any Resource] {
        let context = hostContext(for: host, facts: facts)
        if let target = try targetRelease(of: host), let current = context.codename,
            let step = UpgradePolicies.releaseStep(from: current, to: target) {
            return step
        }
        let declared = try host.roles.flatMap { name -> [any Resource] in
            let resources = try evaluating(role: name, of: host) { try $0.resources(for: context) }
            return try resources.map { try readingControllerFiles(of: $0, host: host) }
        }
        var baseline: [any Resource] = []
        if var upgrades = try packageBaseline(of: host) {
            upgrades.keeping = PackageUpgrades.pinnedPackages(in: declared)
            baseline.append(upgrades)
        }
        if let reboot = try baselineReboot(of: host) { baseline.append(reboot) }
        return declared + baseline
    }

    /// `host`'s package baseline: the playbook's policy for its groups, or the inventory's
    /// `upgrades` var.
    func packageBaseline(of host: Inventory.Host) throws -> PackageUpgrades? {
        try upgradeSetting(UpgradePolicies.inventoryVar, of: host, expecting: "none, security or all") { override throws(UpgradePolicyError) in
            try playbook.upgrades.resource(for: host.groups, override: override)
        }
    }

    /// `host`'s reboot when its baseline needs one, if the playbook's policy or the
    /// inventory's `reboots` var allows it.
    func baselineReboot(of host: Inventory.Host) throws -> Reboot? {
        try upgradeSetting(UpgradePolicies.rebootsVar, of: host, expecting: "never or when-needed") { override throws(UpgradePolicyError) in
            try playbook.upgrades.reboot(override: override)
        }
    }

    /// The release `host` is to run, from the playbook or the inventory's `release` var.
    func targetRelease(of host: Inventory.Host) throws -> String? {
        try upgradeSetting(UpgradePolicies.releaseVar, of: host, expecting: "a Debian codename") { override throws(UpgradePolicyError) in
            try playbook.upgrades.targetRelease(for: host.groups, override: override)
        }
    }

    /// What `setting` makes of the inventory's var `name` on `host` (nil when unset): a
    /// var that is not a string, or that the playbook's ``UpgradePolicies`` refuse, fails
    /// the host's configuration, naming the var.
    private func upgradeSetting<Value>(
        _ name: String, of host: Inventory.Host, expecting choices: String,
        _ setting: (String?) throws(UpgradePolicyError) -> Value
    ) throws -> Value {
        let value = host.vars[name]
        guard value == nil || value?.stringValue != nil else {
            throw HostFailure(host: host.name, phase: "config", message: "\(name): expected a string (\(choices))")
        }
        do {
            return try setting(value?.stringValue)
        } catch {
            throw HostFailure(host: host.name, phase: "config", message: error.description)
        }
    }

    /// The health checks of `host`'s roles (``Role/healthChecks(for:)``), evaluated with `facts`.
    func healthChecks(for host: Inventory.Host, context facts: RoleFacts) throws -> [HealthCheck] {
        let context = hostContext(for: host, facts: facts)
        return try host.roles.flatMap { name in try evaluating(role: name, of: host) { try $0.healthChecks(for: context) } }
    }

    /// How `host`'s roles take it out of rotation (``Role/drains(for:)``), evaluated with `facts`.
    func drains(for host: Inventory.Host, context facts: RoleFacts) throws -> [Drain] {
        let context = hostContext(for: host, facts: facts)
        return try host.roles.flatMap { name in try evaluating(role: name, of: host) { try $0.drains(for: context) } }
    }

    /// Runs `body` with the role named `name`, its errors named as the role's.
    private func evaluating<T>(role name: String, of host: Inventory.Host, _ body: (Role) throws -> T) throws -> T {
        guard let role = playbook.role(named: name) else {
            throw HostFailure(host: host.name, phase: "roles", message: "unknown role \"\(name)\"")
        }
        do {
            return try body(role)
        } catch let error as HostFailure {
            throw error
        } catch {
            // A role's own error (typed vars, an address it needs, a health check): the role names it.
            throw HostFailure(host: host.name, phase: "roles", message: "role \(name): \(error)")
        }
    }

    /// What a role sees of `host`: its inventory entry and `facts`.
    private func hostContext(for host: Inventory.Host, facts: RoleFacts) -> HostContext {
        var context = HostContext(name: host.name, address: host.address, groups: host.groups,
                                  vars: VarValue(host.vars), codename: facts.codename,
                                  majorVersion: facts.majorVersion, architecture: facts.architecture,
                                  isContainer: facts.isContainer, inventoryHosts: inventoryHosts)
        context.inventoryFile = inventoryFile
        if let memory = facts.memoryBytes { context.memoryBytes = memory }
        if let cpus = facts.cpuCount { context.cpuCount = cpus }
        if let interfaces = facts.interfaces { context.interfaces = interfaces }
        if let mounts = facts.mounts { context.mounts = mounts }
        if let virtualization = facts.virtualization { context.virtualization = Virtualization(virtualization) }
        return context
    }

    /// `resource` with the files it reads on the controller read in, so that the planner
    /// (a pure function) gets their bytes.
    private func readingControllerFiles(of resource: any Resource, host: Inventory.Host) throws -> any Resource {
        guard let reader = resource as? any ControllerFileReading else { return resource }
        return try read(reader, host: host)
    }

    private func read<R: ControllerFileReading>(_ resource: R, host: Inventory.Host) throws -> any Resource {
        var contents: [String: Data] = [:]
        for path in resource.controllerFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HostFailure(host: host.name, phase: "roles",
                                  message: "\(resource.id): cannot read \(path) on the controller")
            }
            contents[path] = data
        }
        return resource.reading(contents)
    }

    /// Runs a script through `sh -s` (as root, or through sudo when the inventory says so)
    /// with the script on stdin: it may be long and may hold file contents and secrets,
    /// which must never appear on a command line.
    func runPrivileged(_ script: String, on connection: any HostConnection, host: Inventory.Host,
                               onStdout: (@Sendable (Data) -> Void)? = nil) async throws -> CommandResult {
        var input = Data()
        let command: String
        if host.ssh.usesSudo {
            if let variable = host.ssh.sudoPasswordEnvironmentVariable {
                guard let password = environment[variable] else {
                    throw HostFailure(host: host.name, phase: "config",
                                      message: "the inventory takes the sudo password from $\(variable), which is not set")
                }
                // The login shell reads the password line itself, whether sudo will ask or
                // not, so it can never reach sh as a command: `sudo -v` takes it (or has no
                // need of it), and the script runs under the sudo timestamp just made.
                input.append(Data((password + "\n").utf8))
                command = Self.sudoWithPassword
            } else {
                command = "sudo -n sh -s"
            }
        } else {
            command = "sh -s"
        }
        input.append(Data(script.utf8))
        Self.logger.trace("\(host.name): sending \(command) with a script of \(input.count) bytes")
        return try await connection.run(command, input: input, timeout: nil, onStdout: onStdout)
    }

    /// The login user's command that turns a password line on stdin into a sudo timestamp,
    /// then runs the rest of stdin as root. `sudo -n` runs as a child of the same shell as
    /// `sudo -v`, which is what sudo's per-parent timestamps (no terminal) are keyed on.
    static let sudoWithPassword = #"sh -c 'IFS= read -r converge_pw; printf "%s\n" "$converge_pw" | sudo -S -p "" -v >/dev/null 2>&1 || { echo "sudo did not accept the password (sudoPasswordEnv)" >&2; exit 1; }; converge_pw=; sudo -n sh -s'"#

    /// A fact probe's output: it always exits 0 itself, so anything else is the shell or
    /// sudo failing, named with its message.
    func probeOutput(_ script: String, on connection: any HostConnection, host: Inventory.Host) async throws -> String {
        let result = try await runPrivileged(script, on: connection, host: host)
        guard result.succeeded else {
            let detail = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            let how = result.exitSignal.map { "was killed by signal \($0)" } ?? "exited with status \(result.exitStatus)"
            throw HostFailure(host: host.name, phase: "facts",
                              message: "the fact probe \(how)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        return result.stdoutText
    }
}

extension VarValue {
    /// Inventory vars as the playbooks see them.
    public init(_ object: JSONObject) {
        self = .object(Dictionary(object.map { ($0.key, VarValue($0.value)) }, uniquingKeysWith: { _, last in last }))
    }

    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .integer(let integer): self = .integer(integer)
        case .double(let double): self = .double(double)
        case .string(let string): self = .string(string)
        case .array(let array): self = .array(array.map(VarValue.init))
        case .object(let object): self = VarValue(object)
        }
    }
}
