import ArgumentParser

/// `converge lab cut HOST`.
struct LabCutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cut", abstract: "Take a lab host's network link down (a simulated network cut).")

    @OptionGroup var lab: LabOptions

    @Argument(help: "The host's name.")
    var host: String

    func run() throws {
        try lab.runScript(["cut", host])
    }
}
