import ArgumentParser
import Foundation
import GRDB
import Logging
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQStore

/// The live SPC engine's cost per committed unit with ten charts of every kind on one station, at two
/// volumes: a flat cost per unit shows the work does not grow with the history (O(1) per record).
struct EngineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "CPU per committed unit of the live SPC engine (ten charts), over --units and a tenth of them."
    )

    @Option(help: "Units fed to the engine in the larger run.") var units = 1_000_000
    @Option(help: "Units per committed batch.") var batch = 100

    static let charts: [ChartConfig] = [
        ChartConfig(name: "p-1h", type: .p, line: "L1", station: "AOI-1", subgroup: .every(.seconds(3600)), rules: RunRule.allCases),
        ChartConfig(name: "p-15m-A", type: .p, line: "L1", station: "AOI-1", program: "PCB-A", subgroup: .every(.seconds(900)),
                    rules: RunRule.allCases),
        ChartConfig(name: "np-50", type: .np, line: "L1", station: "AOI-1", subgroup: .units(50), rules: RunRule.allCases),
        ChartConfig(name: "c-1h", type: .c, line: "L1", station: "AOI-1", subgroup: .every(.seconds(3600)), rules: RunRule.allCases),
        ChartConfig(name: "u-shift", type: .u, line: "L1", station: "AOI-1", subgroup: .shift, rules: RunRule.allCases),
        ChartConfig(name: "xbar-r", type: .xbarR, line: "L1", station: "AOI-1", measurement: "VCC", subgroup: .units(5), rules: RunRule.allCases),
        ChartConfig(name: "xbar-s", type: .xbarS, line: "L1", station: "AOI-1", measurement: "VCC", subgroup: .units(8), rules: RunRule.allCases),
        ChartConfig(name: "imr", type: .imr, line: "L1", station: "AOI-1", measurement: "VCC", rules: RunRule.allCases),
        ChartConfig(name: "ewma", type: .ewma, line: "L1", station: "AOI-1", measurement: "VCC", rules: RunRule.allCases),
        ChartConfig(name: "cusum", type: .cusum, line: "L1", station: "AOI-1", measurement: "VCC"),
    ]

    func run() throws {
        let folder = NSTemporaryDirectory() + "/smtq-bench-engine-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/smtq.sqlite"
        _ = try StoreDatabase.openForWriting(path: path).write { db in
            try SPCLimitsStore.activate(db, chart: "ewma", limits: .init(type: "ewma", target: 3.3, sigma: 0.02), baselineFrom: nil,
                                        baselineTo: nil, baselinePoints: 25, createdBy: "bench")
            try SPCLimitsStore.activate(db, chart: "cusum", limits: .init(type: "cusum", target: 3.3, sigma: 0.02), baselineFrom: nil,
                                        baselineTo: nil, baselinePoints: 25, createdBy: "bench")
        }
        let time = TimeConfig(timeZone: "Europe/Berlin", shifts: [
            ShiftConfig(name: "early", startMinute: 360, endMinute: 840), ShiftConfig(name: "late", startMinute: 840, endMinute: 1320),
            ShiftConfig(name: "night", startMinute: 1320, endMinute: 360),
        ])
        var results: [(Int, Double, Int)] = []
        for count in [units / 10, units] {
            let batches = Self.batches(count: count, size: batch)
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let points = Locked(0)
            let engine = SPCEngine(charts: Self.charts, time: time, reader: try StoreDatabase.openReadOnly(path: path), logger: logger)
            engine.onPoint { _ in points.withLock { $0 += 1 } }
            engine.start(tick: .seconds(3600))
            let before = PollingBenchmark.processCPU()
            let wall = Bench.seconds {
                for committed in batches { engine.receive(committed) }
                engine.drain()
            }
            let cpu = PollingBenchmark.processCPU() - before
            engine.stop()
            results.append((count, cpu, points.withLock { $0 }))
            print(String(format: "%9d units, %8d points: %.2f s wall, %.2f s CPU, %.2f µs CPU per unit (%.0f units/s)", count, points.withLock { $0 }, wall,
                         cpu, cpu / Double(count) * 1e6, Double(count) / wall))
        }
        let small = results[0].1 / Double(results[0].0), large = results[1].1 / Double(results[1].0)
        print(String(format: "cost per unit at %dx the volume: %.2fx", results[1].0 / results[0].0, large / small))
        Figures.record("engine.cost", large * 1e6, "µs CPU/unit", note: "ten charts on one station, \(results[1].0) units")
    }

    /// Results one every 3 s with failures, defects and a VCC value, in committed batches.
    static func batches(count: Int, size: Int) -> [CommittedBatch] {
        var random = SeededRandom(seed: 5)
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        return stride(from: 0, to: count, by: size).map { first in
            CommittedBatch(units: (first..<min(first + size, count)).map { index in
                let fails = Double.random(in: 0..<1, using: &random) < 0.05
                let record = UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: index % 3 == 0 ? "PCB-B" : "PCB-A",
                                        serial: "B\(index)", position: 1, result: fails ? .fail : .pass,
                                        time: start.addingTimeInterval(Double(index) * 3), cycleMilliseconds: 900,
                                        defects: fails ? [DefectRecord(refdes: "C1", code: "BRIDGE", verdict: .real)] : nil,
                                        measurements: [MeasurementRecord(name: "VCC", value: 3.3 + Double.random(in: -0.03...0.03, using: &random))])
                return StoredUnit(id: Int64(index + 1), record: record, isFirstPass: true)
            })
        }
    }
}
