import Fleet
import Inventory

import Foundation

/// An error that ends a command, printed one cause per line.
struct CommandFailure: Error, CustomStringConvertible {
    var causes: [String]
    init(_ causes: [String]) { self.causes = causes }
    var description: String { causes.joined(separator: "\n") }
}

enum FileOutput {
    /// Writes `data` to `path` atomically: a reader never sees half a file.
    static func write(_ data: Data, to path: String) throws {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension Convergence {
    /// Convergence with the playbooks' roles, once every role `hosts` name is known to exist:
    /// an unknown role stops the command before any host is contacted.
    static func checkingRoles(of hosts: [Inventory.Host], in inventory: Inventory) throws -> Convergence {
        let unknown = unknownRoles(of: hosts, in: inventory.file, playbook: Playbook.current)
        guard unknown.isEmpty else { throw CommandFailure(unknown) }
        return Convergence.forCommands(Playbook.current, inventory)
    }

    /// How the commands make their ``Convergence``: over SSH with the controller's own key
    /// and caches, or (in this package's tests of the command line) with fake hosts.
    @TaskLocal static var forCommands: @Sendable (Playbook, Inventory) -> Convergence = {
        Convergence(playbook: $0, inventory: $1)
    }

    /// One line per role that `hosts` use and `playbook` lacks, naming the inventory and the
    /// hosts (a role usually comes with a group: one line, not one per member):
    ///
    ///     inventory/web.json: unknown role "ngnix" (hosts web1, web2, web3, web4, web5 and 3 more): the playbook has base, nginx
    static func unknownRoles(of hosts: [Inventory.Host], in file: String, playbook: Playbook) -> [String] {
        var users: [(role: String, hosts: [String])] = []
        for host in hosts {
            for role in host.roles where playbook.role(named: role) == nil {
                if let index = users.firstIndex(where: { $0.role == role }) {
                    if !users[index].hosts.contains(host.name) { users[index].hosts.append(host.name) }
                } else {
                    users.append((role, [host.name]))
                }
            }
        }
        let known = playbook.roleNames.isEmpty ? "no roles" : playbook.roleNames.joined(separator: ", ")
        return users.map { role, hosts in
            let shown = hosts.prefix(5).joined(separator: ", ") + (hosts.count > 5 ? " and \(hosts.count - 5) more" : "")
            return "\(file): unknown role \"\(role)\" (host\(hosts.count == 1 ? "" : "s") \(shown)): the playbook has \(known)"
        }
    }
}
