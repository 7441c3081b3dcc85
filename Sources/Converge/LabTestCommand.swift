import ArgumentParser
import Foundation
import Lab

/// `converge lab test INVENTORY`: up, converge, idempotence, verify, down.
struct LabTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Test the playbooks on a replica: up, converge, a second plan that must be empty, verify, down.",
        discussion: """
            Verify runs the roles' health checks on every host, then the playbooks package's own \
            tests (`swift test` in --package-path, the current directory by default) with \
            CONVERGE_LAB_INVENTORY naming the lab inventory, so that tests which need hosts can \
            find them (and skip without it). The lab goes down at the end, unless --keep. Exits 0 \
            when every step passed, 1 otherwise; the summary names the failed step and the cause.
            """
    )

    @OptionGroup var lab: LabOptions
    @OptionGroup var replica: LabUpOptions

    @Option(help: ArgumentHelp("The playbooks package whose tests verify the lab.", valueName: "directory"))
    var packagePath = "."

    @Flag(help: "Do not run the package's tests.")
    var noPackageTests = false

    @Flag(help: "Leave the lab up at the end (to look into a failure).")
    var keep = false

    func run() async throws {
        let hasPackage = FileManager.default.fileExists(atPath: packagePath + "/Package.swift")
        let test = LabTest(up: try replica.labUp(name: lab.name),
                           packageDirectory: noPackageTests || !hasPackage ? nil : packagePath, keep: keep)
        let steps = await test.run()
        print("")
        print(LabTest.summary(steps, inventory: replica.inventory), terminator: "")
        if steps.contains(where: { $0.outcome == .failed }) { throw ExitCode(1) }
    }
}
