import Foundation
import Inventory

/// An Ansible inventory as its sources declare it, the way Ansible's `InventoryData` holds
/// it: groups with their children, hosts with the groups that list them, and the vars each
/// got from the inventory files; `group_vars/` and `host_vars/` are added separately.
///
/// Groups and hosts keep the order they were first mentioned in, which is the order the
/// converge inventory lists them in.
struct InventoryModel {
    struct Group {
        var name: String
        /// Where the group was first mentioned.
        var declaration: SourceLine
        /// Child groups, in the order added, each once.
        var children: [String] = []
        /// Vars set in the inventory files (`[group:vars]`, YAML `vars:`).
        var inventoryVars = VarTable()
        /// Vars from `group_vars/NAME...`, merged in file order.
        var fileVars = VarTable()
        /// `ansible_group_priority` from an inventory file (default 1), and where.
        var priority = 1
        var priorityDeclaration: SourceLine?
    }

    struct Host {
        var name: String
        var declaration: SourceLine
        /// Groups that list the host directly, in the order they did (`all` included if one did).
        var groups: [String] = []
        var inventoryVars = VarTable()
        var fileVars = VarTable()
    }

    private(set) var groups: [String: Group] = [:]
    private(set) var groupOrder: [String] = []
    private(set) var hosts: [String: Host] = [:]
    private(set) var hostOrder: [String] = []

    static let all = "all"
    static let ungrouped = "ungrouped"

    init(root: SourceLine) {
        for name in [Self.all, Self.ungrouped] {
            groups[name] = Group(name: name, declaration: root)
            groupOrder.append(name)
        }
    }

    func hasGroup(_ name: String) -> Bool { groups[name] != nil }

    mutating func addGroup(_ name: String, at location: SourceLine) {
        guard groups[name] == nil else { return }
        groups[name] = Group(name: name, declaration: location)
        groupOrder.append(name)
    }

    /// Adds `host` (if new) as a member of `group`, which must exist.
    mutating func addHost(_ name: String, to group: String, at location: SourceLine) {
        if hosts[name] == nil {
            hosts[name] = Host(name: name, declaration: location)
            hostOrder.append(name)
        }
        if !hosts[name]!.groups.contains(group) { hosts[name]!.groups.append(group) }
    }

    /// Makes `child` a child of `parent` (both must exist), refusing loops as Ansible does.
    mutating func addChild(_ child: String, to parent: String, at location: SourceLine) throws(AnsibleImportError) {
        if child == Self.all {
            throw AnsibleImportError(location: location, message: "group \"all\" cannot be the child of another group")
        }
        if child == parent {
            throw AnsibleImportError(location: location, message: "group \(quoted(parent)) cannot be a child of itself")
        }
        if ancestors(of: parent).contains(child) {
            throw AnsibleImportError(
                location: location,
                message: "adding group \(quoted(child)) as a child of \(quoted(parent)) creates a loop (\(quoted(parent)) is already a descendant of \(quoted(child)))")
        }
        if !groups[parent]!.children.contains(child) { groups[parent]!.children.append(child) }
    }

    /// Sets an inventory-file var of a group. `ansible_group_priority` sets the group's
    /// priority instead of becoming a var, as in Ansible.
    mutating func setGroupVar(_ name: String, _ definition: DefinedVar, of group: String) throws(AnsibleImportError) {
        if name == "ansible_group_priority" {
            guard let priority = pythonInt(definition.value) else {
                throw AnsibleImportError(
                    location: definition.origin,
                    message: "ansible_group_priority of group \(quoted(group)) must be an integer, found \(definition.value.jsonText())")
            }
            groups[group]!.priority = priority
            groups[group]!.priorityDeclaration = definition.origin
            return
        }
        groups[group]!.inventoryVars[name] = definition
    }

    mutating func setHostVar(_ name: String, _ definition: DefinedVar, of host: String) {
        hosts[host]!.inventoryVars[name] = definition
    }

    mutating func setGroupFileVars(_ vars: VarTable, of group: String) {
        groups[group]!.fileVars = vars
    }

    mutating func setHostFileVars(_ vars: VarTable, of host: String) {
        hosts[host]!.fileVars = vars
    }

    // MARK: Structure

    /// Every group that has `group` as a descendant (not `group` itself).
    func ancestors(of group: String) -> Set<String> {
        var parents: [String: [String]] = [:]
        for (name, candidate) in groups {
            for child in candidate.children { parents[child, default: []].append(name) }
        }
        var found: Set<String> = []
        var pending = parents[group] ?? []
        while let next = pending.popLast() {
            if found.insert(next).inserted { pending += parents[next] ?? [] }
        }
        return found
    }

    /// Each group's depth as Ansible computes it: `all` is 0, and a group is one deeper
    /// than its deepest parent; a group without a parent is a child of `all`.
    func depths() -> [String: Int] {
        var parents: [String: [String]] = [:]
        for (name, group) in groups {
            for child in group.children { parents[child, default: []].append(name) }
        }
        var depths: [String: Int] = [Self.all: 0]
        func depth(of name: String) -> Int {
            if let known = depths[name] { return known }
            let deepestParent = (parents[name] ?? [Self.all]).map(depth(of:)).max() ?? 0
            depths[name] = deepestParent + 1
            return deepestParent + 1
        }
        for name in groupOrder { _ = depth(of: name) }
        return depths
    }

    /// The groups a host belongs to, directly or through children, without `all`, in
    /// Ansible's precedence order (lowest first): by depth, then `ansible_group_priority`,
    /// then name. A host in no group is in `ungrouped`.
    func precedenceOrderedGroups(of host: String, depths: [String: Int]) -> [String] {
        var member: Set<String> = []
        for group in hosts[host]!.groups where group != Self.all {
            member.insert(group)
            member.formUnion(ancestors(of: group))
        }
        member.remove(Self.all)
        if member.subtracting([Self.ungrouped]).isEmpty {
            member = [Self.ungrouped]
        } else {
            member.remove(Self.ungrouped)
        }
        return member.sorted { lhs, rhs in
            let left = (depths[lhs] ?? 1, groups[lhs]!.priority)
            let right = (depths[rhs] ?? 1, groups[rhs]!.priority)
            if left != right { return left < right }
            return codePointOrder(lhs, rhs)
        }
    }
}

/// Python's `int(value)` for what an inventory can hold: integers, whole floats (truncated),
/// Booleans and strings of digits.
func pythonInt(_ value: JSONValue) -> Int? {
    switch value {
    case .integer(let number): return number
    case .double(let number) where number.isFinite && abs(number) < 9e18: return Int(number)
    case .bool(let flag): return flag ? 1 : 0
    case .string(let text):
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        return Int(trimmed)
    default: return nil
    }
}
