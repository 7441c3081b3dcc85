import ArgumentParser

/// `converge lab stop HOST`.
struct LabStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Shut a lab host's container down (its disk stays).")

    @OptionGroup var lab: LabOptions

    @Argument(help: "The host's name.")
    var host: String

    func run() throws {
        try lab.runScript(["stop", host])
    }
}
