import ArgumentParser
import Lab

/// `converge lab status`: the lab's hosts and published ports.
struct LabStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List the lab's hosts (container, link and sshd state) and published ports.")

    @OptionGroup var lab: LabOptions

    func run() throws {
        try lab.runScript(["status"])
    }
}
