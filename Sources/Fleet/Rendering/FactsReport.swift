import Facts
import Foundation
import Inventory

/// The facts of every selected host, or why a host gave none: `converge facts`' table
/// and JSON document.
public struct FactsReport {
    struct Entry: Sendable {
        var host: Inventory.Host
        var result: Result<GatheredFacts, HostFailure>
        var duration: Duration
    }

    var entries: [Entry]
    var duration: Duration

    /// The report of a facts run (``Convergence/facts(of:with:)``) over `hosts`.
    public init(_ run: FleetResult<GatheredFacts>, hosts: [Inventory.Host]) {
        entries = zip(hosts, run.hosts).map { host, outcome in
            let result: Result<GatheredFacts, HostFailure> = outcome.value.map { .success($0) }
                ?? .failure(outcome.report.failure ?? HostFailure(host: host.name, phase: "facts", message: outcome.status.rawValue))
            return Entry(host: host, result: result, duration: .seconds(outcome.report.seconds))
        }
        duration = .seconds(run.report.seconds)
    }

    public var failedCount: Int { entries.filter { if case .failure = $0.result { true } else { false } }.count }

    /// One line per host, columns aligned, then a summary line.
    public func table() -> String {
        var rows = [["HOST", "ADDRESS", "RELEASE", "KERNEL", "ARCH", "MEMORY", "CPUS", "VIRT", "PACKAGES", "INIT", "TIME"]]
        var failures: [(Int, String)] = []
        for entry in entries {
            let time = entry.duration.seconds
            switch entry.result {
            case .success(let gathered):
                let facts = gathered.host
                rows.append([entry.host.name, entry.host.address, facts.release.summary, facts.kernel.release,
                             facts.architecture.name, gathered.roles.memoryBytes.map(Self.gibibytes) ?? "?",
                             gathered.roles.cpuCount.map(String.init) ?? "?", gathered.roles.virtualization ?? "?",
                             String(facts.installedPackages.count), facts.initSystem.summary, time])
            case .failure(let failure):
                failures.append((rows.count, "\(failure.headline) (after \(time))"))
                rows.append([entry.host.name, entry.host.address])
            }
        }
        let widths = rows[0].indices.map { column in rows.map { $0.count > column ? $0[column].count : 0 }.max()! }
        var text = ""
        for (index, row) in rows.enumerated() {
            if let failure = failures.first(where: { $0.0 == index }) {
                text += pad(row, widths, upTo: 2) + "  " + failure.1 + "\n"
            } else {
                text += pad(row, widths, upTo: row.count) + "\n"
            }
        }
        let answered = entries.count - failedCount
        text += "\n\(entries.count) host\(entries.count == 1 ? "" : "s"): \(answered) answered, \(failedCount) failed, in \(duration.seconds)\n"
        return text
    }

    /// `3.8 GiB`: one decimal, as memory is usually spoken of.
    static func gibibytes(_ bytes: Int) -> String {
        String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
    }

    private func pad(_ row: [String], _ widths: [Int], upTo count: Int) -> String {
        row.prefix(count).enumerated().map { index, cell in
            index == count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }

    /// The machine-readable form: `{"hosts": [...], "summary": {...}}`.
    public func json() throws -> String {
        struct HostJSON: Encodable {
            var name: String
            var address: String
            var ok: Bool
            var seconds: Double
            var facts: FactsJSON?
            var error: HostFailure?
        }
        struct FactsJSON: Encodable {
            var release: DebianRelease
            var kernel: Kernel
            var architecture: Architecture
            var initSystem: InitSystem
            var installedPackages: Int
            /// What the host's roles see: memory, CPUs, virtualization, interfaces, mounts.
            var roles: RoleFacts
        }
        struct Summary: Encodable { var hosts: Int; var answered: Int; var failed: Int; var seconds: Double }
        struct Document: Encodable { var hosts: [HostJSON]; var summary: Summary }

        let hosts = entries.map { entry in
            var json = HostJSON(name: entry.host.name, address: entry.host.address, ok: true,
                                seconds: entry.duration.secondsValue)
            switch entry.result {
            case .success(let gathered):
                let facts = gathered.host
                json.facts = FactsJSON(release: facts.release, kernel: facts.kernel, architecture: facts.architecture,
                                       initSystem: facts.initSystem, installedPackages: facts.installedPackages.count,
                                       roles: gathered.roles)
            case .failure(let failure):
                json.ok = false
                json.error = failure
            }
            return json
        }
        let document = Document(hosts: hosts, summary: Summary(hosts: entries.count, answered: entries.count - failedCount,
                                                               failed: failedCount, seconds: duration.secondsValue))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}

extension DebianRelease {
    /// "Debian 12.7 (bookworm)", or what is known of it.
    var summary: String {
        let name = id.map { $0 == "debian" ? "Debian" : $0 } ?? "unknown"
        let version = pointRelease ?? versionID ?? debianVersion ?? "?"
        return codename.map { "\(name) \(version) (\($0))" } ?? "\(name) \(version)"
    }
}

extension InitSystem {
    var summary: String {
        if let version = systemdVersion { return "\(kind.rawValue) \(version)" }
        return kind.rawValue
    }
}

