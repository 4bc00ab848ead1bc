import Foundation
import SMTQConfig
import SMTQCore

/// A report's time bound as people type it: an RFC 3339 time, a local date, a duration back from now
/// ("24h", "7d"), or a named point ("today", "yesterday", "shift" for the start of the current shift).
public struct TimeWindow: Sendable {
    public let zone: TimeZone
    public let shifts: [ShiftConfig]
    public let now: Date

    public init(time: TimeConfig, now: Date = Date()) {
        zone = TimeZone(identifier: time.timeZone) ?? TimeZone(identifier: "UTC")!
        shifts = time.shifts
        self.now = now
    }

    public static let expected = "an RFC 3339 time (2026-11-24T08:00:00Z), a date (2026-11-24), a duration back from now (24h, 7d), today, yesterday or shift (the local day without shifts)"

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// The instant `text` names, or nil with no explanation (the caller names the option and `expected`).
    public func instant(_ text: String) -> Date? {
        let text = text.trimmingWhitespace()
        if let date = RFC3339.date(from: text) { return date }
        switch text {
        case "now": return now
        case "today": return calendar.startOfDay(for: now)
        case "yesterday": return calendar.date(byAdding: .day, value: -1, to: calendar.startOfDay(for: now))
        case "shift": return ShiftClock(now: now, time: TimeConfig(timeZone: zone.identifier, shifts: shifts)).shiftStart
        default: break
        }
        if let duration = DurationText.parse(text), duration > .zero {
            return now.addingTimeInterval(-duration.totalSeconds)
        }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        if parts.count == 3, text.count == 10, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) {
            // Calendar rolls 2026-13-45 over into another date; only a real date round-trips.
            let check = calendar.dateComponents([.year, .month, .day], from: date)
            return [check.year, check.month, check.day] == parts.map(Optional.some) ? date : nil
        }
        return nil
    }
}
