/// Something a host should have: a package, a file, a running service, ….
///
/// The planner compares each resource with the host's facts and plans only what differs.
/// Resources are values built by roles (``Role``) on the controller; nothing in them runs
/// by itself.
public protocol Resource: Sendable {
    /// The resource's ID, unique within a host.
    var id: ResourceID { get }
    /// Resources that must be converged before this one, besides the implicit ones
    /// (a path after its declared parent ``Directory`` and its declared owner ``User`` and
    /// ``Group``, a ``Service`` after its ``Package`` and after the resources notifying it).
    var requires: [ResourceID] { get }
    /// Services restarted (or reloaded) once, after this resource, when this resource changes.
    var notifies: [ResourceID] { get }
}

/// Whether a resource should exist at all.
public enum Presence: String, Sendable, Hashable, Codable {
    /// The resource exists, with the attributes given.
    case present
    /// The resource does not exist; other attributes are ignored.
    case absent
}
