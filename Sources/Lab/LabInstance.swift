import Foundation

/// One lab on this machine: a name the team uses (`--name alice`) and the instance of
/// `scripts/lab` behind it, with its own state directory, bridge and /16 network, so that
/// labs side by side never touch each other.
public struct LabInstance: Sendable, Equatable {
    /// The name of the lab everyone gets without `--name`.
    public static let defaultName = "default"
    /// Instances 1 to 9 serve named labs; 0 is the default lab.
    public static let namedInstances = 1...9

    public let name: String
    /// `LAB_INSTANCE` for the script: 0 to 9.
    public let number: Int

    public init(name: String, number: Int) {
        self.name = name
        self.number = number
    }

    /// Where the script keeps the lab's hosts, key, known hosts and secret store.
    public var stateDirectory: String { number == 0 ? "/var/lib/converge-lab" : "/var/lib/converge-lab-\(number)" }
    /// The first two octets of the lab's network, `10.231` for the default lab: its
    /// hosts are on `NETWORK.0.0/16` and this machine is `NETWORK.0.1`.
    public var network: String { "10.\(231 + number)" }
    public var gateway: String { network + ".0.1" }
    /// The key the lab's hosts accept for root, and the lab's secret store's recipient.
    public var privateKey: String { stateDirectory + "/id_ed25519" }
    public var knownHosts: String { stateDirectory + "/known_hosts" }
    /// The lab's own secret store: secrets generated for the lab, encrypted to its key.
    public var secretStore: String { stateDirectory + "/store" }
    /// The hosts the lab runs (name, address, release, kind), while it is up.
    var hostTable: String { stateDirectory + "/hosts.tsv" }

    /// Whether the lab has hosts (up, or some stopped).
    public var isUp: Bool { !hosts.isEmpty }

    /// The hosts the lab runs: name, lab address and release.
    public var hosts: [(name: String, address: String, release: String)] {
        let table = (try? String(contentsOfFile: hostTable, encoding: .utf8)) ?? ""
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return fields.count >= 3 ? (fields[0], fields[1], fields[2]) : nil
        }
    }

    /// Whether `name` can name a lab: a letter, then up to 31 of a-z 0-9 -.
    public static func isValid(name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter, first.isLowercase, name.count <= 32 else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}
