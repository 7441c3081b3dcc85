import Facts
import Foundation

/// Something a host should have: a package, a file, a running service, ….
///
/// A resource type is one self-contained unit: the value says what the host should have,
/// ``addFacts(to:)`` names what must be learned of the host to plan it, and
/// ``plan(in:)`` turns those facts into ``Change``s, each with the ``HostOperation`` the
/// apply script runs. The planner only orders resources (``requires``, ``notifies``,
/// ``implicitRequirements``, ``managedPath``, ``stage``); it knows no type by name, so a
/// playbooks package can define types of its own:
///
/// ```swift
/// struct Hostname: Resource {
///     var name: String
///     var id: ResourceID { ResourceID(kind: "hostname", name: "hostname") }
///
///     func addFacts(to query: inout HostStateQuery) throws(PlanError) {
///         try query.add(ShellFact(name: "hostname", command: "cat /etc/hostname"), for: id)
///     }
///
///     func plan(in context: inout PlanContext) throws(PlanError) {
///         let current = try context.value(of: ShellFact(name: "hostname", command: "cat /etc/hostname"), for: id)
///         guard current.trimmingCharacters(in: .whitespacesAndNewlines) != name else { return }
///         context.append(Change(
///             resource: id, action: .update, reason: "hostname \(current), want \(name)",
///             operation: .shell("hostnamectl set-hostname \(shellQuote(name))")))
///     }
/// }
/// ```
///
/// Resources are values built by roles (``Role``) on the controller; nothing in them runs
/// by itself.
public protocol Resource: Sendable {
    /// The resource's ID, unique within a host.
    var id: ResourceID { get }
    /// Resources that must be converged before this one, besides ``implicitRequirements``
    /// and the implicit ones the planner adds (a path after the ``Directory`` declared
    /// above it, a notified service after the resources notifying it). None by default.
    var requires: [ResourceID] { get }
    /// Services restarted (or reloaded) once, after this resource, when this resource
    /// changes. None by default.
    var notifies: [ResourceID] { get }
    /// Resources this one comes after when the host declares them (a file after its owner's
    /// ``User``, a service after its ``Package``); unlike ``requires``, one the host does
    /// not declare is no error. None by default.
    var implicitRequirements: [ResourceID] { get }
    /// The path this resource manages whole, if any: no two resources of a host may manage
    /// one, and it converges after the ``Directory`` declared nearest above it. None by default.
    var managedPath: String? { get }
    /// Files it edits without managing them whole (some of their lines): a package's
    /// configuration file so edited is the playbooks' doing, which drift does not report as
    /// modified. None by default.
    var editedPaths: [String] { get }
    /// Its place among resources that do not depend on each other.
    static var stage: ConvergenceStage { get }
    /// The secrets its content is made of: read on the controller before planning.
    /// None by default.
    var secretTexts: [SecretText] { get }

    /// Adds to `query` the facts ``plan(in:)`` reads, after checking the resource's own
    /// values (a path, a name).
    ///
    /// - Throws: ``PlanError/invalid(_:_:)`` for a value the facts cannot ask about.
    func addFacts(to query: inout HostStateQuery) throws(PlanError)

    /// Appends to `context` the changes that bring the host from `context.state` to what
    /// this resource says; nothing when it already is.
    ///
    /// - Throws: ``PlanError``: a wrong value, something in the way on the host, facts missing.
    func plan(in context: inout PlanContext) throws(PlanError)
}

extension Resource {
    public var requires: [ResourceID] { [] }
    public var notifies: [ResourceID] { [] }
    public var implicitRequirements: [ResourceID] { [] }
    public var managedPath: String? { nil }
    public var editedPaths: [String] { [] }
    public static var stage: ConvergenceStage { .commands }
    public var secretTexts: [SecretText] { [] }
}

/// A resource with content in files on the controller (`File`'s `.controllerFile`, a key
/// file of an ``AptSource``), read there before planning: the planner is a pure function of
/// resources and facts.
public protocol ControllerFileReading: Resource {
    /// The controller paths the resource reads, relative to the current directory or absolute.
    var controllerFiles: [String] { get }
    /// The resource with each of ``controllerFiles`` replaced by its bytes.
    func reading(_ contents: [String: Data]) -> Self
}

/// A resource that can be notified (``Resource/notifies``): it acts once, after all the
/// resources notifying it, when one of them changed. A ``Service`` restarts (or reloads), a
/// ``Reboot`` reboots the host.
public protocol NotifiableResource: Resource {
    /// The name its notification is marked pending under on the host (a file in
    /// `ServiceState.pendingDirectory`) from the change that notifies it until it acts, so
    /// that a run cut off in between leaves the next run something to finish: the unit for
    /// a service, e.g. `nginx.service`; no two notifiable resources of a host share one.
    var pendingName: String { get }
}

/// Where a resource goes in the convergence order among resources that do not depend on
/// each other: accounts before the packages and paths that use them, configuration before
/// the commands and services that read it.
public enum ConvergenceStage: Int, Comparable, Sendable, CaseIterable {
    /// What apt and dpkg read before a package installs (sources, pins, debconf answers)
    /// comes after the accounts and before the packages.
    case groups, users, packageSetup, packages, directories, files, links, settings, commands, services
    /// A reboot comes after everything that does not require it to come first.
    case reboots

    public static func < (lhs: ConvergenceStage, rhs: ConvergenceStage) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Whether a resource should exist at all.
public enum Presence: String, Sendable, Hashable, Codable {
    /// The resource exists, with the attributes given.
    case present
    /// The resource does not exist; other attributes are ignored.
    case absent
}
