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
        let clock = ContinuousClock()
        let started = clock.now
        let bootstrap = Bootstrap(address: address, name: name, group: group, inventoryPath: inventory,
                                  rootPassword: try password(),
                                  trust: fingerprint.map { .fingerprint($0) } ?? .acceptNew, deployUser: deployUser)
        let outcome: Bootstrap.Outcome
        do {
            outcome = try await bootstrap.run()
        } catch {
            throw CommandFailure(["\(name) (\(address)): bootstrap failed: \(HostFailure(error, host: name).headline)"])
        }
        for step in outcome.steps { print("\(name): \(step)") }

        // The host as the inventory now has it, converged like any other.
        let updated = try Inventory.load(contentsOf: inventory)
        guard let host = updated.host(named: name) else {
            throw CommandFailure(["\(inventory): \(name) is missing after bootstrap"])
        }
        let convergence = try Convergence.checkingRoles(of: [host], in: updated)
        let run = await FleetRun(convergence: convergence).run([(host, { @Sendable in try await convergence.plan(host) })]) {
            ProgressDisplay(hosts: $0)
        }
        print(run.log, terminator: "")
        var summary = run
        summary.duration = clock.now - started   // from first contact, bootstrap included
        print(summary.summary, terminator: "")
        if !run.succeeded { throw ExitCode(1) }
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
