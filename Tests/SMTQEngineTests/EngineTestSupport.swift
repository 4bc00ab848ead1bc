import Foundation
import GRDB
import Logging
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQStatistics
import SMTQStore
import SMTQTestSupport
import Testing

/// A store with a writer whose commits feed an engine, and the points the engine emitted.
final class EngineRig: @unchecked Sendable {
    let folder: TemporaryFolder
    let writer: StoreWriter
    private let collected = Locked<[LivePoint]>([])

    var path: String { folder.path("smtq.sqlite") }
    var points: [LivePoint] { collected.withLock { $0 } }

    init(folder: TemporaryFolder? = nil) throws {
        self.folder = try folder ?? TemporaryFolder("smtq-engine")
        writer = try StoreWriter(options: StorageConfig(databasePath: self.folder.path("smtq.sqlite"), synchronous: .off,
                                                        batchMaxRecords: 200, batchMaxDelay: .milliseconds(2)))
    }

    /// Starts an engine over `charts`, subscribed to the writer's commits.
    func engine(_ charts: [ChartConfig], time: TimeConfig = TimeConfig()) throws -> SPCEngine {
        var logger = Logger(label: "test.spc")
        logger.logLevel = .warning
        let engine = SPCEngine(charts: charts, time: time, reader: try StoreDatabase.openReadOnly(path: path), logger: logger)
        engine.onPoint { [collected] point in collected.withLock { $0.append(point) } }
        writer.onCommit { engine.receive($0) }
        engine.start(tick: Duration.seconds(3600))
        return engine
    }

    /// Writes records in batches of random sizes, each batch its own commit.
    func write(_ records: [UnitRecord], random: inout SeededRandom) {
        var rest = records[...]
        while !rest.isEmpty {
            let size = min(rest.count, Int.random(in: 1...40, using: &random))
            let outcome = writer.submitAndWait(.units(rest.prefix(size).map { IncomingUnit(record: $0, hostTime: $0.time) }, cursor: nil))
            #expect(outcome == .durable(stored: size, duplicates: 0))
            rest = rest.dropFirst(size)
        }
    }

    func read<T>(_ work: (Database) throws -> T) throws -> T {
        try StoreDatabase.openReadOnly(path: path).read(work)
    }
}

enum EngineData {
    static let start = Date(timeIntervalSince1970: 1_795_132_800)  // 2026-11-18T00:00:00Z

    /// Results at L1/AOI-1 (and ICT-1 for measurements) every 20–100 s, with a fail rate and a VCC level
    /// that drift, so that charts leave their limits and run rules fire.
    static func records(count: Int, random: inout SeededRandom, from: Date = start, serialPrefix: String = "SN",
                        failRate: (Int) -> Double = { index in index % 900 < 300 ? 0.04 : 0.09 },
                        level: (Int) -> Double = { index in 3.3 + (index % 700 < 350 ? 0 : 0.01) }) -> [UnitRecord] {
        var time = from
        var records: [UnitRecord] = []
        for index in 0..<count {
            time = time.addingTimeInterval(Double.random(in: 20...100, using: &random))
            let fails = Double.random(in: 0..<1, using: &random) < failRate(index)
            let defects = (0..<(fails ? Int.random(in: 1...3, using: &random) : 0)).map { _ in
                DefectRecord(refdes: "C\(Int.random(in: 1...9, using: &random))", part: "CAP", code: "BRIDGE", category: "bridge",
                             verdict: .real)
            } + (Double.random(in: 0..<1, using: &random) < 0.2
                ? [DefectRecord(refdes: "R1", part: "RES", code: "OFFSET", category: "offset", verdict: .falseCall)] : [])
            let noise = (0..<12).reduce(0.0) { sum, _ in sum + Double.random(in: 0..<1, using: &random) } - 6
            records.append(UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: index % 4 == 0 ? "PCB-B" : "PCB-A",
                                      serial: "\(serialPrefix)\(index)", position: 1, result: fails ? .fail : .pass, time: time,
                                      cycleMilliseconds: 900, defects: defects.isEmpty ? nil : defects,
                                      measurements: [MeasurementRecord(name: "VCC", value: level(index) + 0.02 * noise, unit: "V",
                                                                       lsl: 3.2, usl: 3.4)]))
        }
        return records
    }
}

/// Every point of each plotted series of a batch chart, by the series names the engine uses.
func batchSeries(_ result: ChartResult) -> [String: [ChartPoint]] {
    switch result {
    case let .attribute(_, series), let .ewma(_, series): return ["points": series.points]
    case let .subgroups(type, _, xbar, spread): return ["xbar": xbar.points, type == "xbar-r" ? "range" : "stdev": spread.points]
    case let .imr(_, individuals, movingRange): return ["individuals": individuals.points, "moving_range": movingRange.points]
    case let .cusum(_, h, _, sigma, points):
        return ["cusum": points.map { ChartPoint(index: $0.index, value: max($0.cplus, $0.cminus), center: 0, ucl: h * sigma, lcl: 0,
                                                  signals: $0.signals, x: $0.x, sigma: sigma) }]
    case .capability: return [:]
    }
}

func close(_ a: Double?, _ b: Double?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return abs(a - b) <= max(1e-12, 1e-9 * max(abs(a), abs(b)))
}
