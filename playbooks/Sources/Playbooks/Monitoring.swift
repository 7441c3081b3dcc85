import Converge

/// The fleet's metrics: a Prometheus server scraping the node exporter every host runs
/// (the base role's), graphed in its web UI and queried through its HTTP API, on the
/// host's private address. Assigned to one host through a `monitoring` group.
///
/// Prometheus rather than Munin, which the fleet ran before: munin-node forks a Perl
/// plugin per metric on every poll, and the Munin master redraws every graph from cron
/// every five minutes, work that grows with the fleet; the node exporter is one process
/// answering one HTTP request, and the server keeps fifteen-second samples that alerts
/// and scripts can query. Both are Debian packages from stretch on; jessie hosts have no
/// node exporter (its archive has none), and show as down until upgraded.
///
/// Vars: `prometheus_retention_days` (how long samples are kept, 30 unless told).
public let monitoring = Role("monitoring") { host in
    let server = try Monitoring.Server(host)

    Package("prometheus")
    File("/etc/prometheus/prometheus.yml", content: .text(Monitoring.configuration(scraping: host.inventoryHosts)),
         requires: [.package("prometheus")], notifies: [.service("prometheus")])
    File("/etc/default/prometheus", content: """
        # Managed by converge.
        ARGS="\(server.arguments)"

        """, requires: [.package("prometheus")], notifies: [.service("prometheus")])
    Service("prometheus", running: true, enabled: true)
}

/// The monitoring role's Prometheus configuration.
enum Monitoring {
    /// The server's command line: where it listens and how long it keeps samples.
    struct Server {
        var arguments: String

        /// - Throws: ``StackError`` on jessie, whose archive has no Prometheus.
        init(_ host: HostContext) throws {
            let release = Release(host)
            let address = "\(try Stack(host).privateAddress()):\(Stack.Port.prometheus)"
            let days = host.vars["prometheus_retention_days"].intValue ?? 30
            // Stretch's Prometheus 1.5 reads the same configuration file, but takes
            // single-dash flags and a retention in hours.
            switch release.codename {
            case "jessie":
                throw StackError("the monitoring role needs Debian 9 (stretch) or later: jessie's archive has no Prometheus")
            case "stretch":
                arguments = "-web.listen-address=\(address) -storage.local.retention=\(days * 24)h"
            default:
                arguments = "--web.listen-address=\(address) --storage.tsdb.retention.time=\(days)d"
            }
        }
    }

    /// Every host's node exporter, each labelled with its inventory name and groups.
    static func configuration(scraping hosts: [InventoryHost]) -> String {
        var text = """
            # Managed by converge: every host of the inventory.
            global:
              scrape_interval: 15s
              evaluation_interval: 15s

            scrape_configs:
              - job_name: node
                static_configs:

            """
        for host in hosts {
            text += """
                      - targets: ['\(host.address):\(Stack.Port.nodeExporter)']
                        labels:
                          host: '\(host.name)'
                          groups: '\(host.groups.joined(separator: ","))'

                """
        }
        return text
    }
}
