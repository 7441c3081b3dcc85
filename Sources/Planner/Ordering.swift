import Resources

/// The order resources are converged in: every dependency first, then by stage
/// (``Resource/stage``: groups, users, package setup (sources, pins, debconf answers), packages, directories, files,
/// links, settings, commands, services), then as declared.
///
/// Dependencies are the explicit `requires`, plus implicit ones on resources the host
/// declares: ``Resource/implicitRequirements`` (a file after its owner's ``User``), a path
/// after the nearest ``Directory`` declared above it, and a notified resource after every
/// resource notifying it.
///
/// - Returns: Indices into `resources`.
/// - Throws: ``PlanError`` for duplicate IDs, unknown dependencies, a notification of a
///   non-service, or a cycle.
func convergenceOrder(of resources: [any Resource]) throws(PlanError) -> [Int] {
    var indexByID = [ResourceID: Int]()
    var indexByPath = [String: Int]()
    for (index, resource) in resources.enumerated() {
        if let other = indexByID[resource.id] {
            throw .duplicate(
                resource.id, first: describe(resources[other], other), second: describe(resource, index))
        }
        indexByID[resource.id] = index
        if let path = resource.managedPath {
            if let other = indexByPath[path] {
                throw .duplicate(
                    resource.id, first: describe(resources[other], other), second: describe(resource, index))
            }
            indexByPath[path] = index
        }
    }

    // requirements[i]: the resources i must come after.
    var requirements = [[Int]](repeating: [], count: resources.count)
    func require(_ index: Int, _ id: ResourceID, explicit: Bool) throws(PlanError) {
        guard let other = indexByID[id] else {
            if explicit { throw .unknownDependency(resources[index].id, id) }
            return
        }
        if other != index, !requirements[index].contains(other) { requirements[index].append(other) }
    }

    for (index, resource) in resources.enumerated() {
        for id in resource.requires { try require(index, id, explicit: true) }
        for id in resource.notifies {
            guard let service = indexByID[id] else { throw .unknownDependency(resource.id, id) }
            guard resources[service] is any NotifiableResource else { throw .notifiesNonService(resource.id, id) }
            try require(service, resource.id, explicit: false)
        }
        if let path = resource.managedPath {
            var parent = path
            while let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
                parent = String(parent[..<slash])
                if indexByID[.directory(parent)] != nil {
                    try require(index, .directory(parent), explicit: false)
                    break
                }
            }
        }
        for id in resource.implicitRequirements { try require(index, id, explicit: false) }
    }

    // Kahn's algorithm, always taking the best-ranked resource that is ready.
    var waitingOn = requirements.map(\.count)
    var dependents = [[Int]](repeating: [], count: resources.count)
    for (index, required) in requirements.enumerated() {
        for other in required { dependents[other].append(index) }
    }
    let rank = resources.map { type(of: $0).stage }
    var ready = resources.indices.filter { waitingOn[$0] == 0 }
    var order: [Int] = []
    while !ready.isEmpty {
        let best = ready.indices.min { (rank[ready[$0]], ready[$0]) < (rank[ready[$1]], ready[$1]) }!
        let next = ready.remove(at: best)
        order.append(next)
        for dependent in dependents[next] {
            waitingOn[dependent] -= 1
            if waitingOn[dependent] == 0 { ready.append(dependent) }
        }
    }
    guard order.count == resources.count else {
        throw .cycle(findCycle(requirements: requirements, among: Set(resources.indices).subtracting(order))
            .map { resources[$0].id })
    }
    return order
}

/// A cycle among `remaining` (each of which waits on another of them), as indices, the
/// first repeated at the end.
private func findCycle(requirements: [[Int]], among remaining: Set<Int>) -> [Int] {
    var path = [remaining.min()!]
    var seen = [path[0]: 0]
    while true {
        let next = requirements[path.last!].filter(remaining.contains).min()!
        if let start = seen[next] {
            return Array(path[start...]) + [next]
        }
        seen[next] = path.count
        path.append(next)
    }
}

private func describe(_ resource: any Resource, _ index: Int) -> String {
    "resource #\(index + 1) (\(resource.id.shown))"
}
