import Foundation

extension Duration {
    /// The duration in seconds.
    public var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    /// `4.20 s`, as reports print durations.
    public var seconds: String { String(format: "%.2f s", secondsValue) }
}
