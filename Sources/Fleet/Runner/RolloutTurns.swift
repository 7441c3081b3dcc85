import Foundation
import Resources

/// A host's place in a rollout: the group it rolls with, and that group's rules.
public struct RolloutTicket: Sendable, Hashable {
    /// The group's name (``Rollout/group(of:)``).
    public var group: String
    /// The group's place in the rollout order: lower rolls first.
    public var rank: Int
    public var policy: RolloutPolicy
    /// How many of the run's hosts the group has: what a share in ``policy`` is of.
    public var groupSize: Int

    public init(group: String, rank: Int, policy: RolloutPolicy, groupSize: Int) {
        self.group = group
        self.rank = rank
        self.policy = policy
        self.groupSize = groupSize
    }
}

/// One batch of a rollout: hosts of one group, changed together.
public struct RolloutBatch: Sendable, Equatable {
    public var group: String
    public var hosts: [String]
}

extension RolloutBatch {
    /// The batches `waiting` hosts roll in: group after group (by rank, then by the first
    /// host's place in the inventory), each group's hosts in inventory order, as many at a
    /// time as its policy says.
    ///
    /// - Parameter waiting: Each host with its place in the run and its ticket.
    public static func schedule(_ waiting: [(host: String, position: Int, ticket: RolloutTicket)]) -> [(RolloutBatch, RolloutTicket)] {
        var groups: [String: [(host: String, position: Int, ticket: RolloutTicket)]] = [:]
        for entry in waiting { groups[entry.ticket.group, default: []].append(entry) }
        let ordered = groups.values.map { $0.sorted { $0.position < $1.position } }
            .sorted { ($0[0].ticket.rank, $0[0].position) < ($1[0].ticket.rank, $1[0].position) }
        return ordered.flatMap { members -> [(RolloutBatch, RolloutTicket)] in
            let ticket = members[0].ticket
            let size = ticket.policy.batchSize.batchSize(of: ticket.groupSize)
            return stride(from: 0, to: members.count, by: size).map { start in
                (RolloutBatch(group: ticket.group, hosts: members[start..<min(start + size, members.count)].map(\.host)), ticket)
            }
        }
    }
}

/// The turns of a run's rolling hosts. Hosts ask for a turn once their plan is made; once
/// every host of the run has either finished or asked, the askers are scheduled in batches
/// (``RolloutBatch/schedule(_:)``), and each batch is let go when the one before it is
/// done, unless more of a group's hosts failed than its policy allows, or the run was
/// interrupted: the rest are then told not to start.
actor RolloutTurns {
    private struct Waiter {
        var host: String
        var position: Int
        var ticket: RolloutTicket
        var continuation: CheckedContinuation<Bool, Never>
    }

    /// Hosts neither finished nor waiting for a turn.
    private var undecided: Int
    private var waiters: [Waiter] = []
    private var everyoneDecided: CheckedContinuation<Void, Never>?
    private var inBatch: Set<String> = []
    private var failedInBatch = 0
    private var batchDone: CheckedContinuation<Void, Never>?
    private let interruption: Interruption
    private let events: any FleetEventSink

    init(hosts: Int, interruption: Interruption, events: any FleetEventSink) {
        self.undecided = hosts
        self.interruption = interruption
        self.events = events
    }

    /// Suspends until `host`'s batch goes (true) or the rollout stops before it (false).
    func wait(host: String, position: Int, ticket: RolloutTicket) async -> Bool {
        await withCheckedContinuation { continuation in
            waiters.append(Waiter(host: host, position: position, ticket: ticket, continuation: continuation))
            decided()
        }
    }

    /// A host finished without asking for a turn.
    func finishedWithoutTurn() {
        decided()
    }

    /// A host of the running batch finished.
    func finishedTurn(host: String, failed: Bool) {
        guard inBatch.remove(host) != nil else { return }
        if failed { failedInBatch += 1 }
        if inBatch.isEmpty {
            batchDone?.resume()
            batchDone = nil
        }
    }

    private func decided() {
        undecided -= 1
        if undecided == 0 {
            everyoneDecided?.resume()
            everyoneDecided = nil
        }
    }

    /// Runs the rollout once every host has decided; why it stopped early, if it did.
    func roll() async -> String? {
        if undecided > 0 { await withCheckedContinuation { everyoneDecided = $0 } }
        let waiting = Dictionary(uniqueKeysWithValues: waiters.map { ($0.host, $0) })
        let batches = RolloutBatch.schedule(waiters.map { ($0.host, $0.position, $0.ticket) })
        var failures: [String: Int] = [:]
        var stopped: String?
        var notStarted: [String] = []
        for (index, (batch, ticket)) in batches.enumerated() {
            if stopped == nil, interruption.level > .none { stopped = "interrupted" }
            guard stopped == nil else {
                for host in batch.hosts { waiting[host]!.continuation.resume(returning: false) }
                notStarted += batch.hosts
                continue
            }
            emit(.batchStarted(number: index + 1, of: batches.count, group: batch.group, hosts: batch.hosts))
            inBatch = Set(batch.hosts)
            failedInBatch = 0
            for host in batch.hosts { waiting[host]!.continuation.resume(returning: true) }
            if !inBatch.isEmpty { await withCheckedContinuation { batchDone = $0 } }
            emit(.batchFinished(number: index + 1))
            failures[batch.group, default: 0] += failedInBatch
            let failed = failures[batch.group]!
            if interruption.level > .none {
                stopped = "interrupted"
            } else if ticket.policy.maxFailures.isExceeded(byFailures: failed, of: ticket.groupSize) {
                stopped = "\(failed) host(s) of \(batch.group) failed, more than its max \(ticket.policy.maxFailures)"
            } else if index < batches.count - 1, ticket.policy.pause > .zero {
                await pause(ticket.policy.pause)
            }
        }
        guard let stopped, stopped != "interrupted" else { return stopped }
        return notStarted.isEmpty ? stopped : "\(stopped); not started: \(notStarted.joined(separator: ", "))"
    }

    /// Waits `duration`, or until the operator asks to stop.
    private func pause(_ duration: Duration) async {
        await withTaskGroup(of: Void.self) { [interruption] group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await interruption.wait(for: .stopping) }
            await group.next()
            group.cancelAll()
        }
    }

    private func emit(_ event: FleetEvent) {
        events.receive(event, at: Date())
    }
}

/// One host's dealings with the rollout: whether it asked for a turn, so that its end is
/// told to the rollout the right way; and giving up its slot while it waits, so that the
/// hosts not yet started can get as far as asking too.
final class HostTurn: @unchecked Sendable {
    private let position: Int
    private let turns: RolloutTurns
    private let slots: HostSlots
    private let lock = NSLock()
    private var asked = false

    init(position: Int, turns: RolloutTurns, slots: HostSlots) {
        self.position = position
        self.turns = turns
        self.slots = slots
    }

    func wait(host: String, ticket: RolloutTicket) async -> Bool {
        let first = lock.withLock {
            defer { asked = true }
            return !asked
        }
        precondition(first, "a host asks for its turn once")
        await slots.release()
        let go = await turns.wait(host: host, position: position, ticket: ticket)
        await slots.acquire()
        return go
    }

    /// The host's work ended.
    func end(host: String, failed: Bool) async {
        if lock.withLock({ asked }) {
            await turns.finishedTurn(host: host, failed: failed)
        } else {
            await turns.finishedWithoutTurn()
        }
    }
}

/// At most so many hosts worked on at once (``FleetRunner/Options/parallel``).
actor HostSlots {
    private var free: Int
    private var queue: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = max(count, 1) }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { queue.append($0) }
    }

    func release() {
        if queue.isEmpty { free += 1 } else { queue.removeFirst().resume() }
    }
}
