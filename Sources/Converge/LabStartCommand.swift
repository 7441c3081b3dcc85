import ArgumentParser

/// `converge lab start HOST`.
struct LabStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Boot a stopped lab host again and wait for its sshd.")

    @OptionGroup var lab: LabOptions

    @Argument(help: "The host's name.")
    var host: String

    func run() throws {
        try lab.runScript(["start", host])
    }
}
