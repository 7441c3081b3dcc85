import Fleet
import Foundation
import Inventory
import Resources

/// One fake host, web1, under a playbook: what the run tests (a reboot, a list refresh)
/// plan and apply through the fleet runner, as `converge apply` would.
struct OneHostFleet {
    var inventory: Inventory
    var host: FakeConnection
    var convergence: Convergence

    /// - Parameter inventory: the inventory's text, naming web1 alone.
    init(inventory text: String, host: FakeConnection, playbook: Playbook) throws {
        inventory = try Inventory.parse(Data(text.utf8), file: "inventory/test.json", baseDirectory: "/nonexistent")
        self.host = host
        convergence = Convergence(playbook: playbook, inventory: inventory,
                                  connector: FakeConnector(["web1": host]), environment: [:], cache: nil,
                                  key: PlanKey(bytes: Data(repeating: 7, count: 32)))
    }

    /// Plans and applies every host, with the events the run reported.
    func apply(refreshingStaleLists: Bool = false) async -> (FleetResult<AppliedHost>, [FleetEvent]) {
        let recorder = FleetEventRecorder()
        let convergence = convergence
        let result = await FleetApply(convergence: convergence).run(
            inventory.hosts.map { host in
                (host, { try await convergence.plan(host, refreshingStaleLists: refreshingStaleLists, in: $0) })
            },
            with: FleetRunner(events: recorder))
        return (result, recorder.events)
    }
}
