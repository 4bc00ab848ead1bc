import Foundation
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQStatistics
import SMTQStore
import Testing

/// A chart on a process value (a measurement of the station, not of a unit), live and after a restart.
struct ProcessValueChartTests {
    static let chart = ChartConfig(name: "zone3", type: .imr, line: "L1", station: "OVEN-1", measurement: "zone3",
                                   rules: [.nelson1])

    static func values(_ levels: [Double], from offset: Int = 0) -> [ProcessValueRecord] {
        levels.enumerated().map { index, value in
            ProcessValueRecord(line: "L1", station: "OVEN-1", device: "oven1", name: "zone3",
                               time: EngineData.start.addingTimeInterval(Double(offset + index) * 10), value: value, unit: "C")
        }
    }

    @Test("committed process values are the chart's individuals, live and in the batch chart alike")
    func liveAndBatch() throws {
        let rig = try EngineRig()
        let engine = try rig.engine([Self.chart])
        defer { engine.stop() }
        var random = SeededRandom(seed: 5)
        let levels = (0..<60).map { index in 240 + random.uniform(-1, 1) + (index == 55 ? 12 : 0) }
        for chunk in stride(from: 0, to: levels.count, by: 7) {
            let part = Self.values(Array(levels[chunk..<min(levels.count, chunk + 7)]), from: chunk)
            #expect(rig.writer.submitAndWait(.processValues(part)) == .durable(stored: part.count, duplicates: 0))
        }
        // Another station's and another name's values are not this chart's.
        _ = rig.writer.submitAndWait(.processValues([
            ProcessValueRecord(line: "L1", station: "OVEN-2", device: "oven2", name: "zone3", time: EngineData.start, value: 999),
            ProcessValueRecord(line: "L1", station: "OVEN-1", device: "oven1", name: "zone4", time: EngineData.start, value: 999),
        ]))
        engine.drain()
        let live = rig.points.filter { $0.series == "individuals" }
        // Phase I: the first value has no limits yet, so the live points start at the second.
        #expect(live.map(\.value) == Array(levels.dropFirst()))
        #expect(live.first?.index == 2)
        #expect(live.last(where: { !$0.signals.isEmpty })?.index == 56, "the jump at the 56th value is beyond the limits")
        let subgroups = try rig.read { db in try StoredChart(Self.chart, time: TimeConfig()).subgroups(db) }
        #expect(subgroups?.flatMap(\.values) == levels)
    }
}

extension SeededRandom {
    mutating func uniform(_ low: Double, _ high: Double) -> Double { Double.random(in: low..<high, using: &self) }
}
