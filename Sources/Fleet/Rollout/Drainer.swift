import Foundation
import Inventory
import Resources
import SSH

/// Takes a host out of the rotation of the hosts in front of it before its change, and puts
/// it back once it is healthy again: each of its ``Drain``s run on every host of the drain's
/// group, through a connection of their own, with the host's own ``DrainedMarker`` kept.
struct Drainer {
    let convergence: Convergence
    let planned: Convergence.PlannedHost

    private var host: Inventory.Host { planned.host }

    /// The hosts `drain` runs on: its group's members, the drained host left out.
    func routers(of drain: Drain) -> [Inventory.Host] {
        convergence.fleet.filter { $0.groups.contains(drain.group) && $0.name != host.name }
    }

    /// Drains the host everywhere and waits, bounded, until the connections to it end.
    /// Returns what was done, in words, for the run's notes. If a drain fails on a host, the
    /// drains made are undone (nothing was changed yet) and the host fails, naming the drain,
    /// the routing host and its answer.
    func drain() async throws -> [String] {
        var made: [(Drain, Inventory.Host)] = []
        var notes: [String] = []
        for drain in planned.drains {
            let routers = routers(of: drain)
            let answers = await routers.concurrentMap(limit: 16) { router in
                (router, await run(drain.drainCommand, on: router))
            }
            for (router, answer) in answers {
                if let problem = answer {
                    for (drain, router) in made { _ = await run(drain.undrainCommand, on: router) }
                    for (other, answer) in answers where answer == nil && other.name != router.name {
                        _ = await run(drain.undrainCommand, on: other)
                    }
                    throw HostFailure(host: host.name, phase: "drain",
                                      message: "\(drain.name) on \(router.name) (\(drain.group)): \(problem); the host was left as it was")
                }
            }
            made += routers.map { (drain, $0) }
            notes.append(routers.isEmpty ? "not drained: \(drain.name): the inventory has no other host in \(drain.group)"
                                         : "drained: \(drain.name) on \(routers.map(\.name).joined(separator: ", "))")
        }
        if let problem = await marker(DrainedMarker.writeCommand(planned.drains)) {
            notes.append("could not note the drain on the host (\(problem)): a later converge will not know it is drained")
        }
        for drain in planned.drains where drain.connectionsCommand != nil {
            notes.append(await waitForConnections(of: drain))
        }
        return notes
    }

    /// Puts the host back into rotation everywhere; throws naming the first routing host
    /// that refused, after trying them all.
    func undrain() async throws -> [String] {
        var notes: [String] = []
        var failures: [String] = []
        for drain in planned.drains {
            let routers = routers(of: drain)
            let answers = await routers.concurrentMap(limit: 16) { router in (router, await run(drain.undrainCommand, on: router)) }
            failures += answers.compactMap { router, problem in problem.map { "\(drain.name) on \(router.name): \($0)" } }
            if !routers.isEmpty { notes.append("undrained: \(drain.name) on \(routers.map(\.name).joined(separator: ", "))") }
        }
        guard failures.isEmpty else {
            throw HostFailure(host: host.name, phase: "undrain",
                              message: "healthy, but still out of rotation: " + failures.joined(separator: "; "))
        }
        _ = await marker(DrainedMarker.removeCommand)
        return notes
    }

    /// Asks every routing host how many of its connections to the host are in use, until
    /// none is or the drain's timeout passes; says which.
    private func waitForConnections(of drain: Drain) async -> String {
        let clock = ContinuousClock()
        let started = clock.now
        let routers = routers(of: drain)
        var open: [String: Int] = [:]
        while true {
            let counts = await routers.concurrentMap(limit: 16) { router in
                (router.name, await count(drain.connectionsCommand!, on: router))
            }
            open = Dictionary(uniqueKeysWithValues: counts.compactMap { name, count in count.map { (name, $0) } })
            let busy = open.filter { $0.value > 0 }
            if busy.isEmpty && open.count == routers.count {
                return "\(drain.name): no connection left after \((clock.now - started).seconds)"
            }
            guard clock.now - started < drain.timeout else {
                let still = busy.sorted { $0.key < $1.key }.map { "\($0.value) on \($0.key)" }.joined(separator: ", ")
                let unknown = routers.filter { open[$0.name] == nil }.map(\.name)
                return "\(drain.name): connections still open after \(drain.timeout.seconds)"
                    + (still.isEmpty ? "" : " (\(still))") + (unknown.isEmpty ? "" : " (unknown on \(unknown.joined(separator: ", ")))")
                    + "; going on"
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Runs `command` on `router` as root; nil when it succeeded, else why not.
    private func run(_ command: String, on router: Inventory.Host) async -> String? {
        await answer(command, on: router).problem
    }

    /// How many connections `command` prints on `router`; nil when it did not answer a count.
    private func count(_ command: String, on router: Inventory.Host) async -> Int? {
        let answer = await answer(command, on: router)
        guard answer.problem == nil else { return nil }
        return Int(answer.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func answer(_ command: String, on router: Inventory.Host) async -> (output: String, problem: String?) {
        do {
            let connection = try await convergence.connect(router, in: nil)
            let result: CommandResult
            do {
                result = try await convergence.runPrivileged(command, on: connection, host: router)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
            guard result.succeeded else {
                let said = (result.stderrText + result.stdoutText).trimmingCharacters(in: .whitespacesAndNewlines)
                return (result.stdoutText, "exit status \(result.exitStatus)" + (said.isEmpty ? "" : ": \(said.prefix(300))"))
            }
            return (result.stdoutText, nil)
        } catch {
            return ("", HostFailure(error, host: router.name).message)
        }
    }

    /// Writes or removes the host's own marker; nil when that worked.
    private func marker(_ command: String) async -> String? {
        do {
            let result = try await convergence.runPrivileged(command, on: planned.connection, host: host)
            return result.succeeded ? nil : "exit status \(result.exitStatus): \(result.stderrText.prefix(200))"
        } catch {
            return HostFailure(error, host: host.name).message
        }
    }
}
