import Foundation
import Inventory
import Planner

/// Converging many hosts through a ``FleetRunner``: each planned (or its saved plan
/// resumed), then applied, its steps told as they finish.
///
/// Hosts are changed at once, except those whose change must roll (``RolloutSettings``):
/// they wait until every host is planned, then go in batches, group after group; each is
/// drained from the hosts in front of it (``Drain``), changed, waited for until it passes
/// its health checks, and put back. A batch that fails beyond its group's allowance stops
/// the rollout: its failed hosts stay drained, and the later batches are not started.
///
/// A first interruption lets each running apply script end its running step and start no
/// other (asked over a connection of its own); the second cuts the connections.
///
/// ```swift
/// let apply = FleetApply(convergence: convergence, rollout: RolloutSettings(batchSize: 1))
/// let result = await apply.run(hosts.map { host in (host, { try await convergence.plan(host, in: $0) }) },
///                              with: FleetRunner(events: display))
/// print(result.report.succeeded)
/// ```
public struct FleetApply: Sendable {
    /// Makes a host's plan: ``Convergence/plan(_:options:in:)``, or
    /// ``Convergence/resume(_:on:in:)`` for a saved one.
    public typealias Prepare = @Sendable (HostRun) async throws -> Convergence.PlannedHost

    public let convergence: Convergence
    public let options: ApplyOptions
    public let rollout: RolloutSettings

    public init(convergence: Convergence, options: ApplyOptions = ApplyOptions(), rollout: RolloutSettings = RolloutSettings()) {
        self.convergence = convergence
        self.options = options
        self.rollout = rollout
    }

    /// Plans and applies every host of `work` with `runner`.
    public func run(_ work: [(host: Inventory.Host, prepare: Prepare)], with runner: FleetRunner) async -> FleetResult<AppliedHost> {
        let prepares = Dictionary(work.map { ($0.host.name, $0.prepare) }, uniquingKeysWith: { first, _ in first })
        let tickets = rollout.tickets(for: work.map(\.host), in: convergence.playbook.rollout)
        return await runner.run("apply", hosts: work.map(\.host)) { run in
            try await converge(run, prepare: prepares[run.host.name]!, ticket: tickets[run.host.name]!)
        }
    }

    /// Plans and applies one host: at once, or rolled with `ticket` (none: at once, as a
    /// host just bootstrapped is).
    func converge(_ run: HostRun, prepare: Prepare, ticket: RolloutTicket? = nil) async throws -> HostResult<AppliedHost> {
        var planned = try await prepare(run)
        run.emit(.planned(host: run.host.name, plan: planned.plan))
        let result: HostResult<AppliedHost>
        if let ticket, let reason = await rollout.reason(for: planned) {
            result = await roll(&planned, reason: reason, ticket: ticket, prepare: prepare, in: run)
        } else {
            result = await applyStepByStep(&planned, prepare: prepare, in: run)
        }
        // Closed before the host counts as done: a process that exits right after its run
        // must find no session still being torn down on another thread.
        await planned.connection.close()
        return result
    }

    /// Waits for the host's turn, then drains, applies, checks and undrains it.
    private func roll(_ planned: inout Convergence.PlannedHost, reason: RolloutReason, ticket: RolloutTicket,
                      prepare: Prepare, in run: HostRun) async -> HostResult<AppliedHost> {
        let plan = planned.plan
        let why = switch reason {
        case .serving: "it serves, and its change restarts what it serves"
        case .leftDrained: "an earlier rollout left it drained (\(planned.drainedBy.joined(separator: "; "))): checked, then put back"
        case .serial: "--serial"
        }
        run.emit(.note(host: run.host.name, text: "rolls with \(ticket.group) (\(ticket.policy)): \(why)"))
        guard await run.waitForTurn(ticket) else {
            let applied = AppliedHost(plan: plan, notApplied: "the rollout stopped before its batch")
            run.emit(.applied(host: run.host.name, applied: applied))
            return HostResult(status: run.interruption.level > .none ? .notStarted : .skipped, value: applied,
                              changes: plan.changes.count)
        }
        let drainer = Drainer(convergence: convergence, planned: planned)
        if !planned.drains.isEmpty {
            run.enter(.drain)
            do {
                for note in try await drainer.drain() { run.emit(.note(host: run.host.name, text: note)) }
            } catch {
                let failure = HostFailure(error, host: run.host.name)
                let applied = AppliedHost(plan: plan, notApplied: "not drained", failure: failure)
                run.emit(.applied(host: run.host.name, applied: applied))
                return HostResult(status: .failed, value: applied, changes: plan.changes.count, failure: failure)
            }
        }
        var result: HostResult<AppliedHost>
        if plan.isEmpty {
            // Left drained, nothing to change: healthy is all it takes to go back.
            var applied = AppliedHost(plan: plan)
            if let problem = await checkHealth(planned, in: run) {
                applied.failure = HostFailure(host: run.host.name, phase: "health", message: problem)
            }
            run.emit(.applied(host: run.host.name, applied: applied))
            result = HostResult(status: applied.failure == nil ? .changed : .failed, value: applied, failure: applied.failure)
        } else {
            result = await applyStepByStep(&planned, prepare: prepare, in: run, checkingHealth: true)
        }
        guard result.status == .changed, !planned.drains.isEmpty else {
            if !planned.drains.isEmpty {
                run.emit(.note(host: run.host.name, text: "left drained: converge again once it is fixed, and it is put back when healthy"))
            }
            return result
        }
        run.enter(.undrain)
        do {
            for note in try await Drainer(convergence: convergence, planned: planned).undrain() {
                run.emit(.note(host: run.host.name, text: note))
            }
        } catch {
            result.report.status = .failed
            result.report.failure = HostFailure(error, host: run.host.name)
        }
        return result
    }

    /// Applies the host's plan; when that was a step of a release upgrade (the host
    /// rebooted into its next release), plans it again with its new facts and applies that,
    /// until a plan is its roles'. Health is checked only then: between the steps the host
    /// runs neither release's roles. A plan made from lists that could not be refreshed
    /// first is followed by one made from the lists its own step refreshed.
    private func applyStepByStep(_ planned: inout Convergence.PlannedHost, prepare: Prepare, in run: HostRun,
                                 checkingHealth: Bool = false) async -> HostResult<AppliedHost> {
        var changes = 0
        var replannedForLists = false
        while true {
            let release = planned.plan.changes.lazy.compactMap { change -> String? in
                if case .upgradeRelease(_, let to) = change.operation { return to }
                return nil
            }.first
            let refreshesStaleLists = !replannedForLists && planned.listRefreshFailure != nil
                && planned.plan.changes.contains { $0.operation == .refreshPackageLists }
            // Between a release's steps the host runs neither release's roles: no health to check.
            let betweenReleases = release != nil
            var result = await apply(&planned, in: run, checkingHealth: !betweenReleases && checkingHealth,
                                     checkingHealthIfNeeded: !betweenReleases)
            changes += result.report.changes
            result.report.changes = changes
            guard betweenReleases || refreshesStaleLists, result.status == .changed else {
                if changes > 0, result.status == .ok { result.report.status = .changed }
                return result
            }
            if let release {
                run.emit(.note(host: run.host.name, text: "now on \(release): planning it again with its new facts"))
            } else {
                replannedForLists = true
                run.emit(.note(host: run.host.name, text: "apt's lists refreshed: planning it again with them"))
            }
            await planned.connection.close()
            do {
                planned = try await prepare(run)
            } catch {
                let failure = HostFailure(error, host: run.host.name)
                return HostResult(status: failure.unreachable ? .unreachable : .failed, value: result.value, changes: changes, failure: failure)
            }
            run.emit(.planned(host: run.host.name, plan: planned.plan))
        }
    }

    /// Nil once the host passes its health checks (tried as each says); else why not.
    private func checkHealth(_ planned: Convergence.PlannedHost, in run: HostRun) async -> String? {
        guard !planned.healthChecks.isEmpty else { return nil }
        run.enter(.health)
        return await HealthGate(checks: planned.healthChecks).wait(on: planned.connection, interruption: run.interruption)
    }

    /// Applies a planned host's changes, unless there are none or the run is being interrupted.
    /// After a reboot, `planned` has the connection to the host come back.
    ///
    /// - Parameters:
    ///   - checkingHealth: Wait until the host passes its health checks after its changes
    ///   even when nothing in them restarts (a rolled host is put back only then).
    ///   - checkingHealthIfNeeded: Wait for them when the changes restart something.
    private func apply(_ planned: inout Convergence.PlannedHost, in run: HostRun,
                       checkingHealth: Bool = false, checkingHealthIfNeeded: Bool = true) async -> HostResult<AppliedHost> {
        let plan = planned.plan
        guard !plan.isEmpty else { return HostResult(status: .ok, value: AppliedHost(plan: plan)) }
        guard run.interruption.level == .none else {
            let applied = AppliedHost(plan: plan, notApplied: "interrupted")
            run.emit(.applied(host: run.host.name, applied: applied))
            return HostResult(status: .notStarted, value: applied, changes: plan.changes.count)
        }
        var applied = AppliedHost(plan: plan)
        let status: HostStatus
        // What the scripts reported: one script, or one up to each reboot and one after it.
        var total = ApplyResult(outcomes: Array(repeating: .unknown, count: plan.changes.count), abortMessage: nil, isComplete: false)
        do {
            var first = 0
            while true {
                let script = try convergence.script(for: planned, options: options, startingAt: first)
                run.enter(.apply)
                let result: ApplyResult
                do {
                    result = try await applyWatchingForStop(planned, script: script, run: run)
                } catch let lost as ApplyConnectionLost {
                    // The host went down as soon as the script ended: the reboot is under way.
                    guard lost.result.rebootBootID != nil else {
                        total.merge(lost.result, of: script)
                        throw ApplyConnectionLost(result: total, cause: lost.cause)
                    }
                    // Its last step reported, as the reboot line comes after it.
                    var reported = lost.result
                    reported.isComplete = true
                    result = reported
                }
                total.merge(result, of: script)
                guard script.endsInReboot, let bootID = result.rebootBootID else { break }
                let reboot = plan.changes[script.steps[script.stepRange.upperBound - 1][0]]
                guard case .reboot(_, let timeout) = reboot.operation else { break }
                run.enter(.reboot)
                run.emit(.note(host: run.host.name, text: "\(reboot.resource): rebooting; waiting up to \(timeout) s for it to come back"))
                // The old session ends with the boot it belongs to.
                planned.connection.abort()
                let clock = ContinuousClock()
                let started = clock.now
                planned.connection = try await convergence.awaitReboot(
                    of: planned.host, resource: reboot.resource, from: bootID, timeout: timeout, in: run)
                run.emit(.note(host: run.host.name, text: "\(reboot.resource): back after \((clock.now - started).seconds)"))
                first = script.stepRange.upperBound
                guard first < script.steps.count else { break }
                // A first interruption while the host rebooted: no further step starts.
                guard run.interruption.level == .none else {
                    for step in script.steps[first...] { for index in step { total.outcomes[index] = .interrupted } }
                    total.isComplete = false
                    break
                }
            }
            applied.result = total
            if total.succeeded, checkingHealth || checkingHealthIfNeeded && HealthGate.isNeeded(after: plan),
               let problem = await checkHealth(planned, in: run) {
                // Done only once the host serves again: a rollout's next batch waits for it.
                applied.failure = HostFailure(host: run.host.name, phase: "health", message: problem)
            }
            status = applied.failure != nil ? .failed : total.succeeded ? .changed : total.wasInterrupted ? .interrupted : .failed
        } catch {
            if let lost = error as? ApplyConnectionLost {
                applied.result = lost.result
            } else if total.outcomes.contains(where: { $0 != .unknown }) {
                // What ran before a reboot the host did not come back from.
                applied.result = total
            }
            if run.interruption.level == .aborting {
                applied.connectionCut = true
                status = .interrupted
            } else {
                // HostFailure names the cause of an ApplyConnectionLost itself.
                let failure = HostFailure(error, host: run.host.name)
                applied.failure = failure
                status = failure.unreachable ? .unreachable : .failed
            }
        }
        run.emit(.applied(host: run.host.name, applied: applied))
        return HostResult(status: status, value: applied, changes: plan.changes.count, failure: applied.failure)
    }

    /// Runs the script, telling each step as the host reports it, while watching for a
    /// first interruption: then the script is asked to start no further step.
    private func applyWatchingForStop(_ planned: Convergence.PlannedHost, script: ApplyScript, run: HostRun) async throws -> ApplyResult {
        let steps = StepTeller(script: script, plan: planned.plan, run: run)
        return try await withThrowingTaskGroup(of: ApplyResult?.self) { group in
            group.addTask { try await convergence.apply(planned, script: script, onStdout: steps.read) }
            group.addTask {
                await run.interruption.wait(for: .stopping)
                guard !Task.isCancelled else { return nil }
                run.enter(.stopping)
                try? await convergence.requestStop(of: planned, script: script)
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
            }
            fatalError("the apply task always returns a result or throws")
        }
    }
}

/// What applying one host came to: its plan, and what became of each change.
public struct AppliedHost: Sendable {
    public var plan: HostPlan
    /// What the apply script reported; nil when it did not run.
    public var result: ApplyResult?
    /// Why the plan was not applied at all, e.g. `interrupted`.
    public var notApplied: String?
    /// Why the apply failed, when the script could not be made or its connection failed.
    public var failure: HostFailure?
    /// Whether a second interruption cut the connection while the script ran.
    public var connectionCut = false

    public init(plan: HostPlan, result: ApplyResult? = nil, notApplied: String? = nil, failure: HostFailure? = nil,
                connectionCut: Bool = false) {
        self.plan = plan
        self.result = result
        self.notApplied = notApplied
        self.failure = failure
        self.connectionCut = connectionCut
    }
}

/// Reads an apply script's output as it arrives and tells each step the host reports.
private final class StepTeller: @unchecked Sendable {
    private let lock = NSLock()
    private var reader: ApplyScript.Reader
    private let script: ApplyScript
    private let plan: HostPlan
    private let run: HostRun
    private var last = ContinuousClock.now

    init(script: ApplyScript, plan: HostPlan, run: HostRun) {
        self.reader = ApplyScript.Reader(script)
        self.script = script
        self.plan = plan
        self.run = run
    }

    /// Called on the connection's thread with each piece of output.
    func read(_ data: Data) {
        let reports: [StepReport] = lock.withLock {
            let steps = reader.read(data)
            guard !steps.isEmpty else { return [] }
            let now = ContinuousClock.now
            let seconds = (now - last).secondsValue
            last = now
            return steps.map { report(step: $0, seconds: seconds / Double(steps.count)) }
        }
        for report in reports { run.emit(.stepFinished(host: run.host.name, step: report)) }
    }

    private func report(step: Int, seconds: Double) -> StepReport {
        let changes = script.steps[step]
        let first = changes[0]
        let change = plan.changes[first]
        var report = StepReport(index: step, changes: changes, resource: change.resource.description,
                                action: change.action.rawValue, outcome: .ok, seconds: seconds)
        switch reader.result.outcomes[first] {
        case .succeeded: report.output = reader.result.notes[first]
        case .failed(let status, let output):
            report.outcome = .failed
            report.exitStatus = status
            report.output = output
        case .skipped: report.outcome = .skipped
        case .interrupted: report.outcome = .interrupted
        case .unknown: break
        }
        return report
    }
}
