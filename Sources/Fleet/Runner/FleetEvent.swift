import Foundation
import Planner

/// What happens during a run across hosts, in the order it happens: the stream every
/// renderer (the live terminal display, plain log lines, JSON Lines, a test) reads.
///
/// A run emits ``runStarted`` first and ``runFinished`` last; between them, per host
/// ``hostStarted``, its ``phaseEntered`` events, what it produced (``planned``,
/// ``stepFinished``, ``output``) and ``hostFinished``. Hosts whose change rolls wait for
/// their turn (phase `turn`); each batch of them is told by ``batchStarted`` and
/// ``batchFinished``. Events of hosts worked on at once interleave.
public enum FleetEvent: Sendable {
    /// The run begins: the command, and every host it works on.
    case runStarted(command: String, hosts: [String])
    /// A batch of the rollout, of `count`, is let go: hosts of `group` (its number counts from 1).
    case batchStarted(number: Int, of: Int, group: String, hosts: [String])
    /// Work on a host begins.
    case hostStarted(host: String)
    /// A host moved on to another phase of its work.
    case phaseEntered(host: String, phase: HostPhase)
    /// A host's plan was made: what an apply will change (or `plan` shows).
    case planned(host: String, plan: HostPlan)
    /// The host reported one step of its apply done, as it finished.
    case stepFinished(host: String, step: StepReport)
    /// What the host's apply came to, once it ended: the steps' outcomes (those the host
    /// never reported among them), how the script ended, why it was not applied.
    case applied(host: String, applied: AppliedHost)
    /// A step of the host's work said in words, as it is done (bootstrap's steps).
    case note(host: String, text: String)
    /// What a command run on the host (`converge exec`) printed, and how it ended.
    case output(host: String, output: CommandOutput)
    /// Work on a host ended.
    case hostFinished(host: String, report: HostReport)
    /// Every host of a rollout's batch is done.
    case batchFinished(number: Int)
    /// The operator asked the run to stop (Ctrl-C, SIGTERM, SIGHUP): gracefully first,
    /// at once the second time.
    case interruptRequested(level: Interruption.Level, signal: String?)
    /// The run is over.
    case runFinished(RunReport)
}

/// The phases of a host's work, in the order they come.
public enum HostPhase: String, Sendable, Codable, CaseIterable {
    /// Opening the SSH session and logging in.
    case connect
    /// Running the fact probe.
    case facts
    /// Working out the changes.
    case plan
    /// Waiting for its batch of the rollout (``RolloutTurns``).
    case turn
    /// Being taken out of the rotation of the hosts in front of it (``Drain``).
    case drain
    /// Running the apply script.
    case apply
    /// Asking a running apply script to start no further step.
    case stopping
    /// Waiting for the host to come back from a reboot the apply started.
    case reboot
    /// Waiting for the host to pass its health checks after its changes.
    case health
    /// Being put back into the rotation of the hosts in front of it.
    case undrain
    /// Running an ad hoc command (`converge exec`).
    case exec
    /// First contact with a newly leased box (`converge bootstrap`).
    case bootstrap
}

/// How the work on one host ended.
public enum HostStatus: String, Sendable, Codable, CaseIterable {
    /// Nothing to change (apply), nothing pending (plan), no drift (drift), answered (facts),
    /// succeeded (exec).
    case ok
    /// Every change made (apply).
    case changed
    /// Changes are pending (plan), or the host drifted (drift).
    case pending
    /// A change or the command failed, or planning failed.
    case failed
    /// The host could not be reached.
    case unreachable
    /// Not started: an earlier batch failed beyond the allowed failures.
    case skipped
    /// Stopped mid-apply by the operator: the changes made are made, the rest not.
    case interrupted
    /// Never started: the operator interrupted the run first.
    case notStarted = "not started"

    /// Whether the host came out as wanted.
    public var succeeded: Bool { self == .ok || self == .changed || self == .pending }
}

/// One step of an apply, as the host reported it.
public struct StepReport: Sendable, Codable, Equatable {
    /// The step's number in the host's apply script, from 0.
    public var index: Int
    /// The plan's changes the step made, by their index in the host's plan.
    public var changes: [Int]
    /// The first change's resource and what it did, e.g. `file:/etc/motd` and `change`.
    public var resource: String
    public var action: String
    public var outcome: Outcome
    /// What a step said all the same (it waited for dpkg's lock), or a failed step's output.
    public var output: String?
    /// The exit status of a failed step.
    public var exitStatus: Int32?
    /// From the previous report of the host (or the start of its apply) to this one, as
    /// the controller saw it.
    public var seconds: Double

    public enum Outcome: String, Sendable, Codable {
        case ok, failed, skipped, interrupted
    }

    public init(index: Int, changes: [Int], resource: String, action: String, outcome: Outcome,
                output: String? = nil, exitStatus: Int32? = nil, seconds: Double) {
        self.index = index
        self.changes = changes
        self.resource = resource
        self.action = action
        self.outcome = outcome
        self.output = output
        self.exitStatus = exitStatus
        self.seconds = seconds
    }
}

/// What an ad hoc command printed on one host and how it ended.
public struct CommandOutput: Sendable, Codable, Equatable {
    public var stdout: String
    public var stderr: String
    public var exitStatus: Int32
    /// The signal that killed it, e.g. `KILL`.
    public var signal: String?

    public init(stdout: String, stderr: String, exitStatus: Int32, signal: String?) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
        self.signal = signal
    }
}

/// How one host's work ended, as the summary shows it.
public struct HostReport: Sendable, Codable, Equatable {
    public var host: String
    public var status: HostStatus
    /// The changes planned (apply, plan), or the resources drifted (drift).
    public var changes: Int
    /// Why the host failed or was unreachable.
    public var failure: HostFailure?
    public var seconds: Double

    public init(host: String, status: HostStatus, changes: Int = 0, failure: HostFailure? = nil, seconds: Double = 0) {
        self.host = host
        self.status = status
        self.changes = changes
        self.failure = failure
        self.seconds = seconds
    }
}

/// What a whole run came to.
public struct RunReport: Sendable, Codable, Equatable {
    /// `apply`, `plan`, `drift`, `facts`, `exec`, `bootstrap`.
    public var command: String
    /// Every host, in the order they were given.
    public var hosts: [HostReport]
    public var seconds: Double
    /// Why later batches were not started, if they were not.
    public var stoppedEarly: String?
    /// Whether the operator interrupted the run, and with which signal.
    public var interrupted: Bool
    public var signal: String?

    public init(command: String, hosts: [HostReport], seconds: Double, stoppedEarly: String? = nil,
                interrupted: Bool = false, signal: String? = nil) {
        self.command = command
        self.hosts = hosts
        self.seconds = seconds
        self.stoppedEarly = stoppedEarly
        self.interrupted = interrupted
        self.signal = signal
    }

    /// Whether every host came out as wanted.
    public var succeeded: Bool { hosts.allSatisfy(\.status.succeeded) }

    /// How many hosts ended with `status`.
    public func count(_ status: HostStatus) -> Int { hosts.filter { $0.status == status }.count }
}
