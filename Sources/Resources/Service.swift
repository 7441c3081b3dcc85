/// A systemd service: whether it runs, whether it starts at boot, and how it takes a
/// change of the resources that notify it.
///
/// ```swift
/// Service("nginx", running: true, enabled: true, reload: true)
/// File("/etc/nginx/nginx.conf", content: config, notifies: [.service("nginx")])
/// ```
///
/// A notified service is restarted (reloaded when ``reloads``) once, after all the resources
/// notifying it, and only when one of them changed; not when this run starts it anyway.
/// A service is converged after its package: the ``Package`` named like it, or ``package``.
public struct Service: Resource, Hashable {
    /// The unit's name without the `.service` suffix, e.g. `nginx`.
    public var name: String
    /// Whether it must be active (`true`), inactive (`false`), or either (`nil`).
    public var running: Bool?
    /// Whether it must be enabled at boot (`true`), disabled (`false`), or either (`nil`).
    public var enabled: Bool?
    /// Whether a notification reloads (`systemctl reload`) rather than restarts it.
    public var reloads: Bool
    /// The package providing the unit, when it is not named like the service.
    public var package: String?
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, running: Bool? = true, enabled: Bool? = true, reload: Bool = false,
        package: String? = nil, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = Service.shortName(name)
        self.running = running
        self.enabled = enabled
        self.reloads = reload
        self.package = package
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { .service(name) }

    /// The systemd unit, e.g. `nginx.service`.
    public var unit: String { name + ".service" }

    /// `nginx` for `nginx` and `nginx.service`.
    static func shortName(_ name: String) -> String {
        name.hasSuffix(".service") ? String(name.dropLast(".service".count)) : name
    }
}

/// A shell command: the escape hatch for what no resource type covers.
///
/// ```swift
/// Command("initdb", "su postgres -c '/usr/lib/postgresql/15/bin/initdb -D /srv/pg'",
///         creates: "/srv/pg/PG_VERSION")
/// Command("reload-sysctl", "sysctl --system", unless: "sysctl -n vm.swappiness | grep -qx 10")
/// ```
///
/// It runs with `sh -c` as root, unless a guard holds: ``creates`` exists, or ``unless``
/// exits 0. Guards are checked when planning and again just before running. Without a
/// guard the command runs on every converge.
public struct Command: Resource, Hashable {
    /// A name unique among the host's commands, used in its ID and in output.
    public var name: String
    /// The POSIX sh command line.
    public var command: String
    /// A path whose existence means the command has done its work.
    public var creates: String?
    /// A sh command whose exit status 0 means the command need not run.
    public var unless: String?
    /// How many more times to run the command while it fails: for what waits on another
    /// host of the same converge (a peer's daemon still starting), as Ansible's `retries`.
    public var retries: Int
    /// Seconds between tries.
    public var delay: Int
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, _ command: String, creates: String? = nil, unless: String? = nil,
        retries: Int = 0, delay: Int = 5, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = name
        self.command = command
        self.creates = creates
        self.unless = unless
        self.retries = retries
        self.delay = delay
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { .command(name) }
}
