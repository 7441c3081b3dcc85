/// The candidate closest to `word`, if one is close enough to be a likely typo: an inventory
/// key, a host or group name, a subcommand of the command line.
///
/// Closeness is the optimal string alignment distance (insertions, deletions,
/// substitutions and swaps of adjacent characters) ignoring case, so `adress`,
/// `prot` and `KnownHosts` all find their key. The allowed distance grows with
/// the word: 1 up to five characters, 2 up to eight, then 3. Ties go to the
/// earlier candidate, so callers list the likeliest first.
public func closestMatch(to word: String, among candidates: [String]) -> String? {
    let limit = word.count <= 5 ? 1 : word.count <= 8 ? 2 : 3
    var best: (candidate: String, distance: Int)?
    for candidate in candidates where candidate != word {
        let distance = editDistance(word.lowercased(), candidate.lowercased())
        if distance <= limit, distance < (best?.distance ?? .max) {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// The optimal string alignment distance between two strings, by characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // Three rows suffice: the current one, the previous, and the one before it
    // for adjacent swaps.
    var previousPrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previousPrevious[j - 2] + 1)
            }
        }
        (previousPrevious, previous, current) = (previous, current, previousPrevious)
    }
    return previous[b.count]
}
