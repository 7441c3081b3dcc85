/// What apt makes of the installed packages with the host's own lists, as `apt-cache
/// policy` shows it (nothing is downloaded, locked or changed): for each installed package
/// the version apt would install (its candidate) and which package files offer the installed
/// and the candidate version; the package files themselves, with the releases they belong
/// to; and the packages pinned in apt's preferences.
///
/// From this a drift report tells pending upgrades (candidate newer than installed),
/// security ones (offered by a `Debian-Security` file), packages that no configured
/// repository has, and packages from another repository than the host's release.
public struct AptPolicy: Codable, Equatable, Sendable {
    /// Every package file apt reads, dpkg's status file included, by its description as
    /// apt prints it: `http://deb.debian.org/debian bookworm/main amd64 Packages`,
    /// `file:/srv/repo ./ Packages`, `/var/lib/dpkg/status`.
    public var sources: [String: AptPackageFile]
    /// The packages apt's preferences pin, by apt's name, to the version the pin selects
    /// (nil when no version matches the pin).
    public var pins: [String: String?]
    /// The installed packages by apt's name: `libc6`, or `libc6:i386` for a foreign architecture.
    public var packages: [String: PackagePolicy]

    public init(sources: [String: AptPackageFile], pins: [String: String?], packages: [String: PackagePolicy]) {
        self.sources = sources
        self.pins = pins
        self.packages = packages
    }

    /// The description of dpkg's status file, which offers every installed version.
    public static let dpkgStatus = "/var/lib/dpkg/status"
}

/// A package file apt reads, and the release it belongs to (its `Release` file's fields;
/// nil where that file has none, as in a flat repository without a `Release`).
public struct AptPackageFile: Codable, Hashable, Sendable {
    /// apt's priority for the file: 500 by default, 100 for dpkg's status, 1 for
    /// `NotAutomatic` archives such as experimental.
    public var priority: Int
    /// `o=`, e.g. `Debian`.
    public var origin: String?
    /// `l=`, e.g. `Debian` or `Debian-Security`.
    public var label: String?
    /// `a=`, the suite, e.g. `stable-security` or `now` for dpkg's status.
    public var suite: String?
    /// `n=`, e.g. `bookworm-security`; jessie's and stretch's security archive says `jessie`.
    public var codename: String?
    /// `v=`, e.g. `12.15` or `12`.
    public var version: String?
    /// `c=`, e.g. `main`.
    public var component: String?
    /// The host the file comes from (`origin deb.debian.org`); nil for local files.
    public var site: String?

    public init(
        priority: Int, origin: String? = nil, label: String? = nil, suite: String? = nil, codename: String? = nil,
        version: String? = nil, component: String? = nil, site: String? = nil
    ) {
        self.priority = priority
        self.origin = origin
        self.label = label
        self.suite = suite
        self.codename = codename
        self.version = version
        self.component = component
        self.site = site
    }

    /// Whether the file is a security archive: labelled `Debian-Security` (Debian 8 and
    /// later), or a `-security` suite or codename (Debian 11 and later, Ubuntu).
    public var isSecurity: Bool {
        label == "Debian-Security" || [suite, codename].contains { $0?.hasSuffix("-security") == true }
    }
}

/// What apt knows of one installed package.
public struct PackagePolicy: Codable, Hashable, Sendable {
    /// The installed version.
    public var installed: String
    /// The version `apt-get install` would pick; nil when apt has none (`(none)`).
    public var candidate: String?
    /// The package files that offer the installed version, dpkg's status file left out:
    /// empty when no configured repository has it (locally built, or a repository since
    /// removed, or an old version the archive no longer carries).
    public var installedFrom: [String]
    /// The package files that offer the candidate, dpkg's status file left out.
    public var candidateFrom: [String]

    public init(installed: String, candidate: String?, installedFrom: [String], candidateFrom: [String]) {
        self.installed = installed
        self.candidate = candidate
        self.installedFrom = installedFrom
        self.candidateFrom = candidateFrom
    }
}

/// The host's ``AptPolicy``: `apt-cache policy` without arguments (package files,
/// releases, pins), then with every installed package as arguments, in one more process.
/// The text is the same from apt 1.0 on jessie to apt 3.0 on trixie, except that apt 1.0
/// prints a `Package pin:` line and the pin priority, not the version's, in the version table.
///
/// Cost: both calls read apt's binary cache (`/var/cache/apt/pkgcache.bin`), about 70-90 ms
/// of host CPU for 140 packages, 100 ms for 830. Where the cache is disabled
/// (`Dir::Cache::pkgcache ""`, as container images often do) every apt call would read all
/// the lists again, about 0.4 s each: the first call then writes a cache into a private
/// temporary directory for the second, which is removed when the fact ends.
///
/// A host without apt-cache gives an empty policy.
public struct AptPolicyFact: Fact {
    public init() {}

    public var command: String {
        // dpkg-query's ${Status} is three words: installed (or triggers pending) and no
        // error flag makes the package installed, as DebianPackage.isInstalled has it.
        #"""
        if ! command -v apt-cache >/dev/null 2>&1; then printf 'no-apt\n'; exit 0; fi
        set --
        converge_pc=
        eval "$(apt-config shell converge_pc Dir::Cache::pkgcache/f 2>/dev/null)"
        if [ -z "$converge_pc" ] && converge_t=$(mktemp -d 2>/dev/null); then
        	trap 'rm -rf "$converge_t"' EXIT
        	set -- -o "Dir::Cache::pkgcache=$converge_t/pkgcache.bin"
        fi
        apt-cache "$@" policy || exit 1
        converge_p=$(dpkg-query -W -f '${Status} ${binary:Package}\n' | awk '$2 == "ok" && ($3 == "installed" || $3 == "triggers-pending" || $3 == "triggers-awaited") { print $4 }')
        printf 'Installed packages:\n'
        # shellcheck disable=SC2086 # one word a package name
        if [ -n "$converge_p" ]; then apt-cache "$@" policy $converge_p || exit 1; fi
        """#
    }

    public func parse(_ output: String) throws -> AptPolicy {
        let lines = lines(of: output)
        if lines.first == "no-apt" { return AptPolicy(sources: [:], pins: [:], packages: [:]) }
        guard lines.first == "Package files:",
            let pinned = lines.firstIndex(of: "Pinned packages:"),
            let installed = lines.firstIndex(of: "Installed packages:"), pinned < installed
        else { throw FactParseError("expected apt-cache policy's package files, pins and packages: \(output.prefix(200))") }
        return AptPolicy(
            sources: try parseSources(lines[1..<pinned]),
            pins: try parsePins(lines[(pinned + 1)..<installed]),
            packages: try parsePackages(lines[(installed + 1)...]))
    }

    /// ` 500 DESCRIPTION`, then `     release k=v,…` and `     origin SITE` lines for it.
    private func parseSources(_ lines: ArraySlice<Substring>) throws -> [String: AptPackageFile] {
        var sources: [String: AptPackageFile] = [:]
        var current: String?
        for line in lines {
            let text = line.trimmingWhitespace()
            if text.hasPrefix("release ") {
                guard let name = current else { throw FactParseError("release line before any package file: \(line)") }
                for pair in text.dropFirst("release ".count).split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard parts.count == 2 else { continue }
                    let value = parts[1].isEmpty ? nil : String(parts[1])
                    switch parts[0] {
                    case "o": sources[name]?.origin = value
                    case "l": sources[name]?.label = value
                    case "a": sources[name]?.suite = value
                    case "n": sources[name]?.codename = value
                    case "v": sources[name]?.version = value
                    case "c": sources[name]?.component = value
                    default: break
                    }
                }
            } else if text.hasPrefix("origin ") {
                guard let name = current else { throw FactParseError("origin line before any package file: \(line)") }
                sources[name]?.site = String(text.dropFirst("origin ".count))
            } else {
                let (priority, description) = try priorityAndRest(text, line: line)
                sources[description] = AptPackageFile(priority: priority)
                current = description
            }
        }
        return sources
    }

    /// `     NAME -> VERSION with priority N` (apt 1.1 and later; one line per pinned
    /// version), `     NAME -> VERSION` (apt 1.0), `-> (not found)` when nothing matches.
    private func parsePins(_ lines: ArraySlice<Substring>) throws -> [String: String?] {
        var pins: [String: String?] = [:]
        for line in lines where !line.trimmingWhitespace().isEmpty {
            let words = line.split(separator: " ")
            guard words.count >= 3, words[1] == "->" else { throw FactParseError("unexpected pin line: \(line)") }
            let name = String(words[0])
            guard pins[name] == nil else { continue }
            pins[name] = words[2] == "(not" ? String?.none : String(words[2])
        }
        return pins
    }

    /// Per package: `NAME:`, `  Installed: V`, `  Candidate: V`, maybe `  Package pin: V`,
    /// `  Version table:`, then version lines (` *** V P` for the installed one, `     V P`
    /// otherwise: five columns in) each followed by source lines (`        P DESCRIPTION`,
    /// further in).
    private func parsePackages(_ lines: ArraySlice<Substring>) throws -> [String: PackagePolicy] {
        var packages: [String: PackagePolicy] = [:]
        var name: String?
        var installed: String?
        var candidate: String?
        var version: String?
        var sourcesByVersion: [String: [String]] = [:]

        func finish() {
            defer { (name, installed, candidate, version, sourcesByVersion) = (nil, nil, nil, nil, [:]) }
            guard let name, let installed else { return }
            packages[name] = PackagePolicy(
                installed: installed, candidate: candidate,
                installedFrom: sourcesByVersion[installed] ?? [],
                candidateFrom: candidate.map { sourcesByVersion[$0] ?? [] } ?? [])
        }

        for line in lines where !line.isEmpty {
            if !line.hasPrefix(" ") {
                guard line.hasSuffix(":") else { throw FactParseError("unexpected line: \(line)") }
                finish()
                name = String(line.dropLast())
                continue
            }
            guard name != nil else { throw FactParseError("line before any package: \(line)") }
            let text = line.trimmingWhitespace()
            if text.hasPrefix("Installed:") {
                installed = noneAsNil(text.dropFirst("Installed:".count))
            } else if text.hasPrefix("Candidate:") {
                candidate = noneAsNil(text.dropFirst("Candidate:".count))
            } else if text.hasPrefix("Package pin:") || text == "Version table:" {
                continue
            } else if line.hasPrefix(" *** ") || (line.hasPrefix("     ") && !line.hasPrefix("      ")) {
                let words = line.dropFirst(5).split(separator: " ")
                guard words.count == 2, Int(words[1]) != nil else { throw FactParseError("unexpected version line: \(line)") }
                version = String(words[0])
                sourcesByVersion[version!, default: []] = sourcesByVersion[version!] ?? []
            } else {
                guard let current = version else { throw FactParseError("source line before any version: \(line)") }
                let (_, description) = try priorityAndRest(text, line: line)
                if description != AptPolicy.dpkgStatus { sourcesByVersion[current, default: []].append(description) }
            }
        }
        finish()
        return packages
    }

    private func priorityAndRest(_ text: Substring, line: Substring) throws -> (Int, String) {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let priority = Int(parts[0]) else {
            throw FactParseError("expected a priority and a package file: \(line)")
        }
        return (priority, String(parts[1]))
    }

    private func noneAsNil(_ text: Substring) -> String? {
        let value = text.trimmingWhitespace()
        return value.isEmpty || value == "(none)" ? nil : String(value)
    }
}
