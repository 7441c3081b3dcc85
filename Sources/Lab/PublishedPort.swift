/// A port of this machine forwarded to a lab host (`--publish 8443:lb:443`), as
/// `docker run -p` publishes a container's: `[IP:]PORT:TARGET:PORT`, where TARGET is a
/// host's name, a group's (its first host), or an address (a production one is mapped).
/// It listens on 127.0.0.1 unless IP says otherwise.
public struct PublishedPort: Sendable, Equatable, CustomStringConvertible {
    public var bindAddress: String?
    public var port: Int
    public var target: String
    public var targetPort: Int

    public init(bindAddress: String?, port: Int, target: String, targetPort: Int) {
        self.bindAddress = bindAddress
        self.port = port
        self.target = target
        self.targetPort = targetPort
    }

    public init(_ spec: String) throws(LabError) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 || parts.count == 4, !parts.contains(where: \.isEmpty) else {
            throw LabError("--publish \(spec): expected [IP:]PORT:TARGET:PORT, e.g. 8443:lb:443")
        }
        let rest = parts.suffix(3).map { $0 }
        guard let port = Int(rest[0]), (1...65535).contains(port), let targetPort = Int(rest[2]), (1...65535).contains(targetPort) else {
            throw LabError("--publish \(spec): \(rest[0]) and \(rest[2]) must be TCP ports (1 to 65535)")
        }
        bindAddress = parts.count == 4 ? parts[0] : nil
        self.port = port
        target = rest[1]
        self.targetPort = targetPort
    }

    public var description: String { (bindAddress.map { $0 + ":" } ?? "") + "\(port):\(target):\(targetPort)" }

    /// The script's `--publish` argument, with the target resolved in `replica`.
    func scriptArgument(in replica: LabReplica) throws(LabError) -> String {
        guard let address = replica.address(of: target) else {
            let names = replica.hosts.map(\.name).prefix(8).joined(separator: ", ")
            throw LabError("--publish \(self): '\(target)' is no host, group or address of the inventory (hosts: \(names)...)")
        }
        return (bindAddress.map { $0 + ":" } ?? "") + "\(port):\(address):\(targetPort)"
    }
}
