import Foundation
import SMTQCore
@testable import SMTQReports
import Testing

/// Time-axis ticks: round local times, one date per day, never closer than the label spacing.
struct TimeTicksTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let utc = TimeZone(identifier: "UTC")!
    /// The plot width of a control chart panel.
    static let width = 780.0

    static func micros(_ text: String) -> Int64 { Int64(RFC3339.date(from: text)!.timeIntervalSince1970 * 1e6) }

    /// `count` times from `start`, `seconds` apart.
    static func series(from start: String, count: Int, every seconds: Int64) -> [Int64] {
        (0..<count).map { micros(start) + Int64($0) * seconds * 1_000_000 }
    }

    static func axis(_ times: [Int64], _ zone: TimeZone) -> TimeTicks.Axis {
        TimeTicks.axis(times, timeZone: zone, pixelsPerPoint: width / Double(max(times.count, 1)))
    }

    /// Every tick is a round time of its step in `zone` and inside the points' span, and labels keep their distance.
    static func checkRound(_ axis: TimeTicks.Axis, _ times: [Int64], _ zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        for tick in axis.ticks {
            #expect(tick.time >= times.first! && tick.time <= times.last!)
            #expect(tick.position >= 0 && tick.position <= Double(times.count - 1))
            let parts = calendar.dateComponents([.hour, .minute, .second, .nanosecond], from: Date(timeIntervalSince1970: Double(tick.time) / 1e6))
            #expect((parts.nanosecond ?? 0) < 1_000)
            if case let .seconds(step)? = axis.step {
                #expect(parts.second! % step == 0, "\(tick)")
            } else {
                #expect(parts.second == 0, "\(tick)")
            }
            if case let .minutes(step)? = axis.step { #expect((parts.hour! * 60 + parts.minute!) % step == 0, "\(tick)") }
            if case .days? = axis.step { #expect(parts.hour == 0 && parts.minute == 0, "\(tick)") }
        }
        #expect(TimeTicks.closest(axis.ticks, width / Double(times.count)) >= 70)
    }

    @Test func springForwardInBerlinSkipsTheMissingHour() {
        // 23:00 CET on 28 March to 06:00 CEST on 29 March 2026, every two minutes.
        let times = Self.series(from: "2026-03-28T22:00:00Z", count: 181, every: 120)
        let axis = Self.axis(times, Self.berlin)
        #expect(axis.step == .minutes(60))
        #expect(axis.ticks.map(\.label) == ["23:00", "00:00", "01:00", "03:00", "04:00", "05:00", "06:00"])
        #expect(axis.ticks.map(\.date) == ["2026-03-28", "2026-03-29", nil, nil, nil, nil, nil])
        #expect(axis.ticks[3].position == 90, "03:00 CEST is 01:00Z, the 91st point")
        Self.checkRound(axis, times, Self.berlin)
    }

    @Test func fallBackInBerlinShowsTheRepeatedHourTwice() {
        // 00:00 CEST to 05:00 CET on 25 October 2026: six real hours in five on the wall clock.
        let times = Self.series(from: "2026-10-24T22:00:00Z", count: 181, every: 120)
        let axis = Self.axis(times, Self.berlin)
        #expect(axis.step == .minutes(60))
        #expect(axis.ticks.map(\.label) == ["00:00", "01:00", "02:00", "02:00", "03:00", "04:00", "05:00"])
        #expect(axis.ticks.map(\.position) == [0, 30, 60, 90, 120, 150, 180])
        Self.checkRound(axis, times, Self.berlin)
    }

    @Test func aSpanAcrossMidnightGetsTheDateAgain() {
        let times = Self.series(from: "2026-11-24T21:00:00Z", count: 361, every: 60)
        let axis = Self.axis(times, Self.utc)
        #expect(axis.ticks.map(\.label) == ["21:00", "22:00", "23:00", "00:00", "01:00", "02:00", "03:00"])
        #expect(axis.ticks.map(\.date) == ["2026-11-24", nil, nil, "2026-11-25", nil, nil, nil])
        Self.checkRound(axis, times, Self.utc)
    }

    @Test func threeHundredPointsOverFiveHoursKeepTheirDistance() {
        let times = Self.series(from: "2026-11-24T07:03:17Z", count: 300, every: 60)
        let axis = Self.axis(times, Self.berlin)
        #expect((4...10).contains(axis.ticks.count), "\(axis.ticks.map(\.label))")
        #expect(axis.ticks.first?.date == "2026-11-24")
        #expect(axis.ticks.dropFirst().allSatisfy { $0.date == nil })
        Self.checkRound(axis, times, Self.berlin)
    }

    @Test func aNightWithoutProductionIsThinnedNotCrowded() {
        // Two mornings of 150 points each: the night's round hours all fall between two neighbouring points.
        let times = Self.series(from: "2026-11-24T07:00:00Z", count: 150, every: 60)
            + Self.series(from: "2026-11-25T07:00:00Z", count: 150, every: 60)
        let axis = Self.axis(times, Self.berlin)
        #expect(axis.ticks.filter { $0.position < 150 }.count >= 4 && axis.ticks.filter { $0.position >= 150 }.count >= 3,
                "both mornings have ticks: \(axis.ticks.map(\.label))")
        #expect(axis.ticks.compactMap(\.date) == ["2026-11-24", "2026-11-25"])
        Self.checkRound(axis, times, Self.berlin)
    }

    @Test func weeksOfHourlyPointsTickOnMondayMidnights() {
        let times = Self.series(from: "2026-11-01T00:30:00Z", count: 30 * 24, every: 3600)
        let axis = Self.axis(times, Self.berlin)
        #expect(axis.step == .days(7))
        #expect(axis.ticks.map(\.label) == ["Nov 2", "Nov 9", "Nov 16", "Nov 23", "Nov 30"])
        #expect(axis.ticks.map(\.date) == ["2026", nil, nil, nil, nil])
        Self.checkRound(axis, times, Self.berlin)
    }

    @Test func twoPoints() {
        let times = [Self.micros("2026-11-24T08:00:30Z"), Self.micros("2026-11-24T08:05:30Z")]
        let axis = Self.axis(times, Self.utc)
        #expect(axis.ticks.map(\.label) == ["08:01", "08:02", "08:03", "08:04", "08:05"])
        #expect(axis.ticks.first?.date == "2026-11-24")
        Self.checkRound(axis, times, Self.utc)
    }

    @Test func aMinuteOfPointsTicksEveryFewSeconds() {
        let start = Self.micros("2026-11-24T08:00:03Z")
        let times = (0..<200).map { start + Int64($0) * 300_000 }
        let axis = Self.axis(times, Self.utc)
        #expect(axis.ticks.count >= 3, "\(axis.ticks.map(\.label))")
        #expect(axis.ticks.allSatisfy { $0.label.count == 8 }, "HH:mm:ss: \(axis.ticks.map(\.label))")
        #expect(axis.ticks.first?.date == "2026-11-24")
    }

    @Test func manyPointsPerSecondStillTickEveryFewSeconds() {
        // A tester at 12 units/s stamps whole seconds: 200 points over about 17 s.
        let start = Self.micros("2026-11-24T08:00:00Z")
        let times = (0..<200).map { start + Int64($0 / 12) * 1_000_000 }
        let axis = Self.axis(times, Self.utc)
        #expect(axis.ticks.count >= 3, "\(axis.ticks.map(\.label))")
        Self.checkRound(axis, times, Self.utc)
    }

    @Test func onePointAndIdenticalTimesLabelTheFirstPoint() {
        for (times, label) in [([Self.micros("2026-11-24T08:00:30Z")], "09:00:30"),
                               (Array(repeating: Self.micros("2026-11-24T08:00:30Z"), count: 5), "09:00:30"),
                               (Array(repeating: Self.micros("2026-11-24T08:00:00Z"), count: 5), "09:00")] {
            let axis = Self.axis(times, Self.berlin)
            #expect(axis.ticks.count == 1)
            #expect(axis.ticks.first?.position == 0)
            #expect(axis.ticks.first?.label == label)
            #expect(axis.ticks.first?.date == "2026-11-24")
        }
    }

    @Test func noTimesOrTimesOutOfOrderGiveNoTicks() {
        #expect(Self.axis([], Self.utc).ticks.isEmpty)
        #expect(Self.axis([Self.micros("2026-11-24T09:00:00Z"), Self.micros("2026-11-24T08:00:00Z")], Self.utc).ticks.isEmpty)
    }

    @Test func indexLabelsStepByTheirWidth() {
        #expect(IndexTicks.every(count: 20, pixelsPerPoint: 39, labelWidth: 12, round: true) == 2)
        #expect(IndexTicks.every(count: 300, pixelsPerPoint: 2.6, labelWidth: 18, round: true) == 50)
        // "2026-11-24 08:00 early": 22 characters of about 6 pixels.
        let every = IndexTicks.every(count: 300, pixelsPerPoint: 2.6, labelWidth: 132, round: false)
        #expect(Double(every) * 2.6 >= 144 && Double(every - 1) * 2.6 < 144)
    }
}
