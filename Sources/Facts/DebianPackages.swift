/// A package known to dpkg, installed or not.
public struct DebianPackage: Codable, Hashable, Sendable {
    /// The package's name without any multi-arch qualifier, e.g. `libc6`.
    public var name: String
    /// The version, e.g. `1:9.2p1-2+deb12u3`; empty when dpkg records none.
    public var version: String
    /// The architecture, e.g. `amd64`, `i386` or `all`; empty when dpkg records none.
    public var architecture: String
    /// dpkg's selection, error flag and state.
    public var status: PackageStatus

    public init(name: String, version: String, architecture: String, status: PackageStatus) {
        self.name = name
        self.version = version
        self.architecture = architecture
        self.status = status
    }

    /// Whether the package is installed and configured; see ``PackageStatus/isInstalled``.
    public var isInstalled: Bool { status.isInstalled }
}

/// A package's status as dpkg prints it: `install ok installed`, `hold ok installed`,
/// `deinstall ok config-files`, ….
///
/// Encodes as that three-word string.
public struct PackageStatus: Codable, Hashable, Sendable, CustomStringConvertible {
    /// What the administrator asked for (dpkg's selection).
    public enum Want: String, Codable, Sendable, CaseIterable {
        case unknown, install, hold, deinstall, purge
    }

    /// Whether dpkg needs the package reinstalled.
    public enum ErrorFlag: String, Codable, Sendable, CaseIterable {
        case ok, reinstreq
    }

    /// How far dpkg got with the package.
    public enum State: String, Codable, Sendable, CaseIterable {
        case notInstalled = "not-installed"
        case configFiles = "config-files"
        case halfInstalled = "half-installed"
        case unpacked
        case halfConfigured = "half-configured"
        case triggersAwaited = "triggers-awaited"
        case triggersPending = "triggers-pending"
        case installed
    }

    public var want: Want
    public var errorFlag: ErrorFlag
    public var state: State

    public init(want: Want, errorFlag: ErrorFlag, state: State) {
        self.want = want
        self.errorFlag = errorFlag
        self.state = state
    }

    /// Reads dpkg's `${Status}`, e.g. `install ok installed`; nil if it is not three known words.
    public init?(_ text: some StringProtocol) {
        let words = text.split(separator: " ")
        guard words.count == 3,
            let want = Want(rawValue: String(words[0])),
            let errorFlag = ErrorFlag(rawValue: String(words[1])),
            let state = State(rawValue: String(words[2]))
        else { return nil }
        self.init(want: want, errorFlag: errorFlag, state: state)
    }

    /// Whether the package is unpacked and configured, without error: state `installed`,
    /// whatever the selection (`hold ok installed` is installed and held, `deinstall ok
    /// installed` is still installed), or a `triggers-*` state, in which only another
    /// package's trigger processing is outstanding and dpkg counts dependencies as met.
    public var isInstalled: Bool {
        errorFlag == .ok && [.installed, .triggersPending, .triggersAwaited].contains(state)
    }

    /// Whether the package is held at its version (`apt-mark hold`).
    public var isHeld: Bool { want == .hold }

    public var description: String { "\(want.rawValue) \(errorFlag.rawValue) \(state.rawValue)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let status = PackageStatus(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a dpkg status: \(text)")
        }
        self = status
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Every package dpkg knows on the host: installed ones, and removed ones whose
/// configuration files remain or whose installation broke off.
///
/// Keeps dpkg's order (by name). A package installed for several architectures
/// (multi-arch, e.g. `libc6` for `amd64` and `i386`) appears once for each.
public struct DebianPackagesFact: Fact {
    public init() {}

    public var command: String {
        #"dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\t${Status}\n'"#
    }

    public func parse(_ output: String) throws -> [DebianPackage] {
        try lines(of: output).enumerated().compactMap { number, line in
            if line.isEmpty { return nil }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4 else {
                throw FactParseError(
                    "line \(number + 1): expected 4 tab-separated fields, found \(fields.count): \(line)")
            }
            guard let status = PackageStatus(fields[3].trimmingWhitespace()) else {
                throw FactParseError("line \(number + 1): unknown dpkg status: \(fields[3])")
            }
            // ${Package} has no qualifier, but ${binary:Package} gives `libc6:i386`.
            let qualified = fields[0].split(separator: ":", maxSplits: 1)
            let architecture = fields[2].isEmpty && qualified.count == 2 ? qualified[1] : fields[2]
            return DebianPackage(
                name: String(qualified.first ?? ""), version: String(fields[1]),
                architecture: String(architecture), status: status)
        }
    }
}
