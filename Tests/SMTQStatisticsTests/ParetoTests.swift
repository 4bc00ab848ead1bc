import SMTQStatistics
import Testing

struct ParetoTests {
    @Test func ordersByCountThenKeyWithCumulativeShares() {
        let rows = Pareto.table(["BRIDGE", "MISSING", "BRIDGE", "TOMBSTONE", "BRIDGE", "MISSING", "OFFSET", "POLARITY"])
        #expect(rows.map(\.key) == ["BRIDGE", "MISSING", "OFFSET", "POLARITY", "TOMBSTONE"])
        #expect(rows.map(\.count) == [3, 2, 1, 1, 1])
        #expect(rows[0].percent == 37.5 && rows[1].percent == 25)
        #expect(rows.map(\.cumulativePercent) == [37.5, 62.5, 75, 87.5, 100])
    }

    @Test func emptyAndZeroCounts() {
        #expect(Pareto.table([String]()).isEmpty)
        #expect(Pareto.table(counts: ["A": 0]).isEmpty)
        #expect(Pareto.table(counts: ["A": 1, "B": 2]).last?.cumulativePercent == 100)
    }
}
