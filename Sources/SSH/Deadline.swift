import Foundation

/// A point in time an operation must finish by; `nil` deadlines mean "no limit".
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant?

    static let never = Deadline(instant: nil)

    static func after(_ duration: Duration?) -> Deadline {
        Deadline(instant: duration.map { ContinuousClock.now.advanced(by: $0) })
    }

    var hasPassed: Bool {
        guard let instant else { return false }
        return ContinuousClock.now >= instant
    }

    /// Milliseconds left, capped at `cap`, for `poll(2)`; -1 means wait forever.
    func pollTimeout(cappedAt cap: Int32? = nil) -> Int32 {
        var millis: Int32 = -1
        if let instant {
            let left = ContinuousClock.now.duration(to: instant)
            let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            millis = Int32(clamping: max(0, ms))
        }
        if let cap, cap >= 0, millis < 0 || cap < millis { millis = cap }
        return millis
    }
}

extension Duration {
    /// "10 s", "1.5 s", "250 ms": how durations appear in messages.
    var humanReadable: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds == seconds.rounded() { return "\(Int(seconds)) s" }
        return String(format: "%.1f s", seconds)
    }
}
