import Fleet
import Foundation
import Inventory

/// `converge lab up`: a replica of an inventory's hosts booted as a lab, its inventory
/// written beside the team's, and the address mapping it printed.
public struct LabUp: Sendable {
    /// The team's inventory.
    public var inventory: String
    public var name: String
    public var releaseMap: [String: String] = [:]
    public var secretStore: String?
    public var overrides: String?
    public var publish: [PublishedPort] = []
    /// Where the lab inventory goes; nil for ``defaultLabInventory(for:name:)``.
    public var labInventory: String?

    public init(inventory: String, name: String = LabInstance.defaultName) {
        self.inventory = inventory
        self.name = name
    }

    /// `inventory/production.json` -> `inventory/production.lab.json`, or
    /// `inventory/production.lab-alice.json` for lab `alice`.
    public static func defaultLabInventory(for inventory: String, name: String) -> String {
        let url = URL(fileURLWithPath: inventory)
        let stem = url.deletingPathExtension().lastPathComponent
        let file = stem + (name == LabInstance.defaultName ? ".lab" : ".lab-\(name)") + ".json"
        let directory = (inventory as NSString).deletingLastPathComponent
        return directory.isEmpty ? file : directory + "/" + file
    }

    /// What `up` made: the replica and where its inventory is.
    public struct Result: Sendable {
        public var replica: LabReplica
        public var inventory: String
    }

    /// Boots the replica, replacing whatever lab of that name was up, and writes its
    /// inventory once every host answers. Prints the script's progress and the mapping.
    public func run(registry: LabRegistry = LabRegistry()) throws(LabError) -> Result {
        try LabScript.requireRoot()
        let lab = try registry.claim(name)
        var options = LabReplica.Options(lab: lab, releaseMap: releaseMap,
                                         secretStore: secretStore.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                                         recordedReleases: Self.recordedReleases(of: inventory))
        if let overrides {
            guard let data = FileManager.default.contents(atPath: overrides) else {
                throw LabError("cannot read the overrides file \(overrides)")
            }
            options.overrides = data
        }
        let replica: LabReplica
        do {
            replica = try LabReplica(of: inventory, options: options)
        } catch {
            throw LabError("\(inventory): \(error)")
        }
        var arguments = ["up", "--fleet"]
        // The script reads the hosts' names, addresses and releases from a table in the
        // state directory; the lab inventory goes beside the team's once the lab is up.
        let staged = lab.stateDirectory + "/replica-hosts.json"
        do {
            try FileManager.default.createDirectory(atPath: lab.stateDirectory, withIntermediateDirectories: true)
            try replica.bootTable.write(to: URL(fileURLWithPath: staged), options: .atomic)
        } catch {
            throw LabError("cannot write \(staged): \(error.localizedDescription)")
        }
        arguments.append(staged)
        for port in publish {
            arguments += ["--publish", try port.scriptArgument(in: replica)]
        }
        let status = try LabScript(lab: lab).run(arguments)
        guard status == 0 else {
            throw LabError("lab '\(name)' did not come up (scripts/lab exited \(status); its messages are above)")
        }
        let path = labInventory ?? Self.defaultLabInventory(for: inventory, name: name)
        do {
            try replica.document.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LabError("cannot write the lab inventory \(path): \(error.localizedDescription)")
        }
        return Result(replica: replica, inventory: path)
    }

    /// Each host's release at the last run of this controller, by host name.
    static func recordedReleases(of inventory: String) -> [String: String] {
        guard let hosts = try? Inventory.load(contentsOf: inventory).hosts else { return [:] }
        let cache = RoleFactsCache()
        var releases: [String: String] = [:]
        for host in hosts {
            if let release = cache.recordedRelease(of: RoleFactsCache.key(for: host)) { releases[host.name] = release }
        }
        return releases
    }

    /// What `up` prints once the lab is up: where the inventory is, the mapping, the ports.
    public func summary(of result: Result) -> String {
        let lab = result.replica.lab
        var text = "lab '\(lab.name)' is up: \(result.replica.hosts.count) host(s) on \(lab.network).0.0/16 "
            + "(this machine is \(lab.gateway)); inventory \(result.inventory)\n"
        text += result.replica.mappingTable
        for port in publish {
            let address = result.replica.address(of: port.target) ?? port.target
            text += "published \(port.bindAddress ?? "127.0.0.1"):\(port.port) -> \(port.target) (\(address)):\(port.targetPort)\n"
        }
        text += "converge it: converge \(result.inventory)\n"
        return text
    }
}
