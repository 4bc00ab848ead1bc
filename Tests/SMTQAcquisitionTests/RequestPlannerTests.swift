import SMTQAcquisition
import Testing

struct RequestPlannerTests {
    @Test func mergesContiguousRangesWithinTheLimit() {
        #expect(RequestPlanner.plan([0..<1, 1..<2, 2..<123], maxPerRequest: 125) == [0..<123])
        #expect(RequestPlanner.plan([2..<123, 0..<1, 1..<2], maxPerRequest: 125) == [0..<123], "order does not matter")
        #expect(RequestPlanner.plan([0..<1, 1..<2, 2..<123], maxPerRequest: 100) == [0..<2, 2..<102, 102..<123])
        #expect(RequestPlanner.plan([0..<1, 1..<2, 2..<123], maxPerRequest: 100).allSatisfy { $0.count <= 100 })
    }

    @Test func gapsAreBridgedOnlyWhenAllowed() {
        #expect(RequestPlanner.plan([0..<2, 4..<6], maxPerRequest: 125) == [0..<2, 4..<6])
        #expect(RequestPlanner.plan([0..<2, 4..<6], maxPerRequest: 125, maxGap: 2) == [0..<6])
        #expect(RequestPlanner.plan([0..<2, 4..<6], maxPerRequest: 5, maxGap: 2) == [0..<2, 4..<6], "a merge may not pass the limit")
    }

    @Test func separateRequestsAndLongRanges() {
        #expect(RequestPlanner.plan([0..<1, 1..<2], maxPerRequest: 125, separate: true) == [0..<1, 1..<2])
        #expect(RequestPlanner.plan([10..<260], maxPerRequest: 125) == [10..<135, 135..<260])
        #expect(RequestPlanner.plan([0..<4, 2..<6], maxPerRequest: 125) == [0..<6], "overlaps merge")
        #expect(RequestPlanner.plan([], maxPerRequest: 125).isEmpty)
    }
}
