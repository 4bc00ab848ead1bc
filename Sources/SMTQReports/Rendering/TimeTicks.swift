import Foundation
import SMTQStore

/// Time-axis ticks at round local times for points drawn equally spaced by index: each tick sits between
/// the two points around its time, and the step is the finest one that gives at most `maximumCount` ticks
/// at least `minimumSpacing` pixels apart. Pure: only the calendar arithmetic of the given time zone.
enum TimeTicks {
    /// A tick distance: seconds dividing a minute, minutes dividing a day, whole local days (midnights), or
    /// calendar months.
    enum Step: Equatable, Sendable {
        case seconds(Int)
        case minutes(Int)
        case days(Int)
        case months(Int)

        var isSeconds: Bool {
            if case .seconds = self { return true }
            return false
        }

        /// Roughly how long the step is, in seconds (to skip steps far too fine before listing their ticks).
        var approximateSeconds: Double {
            switch self {
            case let .seconds(count): Double(count)
            case let .minutes(count): Double(count) * 60
            case let .days(count): Double(count) * 86_400
            case let .months(count): Double(count) * 30.44 * 86_400
            }
        }
    }

    /// The steps tried, finest first.
    static let steps: [Step] = [5, 10, 15, 30].map(Step.seconds) + [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720].map(Step.minutes)
        + [1, 2, 7, 14].map(Step.days) + [.months(1)]

    /// One tick: where it sits, when, and its label lines.
    struct Tick: Equatable, Sendable {
        /// In point offsets: 0 at the first point, 1 at the second, 2.5 halfway between the third and fourth.
        var position: Double
        /// Microseconds since 1970 UTC.
        var time: Int64
        /// "HH:mm" for steps under a day, "Nov 24" for days, "Nov" for months.
        var label: String
        /// A second line: the date ("2026-11-24") on the first tick and where the day changes, or for day
        /// and month steps the year on the first tick and where the year changes.
        var date: String?
    }

    /// The chosen step (nil when no round time falls in the span and the first point is labelled instead)
    /// and the ticks in time order.
    struct Axis: Equatable, Sendable {
        var step: Step?
        var ticks: [Tick]
    }

    /// The ticks for points at `times` (microseconds since 1970 UTC, not decreasing) drawn `pixelsPerPoint`
    /// apart: the finest step whose ticks are `minimumSpacing` apart where points are dense, thinned so that
    /// no two are closer (round times piled into a production gap keep one tick) and at most `maximumCount`
    /// remain. Empty for no times or times out of order; a single tick at the first point when no round time
    /// falls within the span (one point, identical times).
    static func axis(_ times: [Int64], timeZone: TimeZone, pixelsPerPoint: Double, minimumSpacing: Double = 70,
                     maximumCount: Int = 10) -> Axis {
        guard let first = times.first, let last = times.last, zip(times, times.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            return Axis(step: nil, ticks: [])
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Pixels per second where the points are: the median over the intervals between distinct times, each
        // as wide as the points it spans (several points may share a time stamp's second).
        let changes = [0] + times.indices.dropFirst().filter { times[$0] != times[$0 - 1] }
        let rates = zip(changes, changes.dropFirst()).map { from, to in
            pixelsPerPoint * Double(to - from) * 1e6 / Double(times[to] - times[from])
        }.sorted()
        let pixelsPerSecond = rates.isEmpty ? Double.infinity : rates[rates.count / 2]
        for step in steps where step.approximateSeconds * pixelsPerSecond >= minimumSpacing * 0.95 || step == steps.last {
            guard let found = candidates(step, from: first, to: last, calendar: calendar) else { continue }
            let ticks = thinned(found.map { Tick(position: position(of: $0, in: times), time: $0, label: "", date: nil) },
                                pixelsPerPoint, minimumSpacing)
            guard !ticks.isEmpty, ticks.count <= maximumCount || step == steps.last else { continue }
            return labelled(Axis(step: step, ticks: ticks), calendar: calendar)
        }
        return labelled(Axis(step: nil, ticks: [Tick(position: 0, time: first, label: "", date: nil)]), calendar: calendar)
    }

    /// The smallest pixel distance between neighbouring ticks (infinite for fewer than two).
    static func closest(_ ticks: [Tick], _ pixelsPerPoint: Double) -> Double {
        zip(ticks, ticks.dropFirst()).map { ($1.position - $0.position) * pixelsPerPoint }.min() ?? .infinity
    }

    /// The ticks kept left to right, each at least `spacing` pixels after the last one kept.
    static func thinned(_ ticks: [Tick], _ pixelsPerPoint: Double, _ spacing: Double) -> [Tick] {
        var kept: [Tick] = []
        for tick in ticks where kept.last.map({ (tick.position - $0.position) * pixelsPerPoint >= spacing }) ?? true {
            kept.append(tick)
        }
        return kept
    }

    /// The round local times of `step` from `first` through `last` (microseconds); nil when there would be
    /// more than `limit` to look at (a step far too fine for a long span).
    static func candidates(_ step: Step, from first: Int64, to last: Int64, calendar: Calendar, limit: Int = 20_000) -> [Int64]? {
        var times: [Int64] = []
        let grid: Int64 = switch step {  // seconds between the instants looked at
        case let .seconds(seconds): Int64(seconds)
        case let .minutes(minutes): Int64(gcd(minutes, 15) * 60)
        case .days: 86_400
        case .months: 28 * 86_400
        }
        guard (last - first) / 1_000_000 / grid < Int64(limit) else { return nil }
        switch step {
        case .seconds:
            // Zone offsets are whole quarter hours: a round second in UTC is one on the wall clock too.
            var second = ceilDiv(ceilDiv(first, 1_000_000), grid) * grid
            while second * 1_000_000 <= last {
                times.append(second * 1_000_000)
                second += grid
            }
        case let .minutes(minutes):
            // Every zone's offset is a whole number of quarter hours, so a grid of gcd(step, 15) minutes in UTC
            // holds every round local time; the wall clock picks them (skipping a spring gap, twice an autumn hour).
            var second = ceilDiv(first, 1_000_000)
            second = ceilDiv(second, grid) * grid
            while second * 1_000_000 <= last {
                let clock = calendar.dateComponents([.hour, .minute, .second], from: Date(timeIntervalSince1970: Double(second)))
                if clock.second == 0, ((clock.hour ?? 0) * 60 + (clock.minute ?? 0)) % minutes == 0 { times.append(second * 1_000_000) }
                second += grid
            }
        case let .days(days):
            var day = calendar.startOfDay(for: Date(storeMicroseconds: first))
            while day.storeMicroseconds <= last {
                let micros = day.storeMicroseconds
                let parts = calendar.dateComponents([.year, .month, .day], from: day)
                let ordinal = dayOrdinal(parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
                // 1970-01-05 (ordinal 4) was a Monday: weeks start on Mondays.
                let round = days == 7 || days == 14 ? (ordinal - 4) % days == 0 : ordinal % days == 0
                if micros >= first, round { times.append(micros) }
                guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
                day = calendar.startOfDay(for: next)
            }
        case let .months(months):
            let parts = calendar.dateComponents([.year, .month], from: Date(storeMicroseconds: first))
            var month = DateComponents(year: parts.year, month: parts.month, day: 1)
            while let date = calendar.date(from: month).map({ calendar.startOfDay(for: $0) }), date.storeMicroseconds <= last {
                let index = (month.year ?? 1970) * 12 + (month.month ?? 1) - 1
                if date.storeMicroseconds >= first, index % months == 0 { times.append(date.storeMicroseconds) }
                month.month = (month.month ?? 1) + 1
            }
        }
        return times
    }

    /// Where `time` falls among `times` (sorted), in point offsets, interpolated between the points around it.
    static func position(of time: Int64, in times: [Int64]) -> Double {
        var low = 0, high = times.count - 1
        while low < high {  // the first point at or after `time`
            let middle = (low + high) / 2
            if times[middle] < time { low = middle + 1 } else { high = middle }
        }
        guard low > 0, times[low] != time else { return Double(low) }
        let before = times[low - 1], after = times[low]
        return Double(low - 1) + Double(time - before) / Double(after - before)
    }

    /// The ticks with their labels and, where the day (or for day steps the year) changes, their second line.
    static func labelled(_ axis: Axis, calendar: Calendar) -> Axis {
        var result = axis
        var previous: DateComponents?
        // Seconds show when a tick needs them (a seconds step with ticks between whole minutes).
        let withSeconds = axis.step?.isSeconds == true && axis.ticks.contains { calendar.component(.second, from: Date(storeMicroseconds: $0.time)) != 0 }
        for index in result.ticks.indices {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                                from: Date(storeMicroseconds: result.ticks[index].time))
            let month = monthNames[(parts.month ?? 1) - 1]
            switch axis.step {
            case .days?:
                result.ticks[index].label = "\(month) \(parts.day ?? 1)"
                if previous?.year != parts.year { result.ticks[index].date = String(parts.year ?? 0) }
            case .months?:
                result.ticks[index].label = month
                if previous?.year != parts.year { result.ticks[index].date = String(parts.year ?? 0) }
            case .seconds?, .minutes?, nil:
                result.ticks[index].label = withSeconds
                    ? String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
                    : String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
                if previous.map({ $0.year != parts.year || $0.month != parts.month || $0.day != parts.day }) ?? true {
                    result.ticks[index].date = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
                }
            }
            previous = parts
        }
        return result
    }

    /// "2026-11-24 08:00" in `timeZone` (a point's tooltip when no labels are given).
    static func stamp(_ time: Int64, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: Date(storeMicroseconds: time))
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func dayOrdinal(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    static func ceilDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor > 0 ? quotient + 1 : quotient
    }
}

/// Index-axis labels: every how many points one fits, by the widest label's estimated width.
enum IndexTicks {
    /// Label every `n`-th point so that neighbouring labels keep `gap` pixels between them and there are
    /// at most about ten; plain point numbers step by 1, 2 or 5 times a power of ten.
    static func every(count: Int, pixelsPerPoint: Double, labelWidth: Double, gap: Double = 12, round: Bool) -> Int {
        guard count > 0, pixelsPerPoint > 0 else { return 1 }
        let needed = max(Int((Double(count) / 10).rounded(.up)), Int(((labelWidth + gap) / pixelsPerPoint).rounded(.up)), 1)
        guard round else { return needed }
        var magnitude = 1
        while true {
            for factor in [1, 2, 5] where factor * magnitude >= needed { return factor * magnitude }
            magnitude *= 10
        }
    }
}
