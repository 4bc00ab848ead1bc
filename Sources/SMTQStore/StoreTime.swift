import Foundation

/// The store keeps times as INTEGER microseconds since 1970-01-01 UTC.
extension Date {
    /// Microseconds since 1970 UTC, the store's time unit.
    public var storeMicroseconds: Int64 { Int64((timeIntervalSince1970 * 1_000_000).rounded()) }

    public init(storeMicroseconds: Int64) {
        self.init(timeIntervalSince1970: Double(storeMicroseconds) / 1_000_000)
    }
}
