import ArgumentParser
import CIngestBaseline
import Foundation
import GRDB
import SMTQConfig
import SMTQCore
import SMTQStore

/// Units per second through the store writer (rollups and first-pass flags included) next to a plain
/// sqlite3 C-API loop inserting the same rows into the same tables with the same batch size.
struct IngestBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Writer throughput against a plain C sqlite3 insert loop, alternating, in one run."
    )

    @Option(help: "Units per measurement.") var units = 200_000
    @Option(help: "Defects per unit.") var defects = 3
    @Option(help: "Units per transaction.") var batch = 500
    @Option(help: "Rounds of each contender (alternating).") var rounds = 3
    @Option(help: "Folder for the databases.") var folder = NSTemporaryDirectory()

    func run() throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let records = Bench.units(count: units, defects: defects, prefix: "SN", start: start)
        var results: [String: [Double]] = [:]
        print("ingest: \(units) units × \(defects) defects, \(batch) per transaction, WAL, synchronous=NORMAL")
        for round in 1...rounds {
            let c = try baseline(start: start)
            let chunked = try writer(records, unitsPerWrite: batch)
            let single = try writer(records, unitsPerWrite: 1)
            for (name, seconds) in [("c-loop", c), ("writer-500", chunked), ("writer-1", single)] {
                results[name, default: []].append(Double(units) / seconds)
                print(String(format: "round %d  %-11@ %9.0f units/s", round, name, Double(units) / seconds))
            }
        }
        let c = Bench.median(results["c-loop"]!)
        Figures.record("ingest.c_loop", c, "units/s", note: "sqlite3 C API, \(batch) units a transaction")
        for (name, key, target) in [("writer-500", "import", nil), ("writer-1", "acquisition", Target.atLeast(60))] {
            let rate = Bench.median(results[name]!)
            let shares = zip(results[name]!, results["c-loop"]!).map { String(format: "%.0f %%", 100 * $0 / $1) }
            Figures.record("ingest.\(key)", rate, "units/s", note: name == "writer-1" ? "one unit a write, a callback each" : "writes of \(batch) units")
            Figures.ratio("ingest.\(key)/c_loop", 100 * rate / c, unit: " %", target: target,
                          comparison: "medians of \(rounds) alternating rounds; per round \(shares.joined(separator: ", "))")
        }
    }

    private func baseline(start: Date) throws -> Double {
        let path = folder + "/smtq-bench-c.sqlite"
        Bench.removeDatabase(path)
        let queue = try StoreDatabase.openForWriting(path: path)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO lines (id, name) VALUES (1, 'L1');
                INSERT INTO stations (id, line_id, name) VALUES (1, 1, 'AOI-1');
                INSERT INTO devices (id, name, station_id) VALUES (1, 'aoi1', 1);
                INSERT INTO programs (id, name) VALUES (1, 'PCB-A');
                """)
        }
        try queue.close()
        let seconds = smtq_baseline_ingest(path, Int32(units), Int32(defects), Int32(batch),
                                           Int64(start.timeIntervalSince1970 * 1_000_000))
        guard seconds > 0 else { throw ValidationError("the C baseline failed") }
        Bench.removeDatabase(path)
        return seconds
    }

    /// Submits everything without waiting (the writer batches), and times until the last write is durable.
    private func writer(_ records: [UnitRecord], unitsPerWrite: Int) throws -> Double {
        let path = folder + "/smtq-bench-writer.sqlite"
        Bench.removeDatabase(path)
        let writer = try StoreWriter(options: StorageConfig(databasePath: path, synchronous: .normal,
                                                            batchMaxRecords: batch, memoryBufferRecords: 10_000_000))
        let done = DispatchGroup()
        let hostTime = Date()
        let seconds = Bench.seconds {
            var index = 0
            while index < records.count {
                let end = min(records.count, index + unitsPerWrite)
                let units = records[index..<end].map { IncomingUnit(record: $0, hostTime: hostTime) }
                done.enter()
                writer.submit(.units(units, cursor: nil)) { _ in done.leave() }
                index = end
            }
            done.wait()
        }
        let stored = try writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM units") }
        writer.shutdown()
        guard stored == records.count else { throw ValidationError("writer stored \(stored ?? 0) of \(records.count)") }
        Bench.removeDatabase(path)
        return seconds
    }
}
