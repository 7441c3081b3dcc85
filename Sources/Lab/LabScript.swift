import Foundation

/// `scripts/lab`, as the build embedded it, run for one lab: it boots, stops, cuts and
/// removes the lab's containers (systemd-nspawn, a bridge, network namespaces, an
/// apt-cacher-ng), and installs the Debian packages it needs. Kept a shell script: it is
/// a sequence of system tools (ip, mount, debootstrap, systemd-nspawn) that converge's own
/// tests and benchmarks have run for a long time, and one implementation serves both.
public struct LabScript: Sendable {
    /// The script's text (the EmbeddedLabScript plugin writes it at build time).
    public static let text = labScriptText

    public let lab: LabInstance

    public init(lab: LabInstance) {
        self.lab = lab
    }

    /// Runs `scripts/lab ARGUMENTS` for the lab, its output going to this process's, and
    /// returns its exit status. Needs root, as the script says when it has not.
    @discardableResult
    public func run(_ arguments: [String]) throws(LabError) -> Int32 {
        try Self.requireRoot()
        let path = lab.stateDirectory + "/lab.sh"
        do {
            try FileManager.default.createDirectory(atPath: lab.stateDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            if (try? String(contentsOfFile: path, encoding: .utf8)) != Self.text {
                try Data(Self.text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        } catch {
            throw LabError("cannot write the lab script to \(path): \(error.localizedDescription)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LAB_INSTANCE"] = String(lab.number)
        // No checkout: the generic hosts' inventory in the state directory, no test packages.
        environment["LAB_INVENTORY"] = lab.stateDirectory + "/generic.json"
        environment["LAB_PACKAGES"] = ""
        return try Self.spawn(["/bin/bash", path] + arguments, environment: environment)
    }

    /// posix_spawn and waitpid, not Foundation's Process: the script leaves daemons behind
    /// (containers, apt-cacher-ng, port forwarders), and Process on Linux waits until every
    /// descendant has let go of a descriptor it hands the child.
    private static func spawn(_ command: [String], environment: [String: String]) throws(LabError) -> Int32 {
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // Signals as a shell starts its commands with: none blocked, none ignored (this
        // process's threads block some, and the script's daemons would inherit that).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], nil, &attributes, argv, envp)
        guard spawned == 0 else { throw LabError("cannot run \(command[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw LabError("waiting for \(command[0]): \(String(cString: strerror(errno)))") }
        }
        // Exited: its status; killed by a signal: 128 + the signal, as a shell says.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// A lab creates network namespaces, mounts and containers: only root can.
    public static func requireRoot() throws(LabError) {
        guard getuid() == 0 else {
            throw LabError("converge lab needs root: it creates network namespaces, mounts and containers "
                           + "(it also installs systemd-container, debootstrap and apt-cacher-ng when they are missing); try: sudo converge lab ...")
        }
    }
}
