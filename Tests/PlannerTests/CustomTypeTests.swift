import Facts
import Foundation
import Planner
import Resources
import Shell
import Testing

/// A resource type defined outside the library, as a playbooks package would: only the
/// public API (no `@testable`), its own fact, its own shell.
struct TimeZoneSetting: Resource {
    var zone: String
    var requires: [ResourceID] = []

    var id: ResourceID { ResourceID(kind: "timezone", name: "host") }
    static var stage: ConvergenceStage { .settings }

    static let link = ShellFact(name: "timezone", command: "readlink /etc/localtime || :")

    func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard !zone.isEmpty, !zone.contains(".."), !zone.hasPrefix("/") else { throw .invalid(id, "not a time zone: \(zone)") }
        try query.add(Self.link, for: id)
    }

    func plan(in context: inout PlanContext) throws(PlanError) {
        let current = try context.value(of: Self.link, for: id).trimmingCharacters(in: .newlines)
        let wanted = "/usr/share/zoneinfo/" + zone
        guard current != wanted else { return }
        context.append(Change(
            resource: id, action: .update, reason: current.isEmpty ? "not set" : "\(current), want \(wanted)",
            fields: [FieldChange("zone", old: current.isEmpty ? nil : current, new: zone)],
            operation: .shell("ln -sf \(shellQuote(wanted)) /etc/localtime")))
    }
}

@Suite struct CustomTypeTests {
    let resources: [any Resource] = [TimeZoneSetting(zone: "Europe/Paris", requires: [.package("tzdata")]), Package("tzdata")]

    func state(_ output: FactOutput?) -> HostState {
        HostState(packages: ["tzdata": installed("2024a-0+deb12u1")], aptLists: freshLists, factOutputs: output.map { ["timezone": $0] } ?? [:])
    }

    @Test func itsFactIsAskedForByName() throws {
        let query = try HostStateQuery(resources: resources)
        #expect(query.facts == ["timezone": "readlink /etc/localtime || :"])
        // A saved plan asks for it again at apply time.
        let decoded = try JSONDecoder().decode(HostStateQuery.self, from: JSONEncoder().encode(query))
        #expect(decoded == query)
    }

    @Test func itPlansFromItsFact() throws {
        let host = try plan(resources, state(FactOutput(stdout: "/usr/share/zoneinfo/Etc/UTC\n", stderr: "", exitStatus: 0)))
        #expect(host.changes == [Change(
            resource: ResourceID(kind: "timezone", name: "host"), action: .update,
            reason: "/usr/share/zoneinfo/Etc/UTC, want /usr/share/zoneinfo/Europe/Paris",
            fields: [FieldChange("zone", old: "/usr/share/zoneinfo/Etc/UTC", new: "Europe/Paris")],
            operation: .shell("ln -sf '/usr/share/zoneinfo/Europe/Paris' /etc/localtime"))])
        let same = try plan(resources, state(FactOutput(stdout: "/usr/share/zoneinfo/Europe/Paris\n", stderr: "", exitStatus: 0)))
        #expect(same.changes.isEmpty)
    }

    @Test func itsFactChangesTheFingerprint() {
        let utc = state(FactOutput(stdout: "/usr/share/zoneinfo/Etc/UTC\n", stderr: "", exitStatus: 0))
        let paris = state(FactOutput(stdout: "/usr/share/zoneinfo/Europe/Paris\n", stderr: "", exitStatus: 0))
        #expect(utc.fingerprint != paris.fingerprint)
        // A host without such facts keeps the fingerprint it had before they existed.
        #expect(!String(decoding: try! JSONEncoder().encode(state(nil)), as: UTF8.self).contains("factOutputs"))
    }

    @Test func aFailedFactIsNamedWithTheResource() {
        #expect(throws: PlanError.unreadableFacts(
            ResourceID(kind: "timezone", name: "host"),
            "timezone: command failed with exit status 2: readlink: missing operand")) {
            try plan(resources, state(FactOutput(stdout: "", stderr: "readlink: missing operand\n", exitStatus: 2)))
        }
        #expect(throws: PlanError.missingFacts(ResourceID(kind: "timezone", name: "host"))) {
            try plan(resources, state(nil))
        }
    }

    @Test func itsOwnValuesAreCheckedBeforeAnyFact() {
        #expect(throws: PlanError.invalid(ResourceID(kind: "timezone", name: "host"), "not a time zone: ../etc")) {
            try HostStateQuery(resources: [TimeZoneSetting(zone: "../etc")])
        }
    }

    @Test func twoResourcesCannotAskOneFactNameWithTwoCommands() {
        struct Other: Resource {
            var id: ResourceID { ResourceID(kind: "other", name: "x") }
            func addFacts(to query: inout HostStateQuery) throws(PlanError) {
                try query.add(ShellFact(name: "timezone", command: "cat /etc/timezone"), for: id)
            }
            func plan(in context: inout PlanContext) throws(PlanError) {}
        }
        #expect(throws: PlanError.self) { try HostStateQuery(resources: [TimeZoneSetting(zone: "UTC"), Other()]) }
    }

    @Test func itsShellRunsAsAStepOfTheApplyScript() throws {
        let host = try plan(resources, state(FactOutput(stdout: "", stderr: "", exitStatus: 0)))
        let script = try ApplyScript(plan: host).text
        #expect(script.contains("ln -sf '/usr/share/zoneinfo/Europe/Paris' /etc/localtime"))
        try host.validateOperations()
    }
}
