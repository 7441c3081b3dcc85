import ArgumentParser
import Lab

/// `converge lab list`: the labs of this machine.
struct LabListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the labs of this machine: name, network and hosts.")

    func run() throws {
        let labs = [LabInstance(name: LabInstance.defaultName, number: 0)] + LabRegistry().all()
        for lab in labs where lab.number != 0 || lab.isUp {
            let hosts = lab.hosts
            print("\(lab.name)\t\(lab.network).0.0/16\t\(hosts.isEmpty ? "down" : "\(hosts.count) host(s): " + hosts.map(\.name).joined(separator: " "))")
        }
    }
}
