import ArgumentParser
import Lab

/// `converge lab up INVENTORY`: a replica of the inventory's hosts.
struct LabUpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Boot a replica of an inventory's hosts, replacing the lab of that name.",
        discussion: """
            Each host keeps its name, groups, roles and vars, and boots its `release` var's Debian \
            release (bookworm without one; --release maps what the lab cannot boot). An address \
            a.b.c.d becomes 10.N.c.d on the lab's network (10.231 for the default lab), in the \
            hosts and in every var that names one. The lab inventory is written beside the \
            inventory (production.json: production.lab.json) and the mapping printed.
            """
    )

    @OptionGroup var lab: LabOptions
    @OptionGroup var replica: LabUpOptions

    func run() throws {
        let up = try replica.labUp(name: lab.name)
        let result = try up.run()
        print(up.summary(of: result), terminator: "")
    }
}
