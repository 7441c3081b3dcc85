/// An apt pin: the priority apt gives the versions of some packages from some origin, in
/// a file of its own in /etc/apt/preferences.d.
///
/// ```swift
/// AptPreference("nodesource", packages: ["nodejs"], pin: "origin deb.nodesource.com", priority: 1001)
/// AptPreference("no-backports", packages: ["*"], pin: "release a=bookworm-backports", priority: -1)
/// ```
///
/// A priority above 1000 makes apt take the pinned version even as a downgrade; below 0
/// never installs it. The file is `/etc/apt/preferences.d/<name>.pref`.
public struct AptPreference: Resource, Hashable {
    /// Names the file: letters, digits, `.`, `_`, `-`.
    public var name: String
    /// Package names or patterns (`*`, `nginx*`, `/regex/`).
    public var packages: [String]
    /// What the pin matches: `origin host`, `release o=Debian,a=stable`, `version 1.2*`.
    public var pin: String
    public var priority: Int
    public var presence: Presence
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, packages: [String], pin: String, priority: Int, presence: Presence = .present,
        requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.name = name
        self.packages = packages
        self.pin = pin
        self.priority = priority
        self.presence = presence
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { ResourceID(kind: "apt-preference", name: name) }

    /// `/etc/apt/preferences.d/<name>.pref`.
    public var path: String { "/etc/apt/preferences.d/\(name).pref" }

    var text: String {
        "# Managed by converge.\nPackage: \(packages.joined(separator: " "))\nPin: \(pin)\nPin-Priority: \(priority)\n"
    }
}

// MARK: Planning

extension AptPreference {
    public static var stage: ConvergenceStage { .packageSetup }
    public var managedPath: String? { path }

    var file: File { presence == .present ? File(path, content: .text(text), mode: 0o644) : File(path, .absent) }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard isAptFileName(name) else { throw .invalid(id, "a preference's name is letters, digits, `.`, `_` and `-`") }
        if presence == .present {
            guard !packages.isEmpty, packages.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
                throw .invalid(id, "needs packages: names or patterns without spaces")
            }
            guard !pin.trimmingCharacters(in: .whitespaces).isEmpty, !pin.contains(where: \.isNewline) else {
                throw .invalid(id, "needs a pin on one line, e.g. `origin deb.example.net`")
            }
        }
        try file.addFacts(to: &query)
    }

    /// apt weighs pins when it installs, so the package changes after it (the stage says
    /// so) install what the new pin picks; no refresh of its lists is needed.
    public func plan(in context: inout PlanContext) throws(PlanError) {
        try context.plan(file, as: id)
    }
}
