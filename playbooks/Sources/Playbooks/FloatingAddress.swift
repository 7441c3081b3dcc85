import Converge

/// An address that moves between the hosts of a pair (or more): keepalived (VRRP, by
/// unicast between them) keeps it on the host with the highest priority whose service
/// runs, and moves it within about three seconds of that host's loss. The load balancers'
/// site address and the database writer's address are ones.
struct FloatingAddress {
    /// The VRRP instance's name, in keepalived's logs: `site`, `writer`.
    var instance: String
    /// The address, as the inventory gives it (`10.231.1.10`).
    var address: String
    /// The unit whose state decides whether this host may hold it: `haproxy`, `mariadb`.
    var service: String
    /// Unique among the VRRP instances on the network segment.
    var routerID: Int
    /// Run as `SCRIPT master` when this host takes the address, `SCRIPT backup` when it
    /// gives it up or is not to hold it.
    var notify: String?

    /// keepalived's configuration on `host`, one of `holders` (in the order of their
    /// priority: the first holds the address while it can), talking to the others from
    /// its own `ownAddress` on the interface that carries it. The host's priority rises
    /// above the others' while `takeoverFile` exists, when given: a drain of the holder
    /// then moves the address to it.
    func keepalivedConfig(on host: HostContext, ownAddress: String, holders: [InventoryHost], takeoverFile: String? = nil) throws -> String {
        let (interface, carried) = try host.interface(carrying: ownAddress)
        let rank = holders.firstIndex { $0.name == host.name } ?? holders.count
        let peers = holders.filter { $0.name != host.name }.map(\.address)
        let takeover = takeoverFile.map { file in
            """

            vrrp_script takeover {
                script "/usr/bin/test -e \(file)"
                interval 1
                weight 100
            }

            """
        } ?? ""
        let notifyLines = notify.map { script in
            """
                notify_master "\(script) master"
                notify_backup "\(script) backup"
                notify_fault "\(script) backup"

            """
        } ?? ""
        return """
            # Managed by converge: the floating address \(address), held by one host at a time.
            global_defs {
                enable_script_security
                script_user root
            }

            vrrp_script \(service) {
                script "/bin/systemctl is-active --quiet \(service)"
                interval 1
                fall 2
                rise 2
            }
            \(takeover)
            vrrp_instance \(instance) {
                state BACKUP
                interface \(interface.name)
                virtual_router_id \(routerID)
                priority \(150 - 10 * rank)
                advert_int 1
                unicast_src_ip \(ownAddress)
                unicast_peer {
            \(peers.map { "        \($0)\n" }.joined())    }
                virtual_ipaddress {
                    \(address)/\(carried.prefixLength) dev \(interface.name)
                }
                track_script {
                    \(service)
            \(takeoverFile == nil ? "" : "        takeover\n")    }
            \(notifyLines)}

            """
    }
}
