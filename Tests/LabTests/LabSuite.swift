import Testing

/// Every lab test, one at a time: some stop hosts, converge them or open many sessions
/// (sshd drops unauthenticated ones beyond MaxStartups), which would upset tests beside them.
@Suite("Lab hosts", .serialized, .enabled(if: Lab.isUp, "needs scripts/lab up"))
struct LabSuite {}
