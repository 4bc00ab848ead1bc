import ArgumentParser
import Foundation
import GRDB
import SMTQConfig
import SMTQCore
import SMTQStore

/// Hourly per-station FPY and p-chart subgroups over millions of stored results: smtq's rollups next to the
/// same direct aggregation over the units table, both run by the sqlite3 shell on the same file, with the
/// answers compared row for row.
struct ReportBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "Rollup queries and the smtq report commands against direct aggregation in the sqlite3 shell (needs sqlite3)."
    )

    @Option(help: "Results to generate.") var units = 10_000_000
    @Option(help: "The database (generated unless --reuse).") var db = NSTemporaryDirectory() + "/smtq-bench-reports.sqlite"
    @Flag(help: "Use the database from an earlier run.") var reuse = false
    @Option(help: "Timed runs of each query.") var rounds = 2
    @Option(help: "The sqlite3 shell.") var sqlite3 = "/usr/bin/sqlite3"
    @Option(help: "Python with pandas and duckdb (scripts/bootstrap --bench makes .build/bench-venv).")
    var python = DaemonBenchmark.repository + "/.build/bench-venv/bin/python"
    @Option(help: "Timed runs of the pandas answers (each reads millions of rows).") var pandasRounds = 1
    @Flag(help: "Only the smtq commands against the sqlite3 shell, pandas and DuckDB (skip direct SQL against rollups).")
    var commandsOnly = false
    @Flag(help: "Skip pandas and DuckDB.") var noPeers = false

    static let queries: [(name: String, sql: String)] = [
        ("fpy direct", """
            WITH firsts AS (SELECT station_id, serial, min(time) AS t FROM units GROUP BY station_id, serial)
            SELECT f.station_id, f.t / 3600000000, count(*), sum(u.result = 0)
            FROM firsts f JOIN units u ON u.serial = f.serial AND u.station_id = f.station_id AND u.time = f.t
            GROUP BY 1, 2 ORDER BY 1, 2;
            """),
        ("fpy rollups", """
            SELECT station_id, bucket / 4, sum(units), sum(first_pass_units) FROM rollups
            GROUP BY 1, 2 HAVING sum(units) > 0 ORDER BY 1, 2;
            """),
        ("p-chart direct", """
            SELECT station_id, time / 3600000000, count(*), sum(result) FROM units GROUP BY 1, 2 ORDER BY 1, 2;
            """),
        ("p-chart rollups", """
            SELECT station_id, bucket / 4, sum(event_tests), sum(event_fails) FROM rollups
            GROUP BY 1, 2 HAVING sum(event_tests) > 0 ORDER BY 1, 2;
            """),
    ]

    func run() throws {
        if !reuse { try generate() }
        let count = try StoreDatabase.openReadOnly(path: db).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM units") } ?? 0
        let rollupRows = try StoreDatabase.openReadOnly(path: db).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM rollups") } ?? 0
        print("reports over \(count) stored results (\(rollupRows) rollup rows), sqlite3 shell, \(rounds) rounds")
        Figures.record("reports.results", Double(count), "results", note: "\(rollupRows) rollup rows")
        if commandsOnly { return try compareCommands() }
        var times: [String: [Double]] = [:]
        var outputs: [String: String] = [:]
        for _ in 1...rounds {
            for query in Self.queries {
                let (seconds, output) = try shell(query.sql)
                times[query.name, default: []].append(seconds)
                outputs[query.name] = output
                print(String(format: "  %-16@ %8.3f s  (%d rows)", query.name, seconds, output.split(separator: "\n").count))
            }
        }
        for kind in ["fpy", "p-chart"] {
            let direct = Bench.median(times["\(kind) direct"]!), rollups = Bench.median(times["\(kind) rollups"]!)
            let same = outputs["\(kind) direct"] == outputs["\(kind) rollups"]
            print(String(format: "%@: direct %.3f s, rollups %.3f s, %.0fx faster; answers %@", kind, direct, rollups,
                         direct / rollups, same ? "identical" : "DIFFER"))
            if !same { throw ExitCode.failure }
        }
        try compareCommands()
    }

    func shell(_ sql: String) throws -> (Double, String) {
        try Bench.process(sqlite3, ["-readonly", db, sql])
    }

    private func generate() throws {
        try Self.generate(db: db, units: units, start: Date(timeIntervalSince1970: 1_780_000_000))
    }

    /// Serials through AOI-1, ICT-1 and FCT-1 (PCB-B skips FCT), one every 3 s from `start`, with failures,
    /// retests minutes later and AOI defects; stations interleave, so results arrive out of time order.
    static func generate(db: String, units: Int, start: Date) throws {
        Bench.removeDatabase(db)
        let writer = try StoreWriter(options: StorageConfig(databasePath: db, synchronous: .off, batchMaxRecords: 1000,
                                                            memoryBufferRecords: 1_000_000))
        var random = SystemRandomNumberGenerator()
        let inFlight = DispatchSemaphore(value: 16)
        var pending: [IncomingUnit] = []
        var produced = 0
        let hostTime = Date()
        func emit(_ record: UnitRecord) {
            pending.append(IncomingUnit(record: record, hostTime: hostTime))
            produced += 1
            if pending.count == 1000 {
                inFlight.wait()
                writer.submit(.units(pending, cursor: nil)) { _ in inFlight.signal() }
                pending.removeAll(keepingCapacity: true)
            }
        }
        let generation = Bench.seconds {
            var serial = 0
            while produced < units {
                let program = serial % 3 == 0 ? "PCB-B" : "PCB-A"
                let base = start.addingTimeInterval(Double(serial) * 3)
                let route = program == "PCB-B" ? [("AOI-1", 0.04), ("ICT-1", 0.02)] : [("AOI-1", 0.04), ("ICT-1", 0.02), ("FCT-1", 0.01)]
                for (offset, (station, failRate)) in route.enumerated() {
                    let time = base.addingTimeInterval(Double(offset) * 600)
                    let fails = Double.random(in: 0..<1, using: &random) < failRate
                    let defects: [DefectRecord]? = station == "AOI-1" ? (0..<Int.random(in: 0...2, using: &random)).map { _ in
                        DefectRecord(refdes: "C\(Int.random(in: 1...40, using: &random))", part: "CAP", code: "BRIDGE",
                                     category: "bridge", verdict: Double.random(in: 0..<1, using: &random) < 0.3 ? .falseCall : .real)
                    } : nil
                    emit(UnitRecord(line: "L1", station: station, device: station.lowercased(), program: program,
                                    serial: "SN\(serial)", result: fails ? .fail : .pass, time: time, defects: defects))
                    if fails {
                        emit(UnitRecord(line: "L1", station: station, device: station.lowercased(), program: program,
                                        serial: "SN\(serial)", result: .pass, time: time.addingTimeInterval(300)))
                    }
                }
                serial += 1
            }
            if !pending.isEmpty { _ = writer.submitAndWait(.units(pending, cursor: nil)) }
            for _ in 0..<16 { inFlight.wait() }
            for _ in 0..<16 { inFlight.signal() }
        }
        writer.shutdown()
        print(String(format: "generated %d results through the writer in %.1f s (%.0f results/s)", produced, generation,
                     Double(produced) / generation))
    }
}
