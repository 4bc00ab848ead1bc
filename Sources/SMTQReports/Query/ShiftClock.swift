import Foundation
import SMTQConfig

/// The current shift (or the local day, without shifts; the time since the last shift ended, in a gap) and the
/// current hour, in the plant's time zone: what `--since shift` and the dashboard's tiles count from.
public struct ShiftClock: Sendable {
    /// The shift's name, "between shifts" in a gap, "today" without shifts.
    public var shiftName: String
    public var shiftStart: Date
    public var hourStart: Date

    public init(now: Date, time: TimeConfig) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: time.timeZone) ?? TimeZone(identifier: "UTC")!
        hourStart = calendar.dateInterval(of: .hour, for: now)?.start ?? now
        let midnight = calendar.startOfDay(for: now)
        var best: (ShiftConfig, Date)?
        for dayOffset in [-1, 0] {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: midnight) else { continue }
            for shift in time.shifts {
                guard let start = calendar.date(bySettingHour: shift.startMinute / 60, minute: shift.startMinute % 60, second: 0, of: day),
                      start <= now else { continue }
                if best == nil || start > best!.1 { best = (shift, start) }
            }
        }
        guard let (shift, start) = best else {
            (shiftName, shiftStart) = ("today", midnight)
            return
        }
        // In a gap between shifts the count starts where the last shift ended.
        let minutes = (shift.endMinute - shift.startMinute + 1440) % 1440
        let end = calendar.date(byAdding: .minute, value: minutes, to: start) ?? start
        (shiftName, shiftStart) = end <= now ? ("between shifts", end) : (shift.name, start)
    }
}
