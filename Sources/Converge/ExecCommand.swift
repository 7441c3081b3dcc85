import ArgumentParser
import Fleet
import Foundation

/// `converge exec INVENTORY -- COMMAND...`: one ad hoc command on every selected host.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run one command on every selected host, in parallel, and print what each answered.",
        discussion: """
            The command runs as the inventory's login user through the user's shell, one SSH \
            session per host; nothing is planned or changed by converge itself. Exits 0 when the \
            command succeeded on every host, 1 otherwise.
            """
    )

    @OptionGroup var fleet: FleetOptions

    @OptionGroup(title: "Output options")
    var output: OutputOptions

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after `--`.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command after `--`, e.g. converge exec INVENTORY -- uptime") }
    }

    func run() async throws {
        let (_, hosts) = try fleet.selectedHosts()
        // One word: as given; several: each quoted, as ssh would not.
        let line = command.count == 1 ? command[0] : command.map(shellQuote).joined(separator: " ")
        let interruption = Interruption()
        let signals = InterruptHandler(interruption)
        defer { signals.stop() }
        let runner = FleetRunner(options: .init(parallel: fleet.parallel), interruption: interruption,
                                 events: output.sink(.story))
        let result = await FleetCommand(line).run(on: hosts, with: runner)
        if !output.json {
            // Plain lines told each host's answer as it came; a terminal gets them all now.
            let whole = TextOutput.standardOutput.isTerminal || output.quiet
            print(whole ? FleetCommand.report(result) : FleetCommand.summary(result.report), terminator: "")
        }
        if let status = signals.exitStatus { throw ExitCode(status) }
        if !result.report.succeeded { throw ExitCode(1) }
    }
}
