import Foundation
import GRDB
import Logging
@testable import SMTQAlerts
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQStore
import SMTQTestSupport
import Testing

/// The live engine's points feed `spc_signal` rules; after a restart the engine closes its last bucket again,
/// and that replay must not fire the alert a second time.
struct SPCReplayTests {
    static let start = Date(timeIntervalSince1970: 1_795_132_800)  // 2026-11-18T00:00:00Z

    /// Hours of 40 units each at L1/AOI-1; `failing` hours have 30 failed units (far beyond the p chart's UCL).
    func hours(_ range: Range<Int>, failing: Set<Int>) -> [IncomingUnit] {
        range.flatMap { hour in
            (0..<40).map { index in
                IncomingUnit(record: UnitRecord(
                    line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "H\(hour)-\(index)",
                    result: index < (failing.contains(hour) ? 30 : 2) ? .fail : .pass,
                    time: Self.start.addingTimeInterval(Double(hour * 3600 + index * 60 + 30))))
            }
        }
    }

    /// A writer, an engine and an evaluator over one database, as smtqd wires them.
    struct Parts {
        let writer: StoreWriter
        let engine: SPCEngine
        let evaluator: AlertEvaluator
        let points = Locked<[LivePoint]>([])

        init(_ configuration: SMTQConfig.Configuration) throws {
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            let path = configuration.storage.databasePath
            writer = try StoreWriter(options: StorageConfig(databasePath: path, synchronous: .off, batchMaxDelay: .milliseconds(2)))
            engine = SPCEngine(charts: configuration.spc.charts, time: configuration.time,
                               reader: try StoreDatabase.openReadOnly(path: path), logger: logger)
            evaluator = AlertEvaluator(configuration: configuration, writer: writer,
                                       reader: try StoreDatabase.openReadOnly(path: path), logger: logger)
            engine.onPoint { [evaluator, points] point in
                points.withLock { $0.append(point) }
                evaluator.receive(point)
            }
            writer.onCommit { [engine, evaluator] batch in
                engine.receive(batch)
                evaluator.receive(batch)
            }
            evaluator.start(tick: .seconds(3600))
            engine.start(tick: .seconds(3600))
        }

        func stop() {
            engine.drain()
            evaluator.drain()
            engine.stop()
            evaluator.stop()
            writer.shutdown()
        }

        var events: [String] {
            (try? writer.read { try String.fetchAll($0, sql: "SELECT event FROM alert_events ORDER BY id") }) ?? []
        }
    }

    @Test("a signal fires once; the engine's replay of the last closed bucket after a restart does not fire it again")
    func replayAfterRestart() throws {
        let folder = try TemporaryFolder("smtq-spc-alerts")
        let configuration = try Make.configuration("""
            lines:
              L1: {route: [AOI-1]}
            devices: []
            spc:
              charts:
                - {name: aoi-p, chart: p, line: L1, station: AOI-1, subgroup: {every: 1h}, rules: [nelson1]}
            alerts:
              hooks:
                log: {exec: [/bin/true]}
              rules:
                - {name: aoi-p-signal, type: spc_signal, chart: aoi-p, hooks: [log]}
            """, database: folder.path("smtq.sqlite"))
        let afterHour4 = Self.start.addingTimeInterval(4 * 3600 + 120)
        do {
            let parts = try Parts(configuration)
            for unit in hours(0..<4, failing: [3]) { _ = parts.writer.submitAndWait(.units([unit], cursor: nil)) }
            parts.engine.drain()
            // Hour 3 (the failing one) is closed by the clock.
            parts.engine.tick(now: afterHour4)
            parts.engine.drain()
            parts.evaluator.drain()
            #expect(parts.events == ["firing"])
            parts.stop()
        }
        let parts = try Parts(configuration)
        parts.engine.tick(now: afterHour4)
        parts.engine.drain()
        parts.evaluator.drain()
        #expect(parts.points.withLock { $0 }.contains { $0.signals == ["nelson1"] }, "the engine replayed the signal")
        #expect(parts.events == ["firing"], "the replayed point fired again")
        // A next hour without a signal resolves it.
        for unit in hours(4..<5, failing: []) { _ = parts.writer.submitAndWait(.units([unit], cursor: nil)) }
        parts.engine.tick(now: Self.start.addingTimeInterval(5 * 3600 + 120))
        parts.engine.drain()
        parts.evaluator.drain()
        #expect(parts.events == ["firing", "resolved"])
        let payload = try parts.writer.read { try String.fetchOne($0, sql: "SELECT payload FROM alert_events ORDER BY id LIMIT 1") }
        let decoded = try JSONDecoder().decode(AlertPayload.self, from: Data((payload ?? "").utf8))
        #expect(decoded.kind == .spc && decoded.scope.chart == "aoi-p" && decoded.signals == ["nelson1"])
        parts.stop()
    }
}
