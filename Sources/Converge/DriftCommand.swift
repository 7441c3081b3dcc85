import ArgumentParser

/// `converge drift`: what differs, from the playbooks and across the fleet, changing nothing.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Report what differs from the playbooks and across the fleet, without changing anything.",
        discussion: """
            Exit status, for cron: 0 no drift, 1 drift found, 3 some hosts unreachable (their \
            drift unknown), 2 error.
            """,
        subcommands: [DriftSweepCommand.self, DriftHistoryCommand.self],
        defaultSubcommand: DriftSweepCommand.self
    )
}
