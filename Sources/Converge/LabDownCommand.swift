import ArgumentParser
import Lab

/// `converge lab down`: the lab's hosts gone, its name free.
struct LabDownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop every host of the lab and remove its runtime state (its caches stay).")

    @OptionGroup var lab: LabOptions

    func run() throws {
        _ = try lab.existingLab()
        let status = try LabRegistry().takeDown(lab.name)
        if status != 0 { throw ExitCode(status) }
    }
}
