import ArgumentParser
import Lab

/// `converge lab down`: the lab's hosts gone, its name free.
struct LabDownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop every host of the lab and remove its runtime state (its caches stay).")

    @OptionGroup var lab: LabOptions

    func run() throws {
        try lab.runScript(["down"])
        LabRegistry().release(lab.name)
    }
}
