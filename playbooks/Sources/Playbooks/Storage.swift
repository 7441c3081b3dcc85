import Converge

/// GlusterFS servers: glusterd on every `storage` host, the hosts joined in one trusted
/// pool, and a volume replicated over all of them (one brick each). The first storage host
/// forms the pool and creates the volume, waiting for the others' glusterd as they come up
/// in the same converge.
///
/// Vars: `volume` (the volume's name, default `media`), `gluster_volume` (`false` to run
/// the servers without a volume, where bricks cannot be made: see the README).
public let storage = Role("storage") { host in
    let stack = Stack(host)
    let peers = stack.members(of: .storage)
    let brick = "/srv/gluster/bricks/\(stack.volume)"

    Package("glusterfs-server")
    Service("glusterd", running: true, enabled: true, package: "glusterfs-server")
    Directory("/srv/gluster", mode: 0o755)
    Directory("/srv/gluster/bricks", mode: 0o755)
    Directory(brick, mode: 0o755)

    if peers.first?.name == host.name, peers.count > 1 {
        let others = peers.dropFirst().map(\.address)
        // `peer probe` succeeds at once for a peer already in the pool.
        Command(
            "gluster pool", others.map { "gluster peer probe \($0)" }.joined(separator: " && "),
            unless: "[ \"$(gluster pool list | grep -c -w Connected)\" -ge \(peers.count) ]",
            // The other storage hosts' glusterd may start minutes after this one's.
            retries: 90, delay: 2,
            requires: [.service("glusterd")])
        if host.vars["gluster_volume"].boolValue != false {
            let bricks = peers.map { "\($0.address):\(brick)" }.joined(separator: " ")
            Command(
                "gluster volume \(stack.volume)",
                "gluster volume create \(stack.volume) replica \(peers.count) \(bricks) force && gluster volume start \(stack.volume)",
                unless: "gluster volume info \(stack.volume) >/dev/null 2>&1",
                retries: 10, delay: 3,
                requires: [.command("gluster pool"), .directory(brick)])
            Command(
                "start gluster volume \(stack.volume)", "gluster volume start \(stack.volume)",
                unless: "gluster volume info \(stack.volume) | grep -qx 'Status: Started'",
                requires: [.command("gluster volume \(stack.volume)")])
        }
    }
}
