/// What upgrading a host to the next Debian release would do, worked out on the host with
/// that release's sources in a scratch apt directory (its lists, its archives), so that
/// nothing the host uses changes: apt's simulation of `full-upgrade`, its download and disk
/// sizes, the sources it could not fetch, the free space, and `dpkg --audit`.
public struct ReleaseSimulation: Codable, Equatable, Sendable {
    /// A package and its versions: installed (nil for a new one) and after the upgrade (nil
    /// for one removed).
    public struct PackageStep: Codable, Equatable, Sendable {
        public var name: String
        public var installed: String?
        public var candidate: String?

        public init(name: String, installed: String?, candidate: String?) {
            self.name = name
            self.installed = installed
            self.candidate = candidate
        }
    }

    /// Free space of a filesystem the upgrade writes to.
    public struct FreeSpace: Codable, Equatable, Sendable {
        /// The filesystem, as `df` names it: the same one for two paths means one disk.
        public var filesystem: String
        /// Where it is mounted.
        public var mountPoint: String
        public var availableBytes: Int

        public init(filesystem: String, mountPoint: String, availableBytes: Int) {
            self.filesystem = filesystem
            self.mountPoint = mountPoint
            self.availableBytes = availableBytes
        }
    }

    /// Packages upgraded (both versions), installed (no installed version) and removed (no
    /// candidate), in apt's order.
    public var packages: [PackageStep]
    /// What apt still has to download, in bytes; nil when apt did not say (it failed).
    public var downloadBytes: Int?
    /// What the upgrade adds on disk once unpacked, in bytes: negative when it frees space.
    public var additionalBytes: Int?
    /// The free space of the filesystems of `/var/cache/apt/archives` (the downloads),
    /// then `/usr` (what is unpacked).
    public var freeSpace: [FreeSpace]
    /// apt's errors on fetching the next release's lists: a source with no such suite.
    public var sourceErrors: [String]
    /// apt's errors on working out the upgrade (unmet dependencies, say).
    public var simulationErrors: [String]
    /// What `dpkg --audit` says: packages half-installed or half-configured.
    public var audit: [String]

    public init(packages: [PackageStep] = [], downloadBytes: Int? = nil, additionalBytes: Int? = nil, freeSpace: [FreeSpace] = [],
                sourceErrors: [String] = [], simulationErrors: [String] = [], audit: [String] = []) {
        self.packages = packages
        self.downloadBytes = downloadBytes
        self.additionalBytes = additionalBytes
        self.freeSpace = freeSpace
        self.sourceErrors = sourceErrors
        self.simulationErrors = simulationErrors
        self.audit = audit
    }

    public var upgrades: [PackageStep] { packages.filter { $0.installed != nil && $0.candidate != nil } }
    public var installs: [PackageStep] { packages.filter { $0.installed == nil } }
    public var removals: [PackageStep] { packages.filter { $0.candidate == nil } }
}

/// The host's ``ReleaseSimulation`` of an upgrade from `from` to `to`. It downloads the
/// next release's lists into a temporary directory it removes, so it costs the lists'
/// download (tens of megabytes, through the host's apt proxy); converge asks for it only
/// of a host behind its target release.
public struct ReleaseSimulationFact: Fact {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    public var name: String { "ReleaseSimulationFact(\(from) to \(to))" }

    public var command: String {
        // Only the sources, lists and downloads are the scratch directory's: dpkg's status,
        // apt's preferences and its keyrings stay the host's. No lock is taken, as nothing
        // of the host's is written. Archived releases' Release files have expired.
        """
        converge_into=$(mktemp -d /tmp/converge-release.XXXXXX) || exit 1
        # shellcheck disable=SC2016 # expanded when the trap runs
        trap 'rm -rf "$converge_into"' EXIT
        \(DebianSuites.rewriteCommand(from: from, to: to))
        mkdir -p "$converge_into/lists/partial" "$converge_into/archives/partial"
        set -- -q -o Dir::Etc::SourceList="$converge_into/sources.list" -o Dir::Etc::SourceParts="$converge_into/sources.list.d" \\
        \t-o Dir::State::Lists="$converge_into/lists" -o Dir::Cache::Archives="$converge_into/archives" \\
        \t-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1 -o Acquire::Check-Valid-Until=false
        apt-get "$@" update 2>&1 | sed -n -e 's/^E: /source-error /p' -e 's/^W: \\(Failed to fetch .*\\)/source-error \\1/p'
        apt-get "$@" -s full-upgrade 2>&1 | sed -n -e 's/^Inst /inst /p' -e 's/^Remv /remv /p' -e 's/^E: /error /p'
        apt-get "$@" --assume-no full-upgrade 2>/dev/null | sed -n \\
        \t-e 's/^Need to get \\([0-9.,]*\\) \\([kMG]\\{0,1\\}B\\).*/download \\1 \\2/p' \\
        \t-e 's/^After this operation, \\([0-9.,]*\\) \\([kMG]\\{0,1\\}B\\) of additional.*/additional \\1 \\2/p' \\
        \t-e 's/^After this operation, \\([0-9.,]*\\) \\([kMG]\\{0,1\\}B\\) disk space will be freed.*/freed \\1 \\2/p'
        df -Pk /var/cache/apt/archives /usr | awk 'NR > 1 { print "df", $1, $4, $6 }'
        dpkg --audit 2>&1 | sed 's/^/audit /'
        true
        """
    }

    public func parse(_ output: String) throws -> ReleaseSimulation {
        var simulation = ReleaseSimulation()
        for line in lines(of: output) {
            let words = line.split(separator: " ", maxSplits: 1)
            guard let kind = words.first else { continue }
            let rest = words.count > 1 ? String(words[1]) : ""
            switch kind {
            case "inst", "remv":
                // `libc6 [2.31-13] (2.36-9 Debian:12.9/stable [amd64])`, `php8.2 (8.2.26 …)`, `php7.4 [7.4.33]`.
                let parts = rest.split(separator: " ")
                guard let name = parts.first else { throw FactParseError("an apt simulation line without a package: \(line)") }
                var installed: String?
                var candidate: String?
                if parts.count > 1, parts[1].hasPrefix("["), parts[1].hasSuffix("]") { installed = String(parts[1].dropFirst().dropLast()) }
                if kind == "inst", let open = parts.firstIndex(where: { $0.hasPrefix("(") }) {
                    candidate = String(parts[open].dropFirst())
                }
                guard kind == "remv" || candidate != nil else { throw FactParseError("an apt simulation line without a version: \(line)") }
                simulation.packages.append(.init(name: String(name), installed: installed, candidate: kind == "remv" ? nil : candidate))
            case "download": simulation.downloadBytes = try Self.bytes(rest)
            case "additional": simulation.additionalBytes = try Self.bytes(rest)
            case "freed": simulation.additionalBytes = try -Self.bytes(rest)
            case "df":
                let fields = rest.split(separator: " ")
                guard fields.count == 3, let kilobytes = Int(fields[1]) else { throw FactParseError("unreadable df line: \(line)") }
                simulation.freeSpace.append(.init(filesystem: String(fields[0]), mountPoint: String(fields[2]), availableBytes: kilobytes * 1024))
            case "source-error": simulation.sourceErrors.append(rest)
            case "error": simulation.simulationErrors.append(rest)
            case "audit": if !rest.trimmingWhitespace().isEmpty { simulation.audit.append(rest) }
            default: throw FactParseError("unexpected line: \(line)")
            }
        }
        return simulation
    }

    /// `241 MB`, `3,072 kB`, `512 B` (apt's SI units) in bytes.
    static func bytes(_ text: String) throws -> Int {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let number = Double(parts[0].replacingOccurrences(of: ",", with: "")) else {
            throw FactParseError("unreadable size: \(text)")
        }
        let unit: Double = switch parts[1] {
        case "B": 1
        case "kB": 1_000
        case "MB": 1_000_000
        case "GB": 1_000_000_000
        default: throw FactParseError("unreadable size unit: \(text)")
        }
        return Int(number * unit)
    }
}
