import Foundation
import SMTQCore
import SMTQStatistics
import Testing

/// Subgroups from events: local buckets, shifts across midnight and DST changes, late events, unit counts.
struct SubgroupBuilderTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let shifts = [ShiftWindow(name: "early", startMinute: 360, endMinute: 840), ShiftWindow(name: "late", startMinute: 840, endMinute: 1320),
                         ShiftWindow(name: "night", startMinute: 1320, endMinute: 360)]

    static func micro(_ text: String) -> Int64 { Int64(RFC3339.date(from: text)!.timeIntervalSince1970 * 1_000_000) }

    /// Events every 10 minutes over [from, to), as a closed series (the trailing subgroup included).
    static func subgroups(_ rule: SubgroupRule, from: String, to: String, minutes: Int64 = 10) -> [Subgroup] {
        var builder = SubgroupBuilder(rule: rule)
        var result: [Subgroup] = []
        var time = micro(from)
        while time < micro(to) {
            if let closed = builder.add(ChartEvent(time: time, fails: 0)) { result.append(closed) }
            time += minutes * 60_000_000
        }
        if let last = builder.finish() { result.append(last) }
        return result
    }

    @Test(arguments: [
        // Autumn: 03:00 CEST becomes 02:00 CET; the night shift is 9 hours.
        ("2026-10-24T19:00:00Z", "2026-10-25T07:00:00Z", "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z", 54),
        // Spring: 02:00 CET becomes 03:00 CEST; the night shift is 7 hours.
        ("2026-03-28T20:00:00Z", "2026-03-29T06:00:00Z", "2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z", 42),
    ])
    func aShiftOverADSTChangeEndsAtItsLocalEnd(from: String, to: String, start: String, end: String, events: Int) {
        let groups = Self.subgroups(.shifts(Self.shifts, zone: Self.berlin), from: from, to: to)
        #expect(groups.map(\.shift) == ["late", "night", "early"])
        let night = groups[1]
        #expect(night.start == Self.micro(start) && night.end == Self.micro(end))
        #expect(night.tests == events)
    }

    @Test func hourBucketsFollowLocalHoursAndMidnight() {
        let kolkata = TimeZone(identifier: "Asia/Kolkata")!
        let groups = Self.subgroups(.every(3_600_000_000, zone: kolkata), from: "2026-11-24T17:00:00Z", to: "2026-11-24T20:00:00Z")
        #expect(groups.map(\.start) == ["2026-11-24T16:30:00Z", "2026-11-24T17:30:00Z", "2026-11-24T18:30:00Z", "2026-11-24T19:30:00Z"].map(Self.micro))
        #expect(groups.map(\.tests) == [3, 6, 6, 3])
        // 7-hour buckets restart at local midnight: 00–07, 07–14, 14–21, 21–24.
        let sevens = Self.subgroups(.every(7 * 3_600_000_000, zone: Self.berlin), from: "2026-11-23T23:00:00Z", to: "2026-11-24T23:00:00Z")
        #expect(sevens.map { ($0.end - $0.start) / 3_600_000_000 } == [7, 7, 7, 3])
    }

    @Test func eventsForAClosedBucketAreLateNotANewPoint() {
        var builder = SubgroupBuilder(rule: .every(3_600_000_000, zone: TimeZone(identifier: "UTC")!))
        #expect(builder.add(ChartEvent(time: Self.micro("2026-11-24T08:10:00Z"))) == nil)
        let closed = builder.close(ifEndedBy: Self.micro("2026-11-24T09:01:00Z"))
        #expect(closed?.tests == 1)
        #expect(builder.add(ChartEvent(time: Self.micro("2026-11-24T08:50:00Z"))) == nil)
        #expect(builder.lateEvents == 1 && builder.current == nil)
        #expect(builder.add(ChartEvent(time: Self.micro("2026-11-24T09:05:00Z"))) == nil)
        #expect(builder.current?.start == Self.micro("2026-11-24T09:00:00Z"))
    }

    @Test func unitCountsAndOutsideShifts() {
        let groups = Self.subgroups(.count(4), from: "2026-11-24T08:00:00Z", to: "2026-11-24T09:50:00Z")
        #expect(groups.map(\.tests) == [4, 4])
        var builder = SubgroupBuilder(rule: .shifts([ShiftWindow(name: "day", startMinute: 480, endMinute: 960)], zone: TimeZone(identifier: "UTC")!))
        #expect(builder.add(ChartEvent(time: Self.micro("2026-11-24T07:00:00Z"))) == nil)
        #expect(builder.unassignedEvents == 1 && builder.current == nil)
    }
}
