import Foundation

extension Duration {
    /// The duration in seconds.
    public var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    /// `4.20 s`, as reports print durations.
    public var seconds: String { formattedSeconds(secondsValue) }
}

/// `4.20 s`: a number of seconds as reports print it (run and host reports keep seconds as numbers).
func formattedSeconds(_ seconds: Double) -> String { String(format: "%.2f s", seconds) }
