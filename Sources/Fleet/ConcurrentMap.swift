extension Collection where Element: Sendable {
    /// Transforms every element concurrently, at most `limit` at a time, keeping the input order.
    ///
    /// The limit bounds how many hosts are worked on at once (sessions, threads, sockets),
    /// while a slow host never holds back the start of the others beyond that bound.
    public func concurrentMap<T: Sendable>(limit: Int, _ transform: @escaping @Sendable (Element) async -> T) async -> [T] {
        let elements = Array(self)
        guard !elements.isEmpty else { return [] }
        return await withTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: elements.count)
            var next = 0
            for _ in 0..<Swift.min(Swift.max(limit, 1), elements.count) {
                let index = next
                group.addTask { (index, await transform(elements[index])) }
                next += 1
            }
            for await (index, value) in group {
                results[index] = value
                if next < elements.count {
                    let index = next
                    group.addTask { (index, await transform(elements[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}
