/// How a host stands with its own package management, for drift reports: what apt would
/// upgrade (and from where), how old its lists are, whether it waits for a reboot, and which
/// conffiles were modified. Gathered read-only, alongside ``HostFacts``, by a drift sweep.
///
/// Each part is nil when its fact failed, and ``errors`` says why: a host whose apt is
/// broken still gets the rest of its report.
///
/// ```swift
/// var probe = FactProbe()
/// let hostKeys = HostFacts.add(to: &probe)
/// let maintenanceKeys = MaintenanceFacts.add(to: &probe)
/// let results = probe.results(from: output)
/// let maintenance = maintenanceKeys.facts(from: results)   // never throws
/// ```
public struct MaintenanceFacts: Codable, Equatable, Sendable {
    /// What apt makes of the installed packages.
    public var aptPolicy: AptPolicy?
    /// How fresh apt's lists are.
    public var aptLists: AptLists?
    public var reboot: RebootSignals?
    /// Every package's modified conffiles.
    public var modifiedConffiles: [ModifiedConffile]?
    /// Why parts are missing: each failed fact's error, e.g. `AptPolicyFact: command failed …`.
    public var errors: [String]

    public init(
        aptPolicy: AptPolicy?, aptLists: AptLists?, reboot: RebootSignals?, modifiedConffiles: [ModifiedConffile]?,
        errors: [String] = []
    ) {
        self.aptPolicy = aptPolicy
        self.aptLists = aptLists
        self.reboot = reboot
        self.modifiedConffiles = modifiedConffiles
        self.errors = errors
    }

    /// Adds the facts that make up ``MaintenanceFacts`` to `probe`, which may hold other facts too.
    public static func add(to probe: inout FactProbe) -> Keys {
        Keys(
            aptPolicy: probe.add(AptPolicyFact()),
            aptLists: probe.add(AptListsFact()),
            reboot: probe.add(RebootSignalsFact()),
            modifiedConffiles: probe.add(ModifiedConffilesFact()))
    }

    /// Where the parts of ``MaintenanceFacts`` are in a probe's results.
    public struct Keys: Sendable {
        public let aptPolicy: FactKey<AptPolicy>
        public let aptLists: FactKey<AptLists>
        public let reboot: FactKey<RebootSignals>
        public let modifiedConffiles: FactKey<[ModifiedConffile]>

        /// The maintenance facts from `results`: every part that could be read, the errors of the others.
        public func facts(from results: FactResults) -> MaintenanceFacts {
            var errors: [String] = []
            func value<Value>(_ key: FactKey<Value>) -> Value? {
                switch results.result(for: key) {
                case .success(let value): return value
                case .failure(let error):
                    errors.append(error.description)
                    return nil
                }
            }
            return MaintenanceFacts(
                aptPolicy: value(aptPolicy), aptLists: value(aptLists), reboot: value(reboot),
                modifiedConffiles: value(modifiedConffiles), errors: errors)
        }
    }
}
