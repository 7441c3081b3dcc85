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
        let convergence = Convergence(playbook: Playbook.current, inventory: inventory)
        let unknown = convergence.unknownRoles(in: hosts)
        guard unknown.isEmpty else { throw CommandFailure(unknown.map(\.description)) }
        return convergence
    }
}
