import ArgumentParser
import Lab

/// `converge lab`: staging replicas of a fleet as real Debian hosts on this machine.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Boot a replica of an inventory's hosts on this machine, converge and test it (staging).",
        discussion: """
            A lab is a set of real Debian hosts (systemd-nspawn containers with systemd and sshd, \
            each in its own network namespace on a bridge of this machine, fetching packages \
            through an apt-cacher-ng of this machine) made from an inventory: the same host \
            names, groups, roles, vars and Debian releases, its addresses mapped onto the lab's \
            network, with a key, known hosts and secrets of its own. `converge lab test` runs \
            Molecule's sequence on it: up, converge, a second plan that must be empty, the roles' \
            health checks and the package's own tests, down. Labs of different names (--name) \
            run side by side. Needs root, on Linux; installs debootstrap, systemd-container and \
            apt-cacher-ng when they are missing.
            """,
        subcommands: [
            LabUpCommand.self, LabTestCommand.self, LabStatusCommand.self, LabListCommand.self, LabDownCommand.self,
            LabStopCommand.self, LabStartCommand.self, LabCutCommand.self, LabHealCommand.self,
        ]
    )
}

/// The lab a command works on.
struct LabOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The lab's name: labs of different names run side by side.", valueName: "name"))
    var name = LabInstance.defaultName

    func validate() throws {
        guard LabInstance.isValid(name: name) else {
            throw ValidationError("--name \(name): use a lowercase letter, then up to 31 of a-z 0-9 -")
        }
    }

    /// The lab, which must have been brought up.
    func existingLab() throws -> LabInstance {
        guard let lab = try LabRegistry().lab(named: name) else {
            throw CommandFailure(["there is no lab '\(name)' (converge lab list shows the labs of this machine)"])
        }
        return lab
    }

    /// Runs `scripts/lab ARGUMENTS` for the lab; its failure ends the command with its status.
    func runScript(_ arguments: [String]) throws {
        let status = try LabScript(lab: try existingLab()).run(arguments)
        if status != 0 { throw ExitCode(status) }
    }
}

/// How `up` and `test` make the replica.
struct LabUpOptions: ParsableArguments {
    @Argument(help: "The inventory to replicate (inventory/*.json).")
    var inventory: String

    @Option(name: .customLong("release"),
            help: ArgumentHelp("Boot hosts of release OLD as NEW (the lab boots bullseye and later); repeat for more.",
                               valueName: "old=new"))
    var releases: [String] = []

    @Option(help: ArgumentHelp("Vars of the lab's own over the inventory's (JSON: vars, groups, hosts).", valueName: "file"))
    var overrides: String?

    @Option(help: ArgumentHelp("The lab's secret store; the lab's own (generated for it) by default. Never production's.",
                               valueName: "directory"))
    var secrets: String?

    @Option(help: ArgumentHelp("Forward a port of this machine to a lab host, group or address; repeat for more.",
                               valueName: "[ip:]port:target:port"))
    var publish: [String] = []

    @Option(help: ArgumentHelp("Where to write the lab inventory (default: beside the inventory, as NAME.lab.json).",
                               valueName: "file"))
    var out: String?

    func validate() throws {
        for release in releases where release.split(separator: "=").count != 2 {
            throw ValidationError("--release \(release): expected OLD=NEW, e.g. --release stretch=bullseye")
        }
        for spec in publish {
            do { _ = try PublishedPort(spec) } catch { throw ValidationError(error.description) }
        }
    }

    func labUp(name: String) throws -> LabUp {
        var up = LabUp(inventory: inventory, name: name)
        for release in releases {
            let parts = release.split(separator: "=").map(String.init)
            up.releaseMap[parts[0]] = parts[1]
        }
        up.overrides = overrides
        up.secretStore = secrets
        up.publish = try publish.map { try PublishedPort($0) }
        up.labInventory = out
        return up
    }
}
