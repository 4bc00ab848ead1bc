import Foundation
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQReports
import SMTQStatistics
import SMTQStore
import Testing

/// The live engine, fed commit by commit, against the batch library over the same stored data.
struct IncrementalTests {
    static let time = TimeConfig(timeZone: "Asia/Kolkata", shifts: [
        ShiftConfig(name: "A", startMinute: 6 * 60, endMinute: 14 * 60),
        ShiftConfig(name: "B", startMinute: 14 * 60, endMinute: 22 * 60),
        ShiftConfig(name: "C", startMinute: 22 * 60, endMinute: 6 * 60),
    ])

    static let charts: [ChartConfig] = [
        ChartConfig(name: "p-hourly", type: .p, line: "L1", station: "AOI-1", subgroup: .every(.seconds(3600)), rules: RunRule.allCases),
        ChartConfig(name: "p-20m-programA", type: .p, line: "L1", station: "AOI-1", program: "PCB-A",
                    subgroup: .every(.seconds(1200)), rules: RunRule.allCases),
        ChartConfig(name: "np-25", type: .np, line: "L1", station: "AOI-1", subgroup: .units(25), rules: RunRule.allCases),
        ChartConfig(name: "c-90m", type: .c, line: "L1", station: "AOI-1", subgroup: .every(.seconds(5400)), rules: RunRule.allCases),
        ChartConfig(name: "u-shift", type: .u, line: "L1", station: "AOI-1", subgroup: .shift, rules: RunRule.allCases),
        ChartConfig(name: "xbar-r-5", type: .xbarR, line: "L1", station: "AOI-1", measurement: "VCC", subgroup: .units(5),
                    rules: RunRule.allCases),
        ChartConfig(name: "xbar-s-4", type: .xbarS, line: "L1", station: "AOI-1", program: "PCB-A", measurement: "VCC",
                    subgroup: .units(4), rules: RunRule.allCases),
        ChartConfig(name: "imr", type: .imr, line: "L1", station: "AOI-1", measurement: "VCC", rules: RunRule.allCases),
        ChartConfig(name: "ewma", type: .ewma, line: "L1", station: "AOI-1", measurement: "VCC", rules: RunRule.allCases, lambda: 0.1),
        ChartConfig(name: "cusum", type: .cusum, line: "L1", station: "AOI-1", measurement: "VCC", cusumK: 0.5, cusumH: 4),
    ]

    /// Stored data; the points of every chart; the batch subgroups that have closed (a trailing time bucket
    /// is still open for the engine).
    func run(frozen: Bool, seed: UInt64, count: Int = 2500) throws -> (EngineRig, [String: [Subgroup]], [String: ChartLimits]) {
        let rig = try EngineRig()
        var random = SeededRandom(seed: seed)
        let records = EngineData.records(count: count, random: &random)
        var limits: [String: ChartLimits] = [:]
        if frozen {
            // Limits from an in-control baseline of other serials in the days before.
            var baselineRandom = SeededRandom(seed: seed + 100)
            let baseline = EngineData.records(count: 600, random: &baselineRandom, from: EngineData.start.addingTimeInterval(-86_400 * 3),
                                              serialPrefix: "B", failRate: { _ in 0.05 }, level: { _ in 3.3 })
            rig.write(baseline, random: &random)
            try rig.writer.read { db in
                for config in Self.charts {
                    let chart = StoredChart(config, time: Self.time)
                    let subgroups = try #require(try chart.subgroups(db, until: EngineData.start.storeMicroseconds))
                    limits[config.name] = try ChartLimits.baseline(config.type.rawValue,
                                                                   Subgroup.chartInput(subgroups, type: config.type.rawValue), chart.options)
                }
            }
            _ = try rig.writer.write { db in
                for (name, chartLimits) in limits {
                    try SPCLimitsStore.activate(db, chart: name, limits: chartLimits, baselineFrom: EngineData.start.storeMicroseconds,
                                                baselineTo: nil, baselinePoints: 0, createdBy: "test")
                }
            }
        }
        let engine = try rig.engine(Self.charts, time: Self.time)
        rig.write(records, random: &random)
        engine.drain()
        var subgroups: [String: [Subgroup]] = [:]
        try rig.read { db in
            for config in Self.charts {
                let chart = StoredChart(config, time: Self.time)
                var all = try #require(try chart.subgroups(db, since: frozen ? EngineData.start.storeMicroseconds : nil))
                if case .every = chart.rule { all.removeLast() }
                if case .shifts = chart.rule { all.removeLast() }
                subgroups[config.name] = all
            }
        }
        engine.stop()
        return (rig, subgroups, limits)
    }

    @Test(arguments: [UInt64(1), 2])
    func phaseTwoPointsEqualTheBatchChart(seed: UInt64) throws {
        let (rig, subgroups, limits) = try run(frozen: true, seed: seed)
        let points = rig.points
        var signalled = 0
        for config in Self.charts {
            let chart = StoredChart(config, time: Self.time)
            let groups = try #require(subgroups[config.name])
            #expect(groups.count >= (config.subgroup == .shift ? 5 : 20), "\(config.name): \(groups.count) subgroups")
            let options = try #require(limits[config.name]).applied(to: chart.options)
            let batch = batchSeries(try Charts.compute(config.type.rawValue, Subgroup.chartInput(groups, type: config.type.rawValue), options))
            for (series, expected) in batch {
                let live = points.filter { $0.chart == config.name && $0.series == series }
                #expect(live.count == expected.count, "\(config.name) \(series): \(live.count) live points, \(expected.count) batch points")
                for (got, want) in zip(live, expected) {
                    let signals = want.signals.filter { $0.hasPrefix("cusum") || config.rules.map(\.rawValue).contains($0) }
                    #expect(got.index == want.index && close(got.value, want.value) && close(got.center, want.center)
                            && close(got.ucl, want.ucl) && close(got.lcl, want.lcl) && got.signals == signals && got.phase == .baseline,
                            "\(config.name) \(series) point \(want.index): live \(got), batch \(want)")
                    signalled += got.signals.isEmpty ? 0 : 1
                }
            }
        }
        #expect(signalled > 20, "the data should make the charts signal (\(signalled) points did)")
        // `smtq report spc` over the second half shows the live points: its series starts at the baseline too.
        let middle = EngineData.start.addingTimeInterval(86_400).storeMicroseconds
        try rig.read { db in
            for config in Self.charts {
                let report = try SPCReportQuery.run(db, chart: config, scope: ReportScope(since: middle), time: Self.time)
                #expect(report.limits != nil)
                for (series, reported) in batchSeries(report.result) {
                    let live = Dictionary(points.filter { $0.chart == config.name && $0.series == series }.map { ($0.index, $0) },
                                          uniquingKeysWith: { a, _ in a })
                    let shared = reported.filter { live[$0.index] != nil }
                    #expect(shared.count >= reported.count - 1 && !shared.isEmpty, "\(config.name) \(series)")
                    for point in shared {
                        let got = live[point.index]!
                        #expect(close(got.value, point.value) && close(got.ucl, point.ucl) && got.signals == point.signals,
                                "\(config.name) \(series) point \(point.index): live \(got), report \(point)")
                    }
                }
            }
        }
    }

    @Test func phaseOnePointsEqualTheBatchChartOverTheDataSoFar() throws {
        let (rig, subgroups, _) = try run(frozen: false, seed: 3, count: 1200)
        let points = rig.points
        for config in Self.charts where config.type != .ewma && config.type != .cusum {
            let chart = StoredChart(config, time: Self.time)
            let groups = try #require(subgroups[config.name])
            let live = points.filter { $0.chart == config.name }
            #expect(!live.isEmpty)
            // Every point of the first 60, then every 7th: each check recomputes the chart over its prefix.
            for point in live where point.index <= 60 || point.index % 7 == 0 {
                let prefix = Array(groups.prefix(point.index))
                let batch = batchSeries(try Charts.compute(config.type.rawValue, Subgroup.chartInput(prefix, type: config.type.rawValue),
                                                           chart.options))
                let want = try #require(batch[point.series]?.last)
                #expect(point.index == want.index && close(point.value, want.value) && close(point.center, want.center)
                        && close(point.ucl, want.ucl) && close(point.lcl, want.lcl) && point.signals == want.signals
                        && point.phase == .estimated, "\(config.name) \(point.series) point \(point.index): live \(point), batch \(want)")
            }
            let expectedPoints = config.type == .imr ? groups.count - 1 : groups.count
            #expect(Set(live.map(\.index)).count == expectedPoints, "\(config.name)")
        }
        let statuses = try rig.engine(Self.charts, time: Self.time).statuses
        #expect(statuses.first { $0.chart == "ewma" }?.waiting?.contains("smtq spc baseline ewma") == true)
    }
}
