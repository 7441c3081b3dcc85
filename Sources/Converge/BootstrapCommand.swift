import ArgumentParser
import Fleet
import Foundation
import Inventory

/// `converge bootstrap`: a newly leased box, from its root password to a converged member of the fleet.
struct BootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Bring a newly leased box into the fleet: from its root password to converged.",
        discussion: """
            First contact is as root with the password (never given on the command line), after \
            checking the host key against --fingerprint or, with --accept-new, trusting it; the key \
            is then recorded in the inventory's known_hosts. The operator's public keys are \
            installed for root, the hostname set, and sshd hardened (no password logins, root by key \
            only), checked with `sshd -t` and proven by a fresh key login before the password session \
            ends; on any failure the previous sshd config is restored. The host is then added to the \
            inventory (atomically, the rest of the file untouched) and converged. Running it again is \
            safe and changes nothing that is already right.
            """
    )

    @Argument(help: "The box's IP address or DNS name.")
    var address: String

    @Option(help: "The host's name in the inventory (and its hostname).")
    var name: String

    @Option(help: "The inventory group it joins (its roles, vars and SSH settings).")
    var group: String

    @Option(help: "The inventory file to add it to.")
    var inventory = "inventory/production.json"

    @Option(name: .customLong("password-env"), help: ArgumentHelp("Read the root password from this environment variable.", valueName: "var"))
    var passwordVariable: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp("Read the root password from this file's first line.", valueName: "file"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("The host key's SHA256 fingerprint, as the provider gives it (SHA256:...).", valueName: "fingerprint"))
    var fingerprint: String?

    @Option(name: .customLong("deploy-user"),
            help: ArgumentHelp("Install the keys for this user, created with password-less sudo, instead of root; the inventory logs in as it through sudo.", valueName: "name"))
    var deployUser: String?

    @Flag(name: .customLong("accept-new"), help: "Trust the host key shown at first contact (when no fingerprint is known).")
    var acceptNew = false

    @OptionGroup(title: "Output options")
    var output: OutputOptions

    func validate() throws {
        guard (passwordVariable == nil) != (passwordFile == nil) else {
            throw ValidationError("give the root password with exactly one of --password-env VAR or --password-file FILE")
        }
        guard (fingerprint == nil) != !acceptNew else {
            throw ValidationError("give exactly one of --fingerprint SHA256:... or --accept-new")
        }
        if let fingerprint, !fingerprint.hasPrefix("SHA256:") {
            throw ValidationError("--fingerprint takes the form SHA256:<base64>, as `ssh-keygen -lf` prints it")
        }
    }

    func run() async throws {
        let bootstrap = Bootstrap(address: address, name: name, group: group, inventoryPath: inventory,
                                  rootPassword: try password(),
                                  trust: fingerprint.map { .fingerprint($0) } ?? .acceptNew, deployUser: deployUser)
        let interruption = Interruption()
        let signals = InterruptHandler(interruption)
        defer { signals.stop() }
        let runner = FleetRunner(interruption: interruption, events: output.sink(.story))
        let result = try await bootstrap.run(with: runner) { inventory in
            guard let host = inventory.host(named: name) else {
                throw CommandFailure(["\(inventory.file): \(name) is missing after bootstrap"])
            }
            return try Convergence.checkingRoles(of: [host], in: inventory)
        }
        let box = result.hosts[0]
        if let failure = box.value?.failure {
            throw CommandFailure(["\(name) (\(address)): bootstrap failed: \(failure.headline)"])
        }
        if !output.json {
            // Streamed as plain lines already when not on a terminal.
            if TextOutput.standardOutput.isTerminal || (output.quiet && !box.status.succeeded) {
                for step in box.value?.steps ?? [] { print("\(name): \(step)") }
                print(ApplyLog.render(box.value?.applied, report: box.report), terminator: "")
            }
            print(ApplyLog.summary(result.report), terminator: "")
        }
        if let status = signals.exitStatus { throw ExitCode(status) }
        if !result.report.succeeded { throw ExitCode(1) }
    }

    private func password() throws -> String {
        if let passwordVariable {
            guard let value = ProcessInfo.processInfo.environment[passwordVariable] else {
                throw ValidationError("$\(passwordVariable) is not set")
            }
            return value
        }
        guard let file = passwordFile, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ValidationError("cannot read the password file \(passwordFile ?? "")")
        }
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }
}
