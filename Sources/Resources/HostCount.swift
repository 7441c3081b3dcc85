/// A number of hosts, given as a count or as a share of the hosts of a run: a batch size
/// (`--serial 2`, `--serial 20%`, ``RolloutPolicy/batchSize``) or a number of failures
/// allowed (`--max-fail 10%`, ``RolloutPolicy/maxFailures``).
///
/// A share is worked out as Ansible's `serial` and `max_fail_percentage` are: a batch of
/// 20% of 7 hosts is 1 host (rounded down, never none), and 10% of failures allowed on
/// 7 hosts lets none fail (more than 0.7 of a host is one).
public enum HostCount: Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    case count(Int)
    /// A percentage, 0 to 100.
    case percent(Int)

    public init(integerLiteral value: Int) { self = .count(value) }

    /// `3` or `25%`; nil for anything else (a negative count, a share over 100%).
    public init?(_ text: String) {
        if text.hasSuffix("%") {
            guard let percent = Int(text.dropLast()), (0...100).contains(percent) else { return nil }
            self = .percent(percent)
        } else {
            guard let count = Int(text), count >= 0 else { return nil }
            self = .count(count)
        }
    }

    public var description: String {
        switch self {
        case .count(let count): String(count)
        case .percent(let percent): "\(percent)%"
        }
    }

    /// Hosts per batch for a run of `total` hosts: at least one.
    public func batchSize(of total: Int) -> Int {
        switch self {
        case .count(let count): max(count, 1)
        case .percent(let percent): max(total * percent / 100, 1)
        }
    }

    /// Whether `failed` hosts of a run of `total` are more than this allows.
    public func isExceeded(byFailures failed: Int, of total: Int) -> Bool {
        switch self {
        case .count(let count): failed > count
        case .percent(let percent): failed * 100 > percent * total
        }
    }
}
