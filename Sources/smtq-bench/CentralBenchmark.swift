import ArgumentParser
import Foundation
import SMTQConfig
import SMTQCore
import SMTQStore

/// Forwarding into the central PostgreSQL (a throwaway cluster on loopback, scripts/pg-cluster) against a
/// plain psql `\copy` of the same rows into the same tables, alternating in one run; then a backlog drain
/// and the plant-wide yield report over what the central database holds.
struct CentralBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "central",
        abstract: "Forwarding throughput against psql COPY of the same rows, a backlog's drain time, plant-wide yield time."
    )

    @Option(help: "Units (3 defects each) forwarded per throughput round.") var units = 200_000
    @Option(help: "Units in the backlog drained once (0: skip).") var backlog = 1_000_000
    @Option(help: "Throughput rounds (each: forwarding, then COPY).") var rounds = 3
    @Option(help: "Where the databases and the cluster go.") var folder = NSTemporaryDirectory() + "smtq-bench-central"

    func run() throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let smtq = bin.appendingPathComponent("smtq").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let cluster = folder + "/pg"
        let started = try ChildProcess.run("/bin/bash", ["scripts/pg-cluster", "start", cluster])
        guard started.status == 0 else { throw ValidationError("pg-cluster start: \(started.error)") }
        defer { _ = try? ChildProcess.run("/bin/bash", ["scripts/pg-cluster", "stop", cluster]) }
        let port = started.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let password = try String(contentsOfFile: cluster + "/password", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        setenv("PGPASSWORD", password, 1)
        setenv("SMTQ_BENCH_PG", password, 1)
        let url = "postgresql://smtq@127.0.0.1:\(port)/smtq"
        _ = try Bench.process(smtq, ["central", "migrate", "--db", url])
        func psql(_ command: String) throws -> (Double, String) {
            try Bench.process("/usr/bin/psql", ["-h", "127.0.0.1", "-p", port, "-U", "smtq", "-d", "smtq", "-v", "ON_ERROR_STOP=1", "-Atqc", command])
        }
        func config(_ database: String, host: String) throws -> String {
            let path = folder + "/\(host).yaml"
            try """
                site: bench
                storage: {database: \(database)}
                lines:
                  L1: {route: [AOI-1]}
                forward:
                  postgres: {url: "\(url)", password_env: SMTQ_BENCH_PG, host: \(host), batch: 2000}
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        func push(_ configPath: String) throws -> Double {
            try Bench.process(smtq, ["central", "push", "--config", configPath]).0
        }

        let database = folder + "/line.sqlite"
        try Self.generate(units, path: database, start: Date(timeIntervalSince1970: 1_780_000_000))
        let lineConfig = try config(database, host: "line1")
        let unitsFile = folder + "/units.copy", defectsFile = folder + "/defects.copy"
        var forwarding: [Double] = [], copying: [Double] = []
        for round in 1...rounds {
            _ = try psql("TRUNCATE units, defects, measurements, rollups, device_events")
            try StoreDatabase.openForWriting(path: database, synchronous: .normal).write { try $0.execute(sql: "DELETE FROM forward_cursors") }
            let forward = try push(lineConfig)
            if round == 1 {
                _ = try psql("\\copy (SELECT * FROM units) TO '\(unitsFile)'")
                _ = try psql("\\copy (SELECT * FROM defects) TO '\(defectsFile)'")
            }
            let stored = try psql("SELECT (SELECT count(*) FROM units) || ' ' || (SELECT count(*) FROM defects)").1
            _ = try psql("TRUNCATE units, defects, measurements, rollups, device_events")
            let copy = try Bench.seconds {
                _ = try psql("\\copy units FROM '\(unitsFile)'")
                _ = try psql("\\copy defects FROM '\(defectsFile)'")
            }
            forwarding.append(forward)
            copying.append(copy)
            print(String(format: "round %d: forwarding %.2f s (%.0f units/s), psql COPY of the same rows %.2f s (%.0f units/s); central rows %@",
                         round, forward, Double(units) / forward, copy, Double(units) / copy,
                         stored.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        let forward = Bench.median(forwarding), copy = Bench.median(copying)
        let shares = zip(forwarding, copying).map { 100 * $1 / $0 }
        print(String(format: "forwarding: median %.0f units/s with 3 defects each, psql COPY median %.0f units/s; share per round %@, median %.0f%%",
                     Double(units) / forward, Double(units) / copy, shares.map { String(format: "%.0f%%", $0) }.joined(separator: " "),
                     Bench.median(shares)))
        Figures.record("forwarding.psql_copy", Double(units) / copy, "units/s", note: "the same rows, psql \\copy")
        Figures.record("forwarding.smtq", Double(units) / forward, "units/s", note: "smtq central push, 3 defects a unit")
        Figures.ratio("forwarding.smtq/psql_copy", Bench.median(shares), unit: " %", target: .atLeast(50),
                      comparison: "median of the rounds' shares \(shares.map { String(format: "%.0f %%", $0) }.joined(separator: ", "))")

        guard backlog > 0 else { return }
        _ = try psql("TRUNCATE units, defects, measurements, rollups, device_events")
        let big = folder + "/backlog.sqlite"
        try Self.generate(backlog, path: big, start: Date(timeIntervalSince1970: 1_781_000_000))
        let drain = try push(try config(big, host: "line2"))
        print(String(format: "backlog: %d units (3 defects each) drained in %.1f s (%.0f units/s)", backlog, drain, Double(backlog) / drain))
        Figures.record("forwarding.backlog", Double(backlog) / drain, "units/s", note: "\(backlog) units drained in \(Figures.format(drain)) s")
        let report = try Bench.process(smtq, ["report", "yield", "--by", "line,station,day", "--db", url, "--format", "json"]).0
        let rows = try psql("SELECT count(*) FROM rollups").1.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = Double(try psql("""
            SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
            JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('units', 'defects', 'measurements')
            """).1.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        print(String(format: "central size: %.0f bytes per unit with 3 defects (tables and indexes)", bytes / Double(backlog)))
        print(String(format: "plant-wide report yield --by line,station,day over %d central results (%@ rollup rows): %.2f s",
                     backlog, rows, report))
        Figures.record("forwarding.central_report", report, "s", note: "report yield --by line,station,day over \(backlog) central results")
    }

    /// Units with three defects each, one per second over four stations, written by the store writer.
    static func generate(_ count: Int, path: String, start: Date) throws {
        Bench.removeDatabase(path)
        let writer = try StoreWriter(options: StorageConfig(databasePath: path, synchronous: .off, batchMaxRecords: 2000,
                                                            memoryBufferRecords: 1_000_000))
        var batch: [IncomingUnit] = []
        let seconds = try Bench.seconds {
            for (index, record) in Bench.units(count: count, defects: 3, prefix: "C", start: start).enumerated() {
                var record = record
                record.station = "AOI-\(index % 4 + 1)"
                record.device = "aoi\(index % 4 + 1)"
                batch.append(IncomingUnit(record: record, hostTime: record.time))
                if batch.count == 2000 || index == count - 1 {
                    guard case .durable = writer.submitAndWait(.units(batch, cursor: nil)) else { throw ValidationError("the writer refused a batch") }
                    batch.removeAll(keepingCapacity: true)
                }
            }
        }
        writer.shutdown()
        print(String(format: "generated %d units in %.1f s", count, seconds))
    }
}
