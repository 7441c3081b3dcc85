import Facts

/// A cron job, in a file of its own in /etc/cron.d.
///
/// ```swift
/// CronJob("backup-manager", schedule: "30 2 * * *", command: "/usr/sbin/backup-manager")
/// CronJob("drift-report", schedule: "@daily", user: "converge", command: "converge drift inventory/*.json",
///         environment: ["MAILTO": "ops@example.net"])
/// ```
///
/// cron reads the files of /etc/cron.d whose names are only letters, digits, `_` and `-`
/// (run-parts' rule: a name with a dot is skipped), owned by root and not writable by others:
/// the name is checked and the file written so. A `%` in the command, which cron would
/// turn into a newline, is escaped. cron itself is installed with the first job, unless
/// the host declares its ``Package`` (trixie's minimal systems lack it).
public struct CronJob: Resource, Hashable {
    public var name: String
    /// Five fields (`30 2 * * 1-5`) or a nickname (`@daily`, `@reboot`, …).
    public var schedule: String
    /// The user the command runs as.
    public var user: String
    public var command: String
    /// Variables set for the job (`MAILTO`, `PATH`, …).
    public var environment: [String: String]
    public var presence: Presence
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, schedule: String, user: String = "root", command: String, environment: [String: String] = [:],
        presence: Presence = .present, requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = name
        self.schedule = schedule
        self.user = user
        self.command = command
        self.environment = environment
        self.presence = presence
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { ResourceID(kind: "cron", name: name) }

    /// `/etc/cron.d/<name>`.
    public var path: String { "/etc/cron.d/\(name)" }

    static let nicknames: Set<String> = ["@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]

    var text: String {
        var lines = ["# Managed by converge."]
        for key in environment.keys.sorted() { lines.append("\(key)=\(environment[key]!)") }
        lines.append("\(schedule) \(user) \(command.replacingOccurrences(of: "%", with: "\\%"))")
        return lines.joined(separator: "\n") + "\n"
    }
}

// MARK: Planning

extension CronJob {
    public static var stage: ConvergenceStage { .files }
    public var managedPath: String? { path }
    public var implicitRequirements: [ResourceID] { [.user(user), .package("cron")] }

    /// The daemon that reads the file.
    static let daemon = Package("cron")

    var file: File { presence == .present ? File(path, content: .text(text), owner: "root", group: "root", mode: 0o644) : File(path, .absent) }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw .invalid(id, "cron reads only files named with letters, digits, `_` and `-`: \(name)")
        }
        if presence == .present {
            let fields = schedule.split(separator: " ", omittingEmptySubsequences: true)
            let valid = fields.count == 1 ? Self.nicknames.contains(String(fields[0]))
                : fields.count == 5 && fields.allSatisfy { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "*,/-".contains($0)) } }
            guard valid else { throw .invalid(id, "not a cron schedule (five fields or @daily, @reboot, …): \(schedule)") }
            guard isValidAccountName(user) else { throw .invalid(id, "not a user name: \(user)") }
            guard !command.isEmpty, !command.contains(where: \.isNewline) else { throw .invalid(id, "needs a command on one line") }
            for (key, value) in environment {
                guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
                    !value.contains(where: \.isNewline)
                else { throw .invalid(id, "not a variable of a cron file: \(key)") }
            }
        }
        if presence == .present { try Self.daemon.addFacts(to: &query) }
        try file.addFacts(to: &query)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        if presence == .present, !context.declares(Self.daemon.id), !context.hasChanged(Self.daemon.id) {
            try context.plan(Self.daemon, as: id)
        }
        try context.plan(file, as: id)
    }
}
