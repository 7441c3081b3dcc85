import ArgumentParser

/// `converge lab heal HOST`.
struct LabHealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "heal", abstract: "Bring a lab host's network link back up.")

    @OptionGroup var lab: LabOptions

    @Argument(help: "The host's name.")
    var host: String

    func run() throws {
        try lab.runScript(["heal", host])
    }
}
