import Foundation
import SMTQConfig

/// Local day, hour and shift labels of store times in the configured zone, cached per minute (zone offsets
/// and shift boundaries are whole minutes).
struct LocalPeriods {
    private let calendar: Calendar
    private let shifts: [ShiftConfig]
    private var cache: [Int64: (day: String, hour: String, shift: String?)] = [:]
    /// Whether the zone changes its offset (daylight saving time): hours then carry their offset.
    private let observesDST: Bool

    init(time: TimeConfig) {
        var calendar = Calendar(identifier: .gregorian)
        let zone = TimeZone(identifier: time.timeZone) ?? TimeZone(identifier: "UTC")!
        calendar.timeZone = zone
        self.calendar = calendar
        shifts = time.shifts
        observesDST = zone.nextDaylightSavingTimeTransition != nil
    }

    /// Labels: day `2026-11-24`, hour `2026-11-24T08` (in a zone with daylight saving time with its offset,
    /// `2026-11-24T08+01:00`, so the hour repeated in autumn is two rows), shift `2026-11-24 night` (the date
    /// the shift started).
    mutating func labels(_ microseconds: Int64) -> (day: String, hour: String, shift: String?) {
        let minuteKey = microseconds >= 0 ? microseconds / 60_000_000 : (microseconds - 59_999_999) / 60_000_000
        if let cached = cache[minuteKey] { return cached }
        let date = Date(timeIntervalSince1970: Double(minuteKey) * 60)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let day = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        var hour = day + String(format: "T%02d", parts.hour ?? 0)
        if observesDST {
            let offset = calendar.timeZone.secondsFromGMT(for: date) / 60
            hour += String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
        }
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        var shiftLabel: String?
        if let shift = shifts.first(where: { $0.contains(minuteOfDay: minute) }) {
            var startDay = day
            if shift.startMinute > shift.endMinute, minute < shift.endMinute,
               let previous = calendar.date(byAdding: .day, value: -1, to: date) {
                let p = calendar.dateComponents([.year, .month, .day], from: previous)
                startDay = String(format: "%04d-%02d-%02d", p.year ?? 0, p.month ?? 0, p.day ?? 0)
            }
            shiftLabel = "\(startDay) \(shift.name)"
        }
        let labels = (day, hour, shiftLabel)
        cache[minuteKey] = labels
        return labels
    }
}
