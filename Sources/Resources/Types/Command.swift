/// A shell command: the escape hatch for what no resource type covers.
///
/// ```swift
/// Command("initdb", "su postgres -c '/usr/lib/postgresql/15/bin/initdb -D /srv/pg'",
///         creates: "/srv/pg/PG_VERSION")
/// Command("reload-sysctl", "sysctl --system", unless: "sysctl -n vm.swappiness | grep -qx 10")
/// ```
///
/// It runs with `sh -c` as root, unless a guard holds: ``creates`` exists, or ``unless``
/// exits 0. Guards are checked when planning and again just before running. Without a
/// guard the command runs on every converge.
public struct Command: Resource, Hashable {
    /// A name unique among the host's commands, used in its ID and in output.
    public var name: String
    /// The POSIX sh command line.
    public var command: String
    /// A path whose existence means the command has done its work.
    public var creates: String?
    /// A sh command whose exit status 0 means the command need not run.
    public var unless: String?
    /// How many more times to run the command while it fails: for what waits on another
    /// host of the same converge (a peer's daemon still starting), as Ansible's `retries`.
    public var retries: Int
    /// Seconds between tries.
    public var delay: Int
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, _ command: String, creates: String? = nil, unless: String? = nil,
        retries: Int = 0, delay: Int = 5, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = name
        self.command = command
        self.creates = creates
        self.unless = unless
        self.retries = retries
        self.delay = delay
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { .command(name) }
}

// MARK: Planning

extension Command {
    public static var stage: ConvergenceStage { .commands }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        if creates != nil || unless != nil { query.addGuard(creates: creates, unless: unless, forCommand: name) }
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        guard !command.isEmpty else { throw .invalid(id, "has an empty command") }
        guard self.retries >= 0, self.delay >= 0 else {
            throw .invalid(id, "retries and delay cannot be negative")
        }
        let reason: String
        if self.creates != nil || self.unless != nil {
            guard let guardState = context.state.guards[name] else { throw .missingFacts(id) }
            if guardState.holds {
                // What the guard looks at may be about to change: the run checks it again
                // right before the self, after what it requires.
                guard let first = context.firstChanged(among: requires) else { return }
                reason = "its guard holds now, but \(first) changes first: checked again when it runs"
            } else {
                var reasons: [String] = []
                if let creates = self.creates { reasons.append("\(creates) does not exist") }
                if let status = guardState.unlessStatus { reasons.append("`unless` exited \(status)") }
                reason = reasons.joined(separator: "; ")
            }
        } else {
            reason = "no guard: runs every time"
        }
        context.append(Change(
            resource: id, action: .run, reason: reason,
            operation: .runCommand(
                command: command, creates: self.creates, unless: self.unless,
                retries: self.retries, delay: self.delay)))
    }
}
