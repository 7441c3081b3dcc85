import Facts
import Foundation
import Inventory
import Shell
import SSH

/// A host in memory for a playbooks package's own tests: every command converge sends is
/// answered from a script of answers, never run (no shell, no SSH), so plan, apply and
/// drift of a whole inventory can be tested without hosts.
///
/// converge sends three kinds of command, and the fake answers each as a host would:
/// - a fact probe (facts, plan, drift): each of its facts' commands is answered from the
///   first ``Answer`` whose ``Match`` fits it, and the probe's output is put together as
///   the host's shell would;
/// - an apply script: each step is reported done, or failed where ``failStep(_:status:output:)``
///   says so; a script that ends with a reboot reports the boot ID, and the fake host
///   comes back at once with another (``bootID``, ``reboots``);
/// - any other command (`converge exec`): answered like a fact's command.
///
/// A command nothing answers fails with status 127 and a message naming it, so a test
/// says at once which answer it lacks.
///
/// ```swift
/// let web1 = FakeConnection(host: "web1", release: .bookworm)
/// web1.answer(.contains("dpkg-query"), with: .output(recordedPackageList))
/// web1.failStep("package:apache2", status: 100, output: "E: Unable to locate package apache2")
/// let convergence = Convergence(playbook: playbook, inventory: inventory,
///                               connector: FakeConnector(["web1": web1]), cache: nil)
/// ```
public final class FakeConnection: HostConnection, @unchecked Sendable {
    /// Which commands an answer is for.
    public enum Match: Sendable {
        /// Exactly this command (a fact's `command`).
        case exact(String)
        /// Any command that contains this text.
        case contains(String)

        func matches(_ command: String) -> Bool {
            switch self {
            case .exact(let text): command == text
            case .contains(let text): command.contains(text)
            }
        }
    }

    /// What a command prints and how it ends.
    public struct Answer: Sendable, Equatable {
        public var stdout: String
        public var stderr: String
        public var status: Int32

        public init(stdout: String = "", stderr: String = "", status: Int32 = 0) {
            self.stdout = stdout
            self.stderr = stderr
            self.status = status
        }

        /// Succeeds, printing `stdout`.
        public static func output(_ stdout: String) -> Answer { Answer(stdout: stdout) }

        /// Fails with `status`, printing `stderr`.
        public static func failure(_ status: Int32, stderr: String = "") -> Answer { Answer(stderr: stderr, status: status) }
    }

    /// A Debian release the fake says it runs: what the facts roles see answer for it
    /// (os-release, `/etc/debian_version`, the architecture, not a container).
    public struct Release: Sendable {
        public var codename: String
        public var version: String
        public var pointRelease: String
        public var architecture: String

        public init(codename: String, version: String, pointRelease: String, architecture: String = "amd64") {
            self.codename = codename
            self.version = version
            self.pointRelease = pointRelease
            self.architecture = architecture
        }

        public static let bullseye = Release(codename: "bullseye", version: "11", pointRelease: "11.11")
        public static let bookworm = Release(codename: "bookworm", version: "12", pointRelease: "12.12")
        public static let trixie = Release(codename: "trixie", version: "13", pointRelease: "13.2")
    }

    /// The host's name, in messages.
    public let host: String
    private let lock = NSLock()
    private var answers: [(match: Match, answer: Answer)] = []
    private var stepFailures: [String: Answer] = [:]
    private var sent: [String] = []
    private var steps: [String] = []
    private var aborted = false
    private var bootNumber = 1
    /// What each service (`host:port`) answers, one answer a connection, the last repeated.
    private var services: [String: [String]] = [:]
    /// Whether the session of the boot before a reboot is yet to be cut.
    private var rebooted = false
    private var rebootActions: [@Sendable (FakeConnection) -> Void] = []
    private var stepActions: [String: [@Sendable (FakeConnection) -> Void]] = [:]

    /// A host answering nothing yet, or (with `release`) the facts roles are evaluated with.
    public init(host: String, release: Release? = nil) {
        self.host = host
        if let release {
            answerRelease(release)
            answer(.exact(PackageArchitectureFact().command), with: .output(release.architecture + "\n"))
            answerHardware()
        }
    }

    /// Says the host runs `release` from now on (os-release and `/etc/debian_version`), as
    /// a host does once upgraded to it.
    public func answerRelease(_ release: Release) {
        answer(.exact(DebianReleaseFact().command), with: .output("""
            PRETTY_NAME="Debian GNU/Linux \(release.version) (\(release.codename))"
            NAME="Debian GNU/Linux"
            VERSION_ID="\(release.version)"
            VERSION="\(release.version) (\(release.codename))"
            VERSION_CODENAME=\(release.codename)
            ID=debian

            CONVERGE_DEBIAN_VERSION=\(release.pointRelease)

            """))
    }

    /// Runs `action` each time the fake host reboots (after the apply script's reboot
    /// step), with the host: a test changes its answers there, as a release upgrade
    /// changes what the host says after its reboot.
    public func onReboot(_ action: @escaping @Sendable (FakeConnection) -> Void) {
        lock.withLock { rebootActions.append(action) }
    }

    /// Runs `action` each time the apply step of `resource` (`apt:update`,
    /// `package:apache2`) is reported done, with the host: a test changes its answers
    /// there, as refreshed lists change what apt's policy says.
    public func onStep(_ resource: String, _ action: @escaping @Sendable (FakeConnection) -> Void) {
        lock.withLock { stepActions[resource, default: []].append(action) }
    }

    /// Answers the hardware facts roles see (``RoleFacts``) as such a host prints them:
    /// by default a virtual machine with 2 GiB, 2 CPUs, loopback and `eth0` at `192.0.2.10/24`,
    /// and a 20 GiB root filesystem.
    ///
    /// - Parameter interfaces: each interface's name and its addresses, as `address/prefix`.
    public func answerHardware(
        memoryBytes: Int = 2 << 30, cpuCount: Int = 2,
        interfaces: [(name: String, addresses: [String])] = [("eth0", ["192.0.2.10/24"])],
        mounts: [(mountPoint: String, type: String, sizeBytes: Int, availableBytes: Int)] = [("/", "ext4", 20 << 30, 15 << 30)],
        virtualization: String = "kvm"
    ) {
        answer(MemoryFact(), with: .output("total \(memoryBytes / 1024) kB\n"))
        answer(ProcessorCountFact(), with: .output("online 0-\(cpuCount - 1)\n"))
        answer(VirtualizationFact(), with: .output("detected \(virtualization)\n"))
        // `ip -o addr show`, loopback first.
        var addresses = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
        for (index, interface) in interfaces.enumerated() {
            for address in interface.addresses {
                let family = address.contains(":") ? "inet6" : "inet"
                addresses += "\(index + 2): \(interface.name)    \(family) \(address) scope global \(interface.name)\\"
                    + "       valid_lft forever preferred_lft forever\n"
            }
        }
        answer(NetworkInterfacesFact(), with: .output(addresses))
        var df = "Filesystem     Type     1024-blocks    Used Available Capacity Mounted on\n"
        for (index, mount) in mounts.enumerated() {
            let used = mount.sizeBytes - mount.availableBytes
            df += "/dev/vd\(Character(UnicodeScalar(UInt8(97 + index))))1 \(mount.type) \(mount.sizeBytes / 1024) \(used / 1024) "
                + "\(mount.availableBytes / 1024) \(used * 100 / max(mount.sizeBytes, 1))% \(mount.mountPoint)\n"
        }
        answer(MountsFact(), with: .output(df))
    }

    /// Answers the commands `match` fits with `answer`; an answer given later for the same
    /// command wins over an earlier one.
    public func answer(_ match: Match, with answer: Answer) {
        lock.withLock { answers.insert((match, answer), at: 0) }
    }

    /// Answers a fact's command.
    public func answer<F: Fact>(_ fact: F, with answer: Answer) {
        self.answer(.exact(fact.command), with: answer)
    }

    /// Makes the host's service at `host`:`port` answer each connection to it (a health
    /// check's) with the next of `responses`, the last one from then on: `["HTTP/1.0 503
    /// …", "HTTP/1.0 200 OK\r\n\r\nok"]` is a web server that comes up on the second try.
    /// A port no service answers refuses the connection.
    public func answerService(port: Int, host: String = "127.0.0.1", with responses: [String]) {
        lock.withLock { services["\(host):\(port)"] = responses }
    }

    /// Makes the apply step of `resource` (`package:apache2`, `file:/etc/motd`) fail with
    /// `status` and `output`; the steps after it are then skipped, as on a host.
    public func failStep(_ resource: String, status: Int32 = 1, output: String = "") {
        lock.withLock { stepFailures[resource] = Answer(stdout: output, status: status) }
    }

    /// Every command answered so far: a probe's facts one by one, an apply script as
    /// `apply`, other commands as sent.
    public var commands: [String] { lock.withLock { sent } }

    /// The apply steps reported done, by their resources (`file:/etc/motd`).
    public var appliedSteps: [String] { lock.withLock { steps } }

    /// How many times an apply script rebooted the fake host.
    public var reboots: Int { lock.withLock { bootNumber - 1 } }

    /// What `/proc/sys/kernel/random/boot_id` holds: another after each reboot.
    public var bootID: String { lock.withLock { Self.bootID(bootNumber) } }

    private static func bootID(_ number: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", number) }

    public func run(_ command: String, input: Data, timeout: Duration?,
                    onStdout: (@Sendable (Data) -> Void)?) async throws -> CommandResult {
        if lock.withLock({ aborted }) {
            throw SSHError(host: host, phase: .exec, kind: .disconnected, message: "the connection was cut on request")
        }
        let text = String(decoding: input, as: UTF8.self)
        let result: CommandResult
        if text.hasPrefix("# converge fact probe") {
            result = answerProbe(text)
        } else if text.hasPrefix("# converge apply script") {
            result = answerApply(text)
        } else if command == Convergence.bootIDCommand, !lock.withLock({ answers.contains { $0.match.matches(command) } }) {
            result = CommandResult(exitStatus: 0, stdout: Data((bootID + "\n").utf8), stderr: Data())
        } else {
            // A script sent to `sh -s` on stdin (drains, undrains) is answered as the command it is.
            let answer = answering(command.hasSuffix("sh -s") && !text.isEmpty ? text : command)
            result = CommandResult(exitStatus: answer.status, stdout: Data(answer.stdout.utf8), stderr: Data(answer.stderr.utf8))
        }
        onStdout?(result.stdout)
        return result
    }

    public func forward(to host: String, port: Int, input: Data, timeout: Duration) async throws -> Data {
        let key = "\(host):\(port)"
        let response: String? = lock.withLock {
            sent.append("forward \(key)")
            guard var responses = services[key], let first = responses.first else { return nil }
            if responses.count > 1 { responses.removeFirst() }
            services[key] = responses
            return first
        }
        guard let response else {
            throw SSHError(host: self.host, phase: .exec, kind: .failed,
                           message: "the host did not open a connection to \(key) for us (nothing listening there)")
        }
        return Data(response.utf8)
    }

    /// Accepted where ``answerService(port:host:with:)`` made a service; recorded as
    /// `connect HOST:PORT`.
    public func connect(to host: String, port: Int, timeout: Duration) async throws {
        let key = "\(host):\(port)"
        let listening = lock.withLock {
            sent.append("connect \(key)")
            return services[key] != nil
        }
        guard listening else {
            throw SSHError(host: self.host, phase: .exec, kind: .failed,
                           message: "the host did not open a connection to \(key) for us (nothing listening there)")
        }
    }

    public func close() async {}

    public func abort() {
        lock.withLock {
            // The session of the boot before a reboot ends; the host is back for the next.
            if rebooted { rebooted = false } else { aborted = true }
        }
    }

    private func answering(_ command: String) -> Answer {
        lock.withLock {
            sent.append(command)
            if let answer = answers.first(where: { $0.match.matches(command) })?.answer { return answer }
            // A host drained by no earlier rollout, unless a test says otherwise.
            if command == DrainedMarker.Fact().command { return .output("") }
            // Packages at their candidates, none held, lists just refreshed: a package
            // baseline with nothing to do, unless a test says otherwise.
            if command == AptPolicyFact().command {
                return .output("Package files:\n 100 /var/lib/dpkg/status\n     release a=now\nPinned packages:\nInstalled packages:\n")
            }
            if command == HeldPackagesFact().command { return .output("") }
            if command == AptListsFact().command { return .output("indexes 1\nstamp 0\nnow 0\n") }
            if command.hasPrefix("if [ -f \(shellQuote(AptListsFact.stampPath))") { return .output("fresh\n") }
            return .failure(127, stderr: "fake host \(host): no scripted answer for: \(command.prefix(200))")
        }
    }

    /// A probe's output: each section's command answered, framed as the probe's shell frames it.
    private func answerProbe(_ script: String) -> CommandResult {
        guard let boundary = Self.boundary(in: script) else {
            return CommandResult(exitStatus: 2, stdout: Data(), stderr: Data("fake host \(host): not a probe it can read".utf8))
        }
        var output = ""
        // `converge_section N 'COMMAND'`: the quoted command may span lines.
        var rest = script[...]
        while let start = rest.range(of: "\nconverge_section ") {
            let words = rest[start.upperBound...]
            guard let space = words.firstIndex(of: " ") else { break }
            let section = words[..<space]
            guard let (command, end) = Self.unquote(prefixOf: words[words.index(after: space)...]) else { break }
            rest = words[end...]
            let answer = answering(command)
            output += "\(boundary) \(section) begin\n\(answer.stdout)\n\(boundary) \(section) status \(answer.status)\n"
                + "\(answer.stderr)\n\(boundary) \(section) end\n"
        }
        return CommandResult(exitStatus: 0, stdout: Data(output.utf8), stderr: Data())
    }

    /// An apply script's report: every step done, up to one that is to fail; the rest skipped.
    private func answerApply(_ script: String) -> CommandResult {
        guard let boundary = Self.boundary(in: script) else {
            return CommandResult(exitStatus: 2, stdout: Data(), stderr: Data("fake host \(host): not a script it can read".utf8))
        }
        lock.withLock { sent.append("apply") }
        var output = ""
        var failed = false
        for line in script.split(separator: "\n") where line.hasPrefix("# step ") {
            // "# step N: resource, resource"
            guard let colon = line.firstIndex(of: ":") else { continue }
            let number = line.dropFirst("# step ".count).prefix { $0 != ":" }
            let resources = line[line.index(colon, offsetBy: 2)...].components(separatedBy: ", ")
            if failed {
                output += "\(boundary) step \(number) skipped\n"
                continue
            }
            let failure = lock.withLock { resources.lazy.compactMap { self.stepFailures[$0] }.first }
            if let failure {
                failed = true
                output += "\(boundary) step \(number) failed \(failure.status) \(Data(failure.stdout.utf8).map { String(format: "%02x", $0) }.joined())\n"
            } else {
                let actions = lock.withLock {
                    steps += resources
                    return resources.flatMap { self.stepActions[$0] ?? [] }
                }
                for action in actions { action(self) }
                output += "\(boundary) step \(number) ok\n"
                if script.contains("\nconverge_reboot \(number) ") {
                    output += "\(boundary) reboot \(bootID)\n"
                    let actions = lock.withLock {
                        bootNumber += 1
                        rebooted = true
                        return rebootActions
                    }
                    for action in actions { action(self) }
                }
            }
        }
        output += "\(boundary) done\n"
        return CommandResult(exitStatus: failed ? 1 : 0, stdout: Data(output.utf8), stderr: Data())
    }

    /// The boundary a probe or apply script prints its own lines with (`converge_b='…''…'`).
    private static func boundary(in script: String) -> String? {
        guard let line = script.split(separator: "\n").first(where: { $0.hasPrefix("converge_b=") }) else { return nil }
        return unquote(line.dropFirst("converge_b=".count))
    }

    /// A word as `sh` reads it when it is made of single-quoted parts and `\'` (what
    /// ``shellQuote(_:)`` writes); nil for anything else.
    static func unquote(_ word: Substring) -> String? {
        guard let (value, end) = unquote(prefixOf: word), end == word.endIndex else { return nil }
        return value
    }

    /// The word at the start of `text` unquoted (single-quoted parts, `\'`, plain
    /// characters), up to the first blank or newline outside quotes; and where it ends.
    static func unquote(prefixOf text: Substring) -> (String, Substring.Index)? {
        var result = ""
        var index = text.startIndex
        let word = text
        while index < word.endIndex, word[index] != " ", word[index] != "\n" {
            switch word[index] {
            case "'":
                guard let close = word[word.index(after: index)...].firstIndex(of: "'") else { return nil }
                result += word[word.index(after: index)..<close]
                index = word.index(after: close)
            case "\\":
                let next = word.index(after: index)
                guard next < word.endIndex else { return nil }
                result.append(word[next])
                index = word.index(after: next)
            default:
                result.append(word[index])
                index = word.index(after: index)
            }
        }
        return (result, index)
    }
}

/// Connects inventory hosts to ``FakeConnection``s by name; a host it has none for, or
/// one named unreachable, cannot be reached (as a host that does not answer).
public struct FakeConnector: HostConnecting {
    public var hosts: [String: FakeConnection]
    public var unreachable: Set<String>

    public init(_ hosts: [String: FakeConnection], unreachable: Set<String> = []) {
        self.hosts = hosts
        self.unreachable = unreachable
    }

    public func connection(to host: Inventory.Host) async throws -> any HostConnection {
        guard !unreachable.contains(host.name), let connection = hosts[host.name] else {
            throw SSHError(host: host.name, phase: .connect, kind: .unreachable,
                           message: "no answer from \(host.address) port \(host.ssh.port) (a fake host that is down)")
        }
        return connection
    }
}
