import Foundation

/// Monthly (UTC) partitions of the results tables, named `units_p202612` etc.
public enum CentralPartitions {
    public static let tables = ["units", "defects", "measurements"]

    /// The month (year × 12 + month − 1) of a time in microseconds.
    public static func month(_ microseconds: Int64) -> Int {
        let date = Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
        let parts = calendar.dateComponents([.year, .month], from: date)
        return parts.year! * 12 + parts.month! - 1
    }

    /// The month's bounds in microseconds, `[from, to)`.
    public static func bounds(_ month: Int) -> (from: Int64, to: Int64) {
        func start(_ month: Int) -> Int64 {
            let date = calendar.date(from: DateComponents(year: month / 12, month: month % 12 + 1, day: 1))!
            return Int64(date.timeIntervalSince1970) * 1_000_000
        }
        return (start(month), start(month + 1))
    }

    public static func name(_ table: String, _ month: Int) -> String {
        String(format: "%@_p%04d%02d", table, month / 12, month % 12 + 1)
    }

    /// The statements creating a month's partitions (no-ops when they exist).
    static func create(_ month: Int) -> String {
        let (from, to) = bounds(month)
        return tables.map { "CREATE TABLE IF NOT EXISTS \(name($0, month)) PARTITION OF \($0) FOR VALUES FROM (\(from)) TO (\(to));" }
            .joined(separator: "\n")
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
