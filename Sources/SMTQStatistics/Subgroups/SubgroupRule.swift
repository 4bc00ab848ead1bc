import Foundation
import SMTQCore

/// How chart events form subgroups (DESIGN.md: time buckets or fixed unit counts, per line/station/program).
public enum SubgroupRule: Sendable, Equatable {
    /// One point per measurement value (I-MR, EWMA, CUSUM).
    case individuals
    /// A fixed number of consecutive events (units for attribute charts, values for X-bar charts).
    case count(Int)
    /// Time buckets of a fixed length in microseconds, starting at each local midnight of `zone` (a bucket
    /// length that does not divide the day leaves a shorter last bucket before midnight).
    case every(Int64, zone: TimeZone)
    /// One subgroup per occurrence of a shift; events outside every shift belong to no subgroup.
    case shifts([ShiftWindow], zone: TimeZone)
}

/// Local-calendar arithmetic on microsecond times, for buckets and shifts.
struct LocalClock: Sendable {
    let calendar: Calendar

    init(zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    static func date(_ microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The local midnight at or before `time`, and the next one.
    func day(containing time: Int64) -> (start: Int64, end: Int64) {
        let start = calendar.startOfDay(for: Self.date(time))
        let next = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
        return (Self.microseconds(start), Self.microseconds(next))
    }

    /// Minutes after local midnight.
    func minuteOfDay(_ time: Int64) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: Self.date(time))
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    /// The local time `minute` minutes after the midnight that starts the day `daysFromTime` days from `time`'s.
    func time(minute: Int, dayOffset: Int, from time: Int64) -> Int64 {
        let midnight = calendar.startOfDay(for: Self.date(time))
        let day = calendar.date(byAdding: .day, value: dayOffset, to: midnight) ?? midnight
        let at = calendar.date(bySettingHour: minute / 60, minute: minute % 60, second: 0, of: day)
            ?? day.addingTimeInterval(Double(minute) * 60)
        return Self.microseconds(at)
    }
}
