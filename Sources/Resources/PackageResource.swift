/// A Debian package, installed with apt.
///
/// ```swift
/// Package("nginx")
/// Package("redis-server", .version("5:7.0.15-1~deb12u1"))
/// Package("curl", .latest)
/// Package("telnet", .absent)
/// ```
///
/// All packages of a host that need a change are installed and removed in one
/// `apt-get install` transaction.
public struct Package: Resource, Hashable {
    /// What the host should have of the package.
    public enum State: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Installed, at any version.
        case present
        /// Not installed (removed, its configuration files kept).
        case absent
        /// Installed at apt's candidate version; apt's lists are refreshed when they are
        /// older than the planner allows (`PlanOptions.maximumListAge`) before the candidate is trusted.
        case latest
        /// Installed at exactly this version (`name=version`), downgrading if need be.
        case version(String)

        public var description: String {
            switch self {
            case .present: "present"
            case .absent: "absent"
            case .latest: "latest"
            case .version(let version): "version \(version)"
            }
        }
    }

    /// The package name, e.g. `nginx`; `name:arch` selects an architecture.
    public var name: String
    public var state: State
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, _ state: State = .present, requires: [ResourceID] = [],
        notifies: [ResourceID] = []
    ) {
        self.name = name
        self.state = state
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { .package(name) }
}
