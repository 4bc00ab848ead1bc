import Foundation
import GRDB
import SMTQCore
@testable import SMTQStore
import Testing

/// Rollups and first-pass flags, maintained incrementally by the writer, against a direct aggregation of
/// the same records by the metric definitions.
struct RollupTests {
    struct Key: Hashable, CustomStringConvertible {
        var station: String
        var program: String
        var bucket: Int64
        var description: String { "\(station)/\(program)/\(bucket)" }
    }

    typealias Counts = [String: Int64]

    static func bucket(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded()).quotientAndRemainder(dividingBy: StoreSchema.bucketMicroseconds).quotient
    }

    /// The definitions, applied directly: cohorts by the bucket of each serial's first result at a station,
    /// events by their own bucket.
    static func expected(_ records: [UnitRecord]) -> [Key: Counts] {
        var result: [Key: Counts] = [:]
        func add(_ key: Key, _ column: String, _ value: Int64) {
            result[key, default: [:]][column, default: 0] += value
        }
        let groups = Dictionary(grouping: records) { "\($0.station)\u{1}\($0.serial)" }
        for (_, group) in groups {
            let sorted = group.sorted { $0.time < $1.time }
            let first = sorted[0], last = sorted[sorted.count - 1]
            let key = Key(station: first.station, program: first.program, bucket: bucket(first.time))
            add(key, "units", 1)
            add(key, "first_pass_units", first.result == .pass ? 1 : 0)
            add(key, "final_pass_units", last.result == .pass ? 1 : 0)
            add(key, "tests", Int64(sorted.count))
            add(key, "fails", Int64(sorted.filter { $0.result == .fail }.count))
            add(key, "defects", Int64(sorted.reduce(0) { $0 + ($1.defects?.filter { $0.verdict == .real }.count ?? 0) }))
            add(key, "false_calls", Int64(sorted.reduce(0) { $0 + ($1.defects?.filter { $0.verdict == .falseCall }.count ?? 0) }))
        }
        for record in records {
            let key = Key(station: record.station, program: record.program, bucket: bucket(record.time))
            let real = Int64(record.defects?.filter { $0.verdict == .real }.count ?? 0)
            add(key, "event_tests", 1)
            add(key, "event_fails", record.result == .fail ? 1 : 0)
            add(key, "event_defects", real)
            add(key, "event_false_calls", Int64(record.defects?.filter { $0.verdict == .falseCall }.count ?? 0))
            add(key, "event_defective_units", real > 0 ? 1 : 0)
        }
        return result.mapValues { $0.filter { $0.value != 0 } }.filter { !$0.value.isEmpty }
    }

    static func stored(_ writer: StoreWriter) throws -> [Key: Counts] {
        try writer.read { db in
            var result: [Key: Counts] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.name AS station, p.name AS program, r.* FROM rollups r
                JOIN stations s ON s.id = r.station_id JOIN programs p ON p.id = r.program_id
                """)
            for row in rows {
                var counts: Counts = [:]
                for column in RollupDelta.columns {
                    let value: Int64 = row[column]
                    if value != 0 { counts[column] = value }
                }
                if !counts.isEmpty { result[Key(station: row["station"], program: row["program"], bucket: row["bucket"])] = counts }
            }
            return result
        }
    }

    /// Random results: serials at three stations, retests, defects and false calls, over two days.
    static func randomRecords(seed: UInt64, serials: Int) -> [UnitRecord] {
        var random = SeededGenerator(seed: seed)
        var records: [UnitRecord] = []
        for index in 0..<serials {
            let program = Bool.random(using: &random) ? "PCB-A" : "PCB-B"
            for station in ["AOI-1", "ICT-1", "FCT-1"] {
                let tests = Int.random(in: 0...4, using: &random)
                var usedTimes: Set<Int> = []
                for _ in 0..<tests {
                    var seconds = Int.random(in: 0..<172_800, using: &random)
                    while usedTimes.contains(seconds) { seconds += 1 }
                    usedTimes.insert(seconds)
                    let defects: [DefectRecord] = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                        Sample.defect(["BRIDGE", "MISSING", "TOMBSTONE"].randomElement(using: &random)!,
                                      refdes: "R\(Int.random(in: 1...9, using: &random))",
                                      verdict: Int.random(in: 0..<3, using: &random) == 0 ? .falseCall : .real)
                    }
                    records.append(Sample.unit(serial: String(format: "SN%05d", index), station: station,
                                               program: program, result: Bool.random(using: &random) ? .pass : .fail,
                                               at: Double(seconds) + 0.25, defects: defects.isEmpty ? nil : defects))
                }
            }
        }
        return records
    }

    @Test("rollups and first-pass flags equal a direct aggregation, whatever the arrival order", arguments: [1, 2, 3] as [UInt64])
    func outOfOrder(seed: UInt64) throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer(batch: 200)
        defer { writer.shutdown() }
        var random = SeededGenerator(seed: seed &* 7919)
        let records = Self.randomRecords(seed: seed, serials: 400)
        var arrivals = records.shuffled(using: &random)
        let repeats = (0..<records.count / 20).map { _ in records.randomElement(using: &random)! }
        arrivals.insert(contentsOf: repeats, at: arrivals.count / 2)
        var duplicates = 0
        var offset = 0
        while offset < arrivals.count {
            let size = Int.random(in: 1...150, using: &random)
            let chunk = arrivals[offset..<min(arrivals.count, offset + size)].map { IncomingUnit(record: $0) }
            guard case let .durable(_, dup) = writer.submitAndWait(.units(chunk, cursor: nil)) else {
                Issue.record("write refused")
                return
            }
            duplicates += dup
            offset += size
        }
        #expect(duplicates == repeats.count)
        let expected = Self.expected(records)
        let stored = try Self.stored(writer)
        #expect(stored.count == expected.count)
        for (key, counts) in expected where stored[key] != counts {
            Issue.record("\(key): stored \(stored[key] ?? [:]) expected \(counts)")
        }
        for key in stored.keys where expected[key] == nil {
            Issue.record("\(key): stored \(stored[key]!) but expected nothing")
        }
        let firsts = Set(Dictionary(grouping: records) { "\($0.station)|\($0.serial)" }.values.map { group in
            let first = group.min { $0.time < $1.time }!
            return "\(first.station)|\(first.serial)|\(Int64((first.time.timeIntervalSince1970 * 1_000_000).rounded()))"
        })
        let flagged = try writer.read { db in
            Set(try Row.fetchAll(db, sql: """
                SELECT s.name, u.serial, u.time FROM units u JOIN stations s ON s.id = u.station_id WHERE u.first_pass = 1
                """).map { "\($0[0] as String)|\($0[1] as String)|\($0[2] as Int64)" })
        }
        #expect(flagged == firsts)
        #expect(try writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM units") } == records.count)
    }

    @Test("an older result arriving later moves the cohort to the older bucket")
    func cohortMoves() throws {
        let database = try TemporaryDatabase()
        let writer = try database.writer()
        defer { writer.shutdown() }
        let retest = Sample.unit(serial: "S1", result: .pass, at: 7200)
        let first = Sample.unit(serial: "S1", result: .fail, at: 60, defects: [Sample.defect()])
        _ = writer.submitAndWait(.units([IncomingUnit(record: retest)], cursor: nil))
        var rollups = try Self.stored(writer)
        #expect(rollups[Key(station: "AOI-1", program: "PCB-A", bucket: Self.bucket(retest.time))]?["first_pass_units"] == 1)
        _ = writer.submitAndWait(.units([IncomingUnit(record: first)], cursor: nil))
        rollups = try Self.stored(writer)
        #expect(rollups == Self.expected([retest, first]))
        let cohort = try #require(rollups[Key(station: "AOI-1", program: "PCB-A", bucket: Self.bucket(first.time))])
        #expect(cohort["units"] == 1 && cohort["first_pass_units"] == nil && cohort["final_pass_units"] == 1)
        #expect(cohort["tests"] == 2 && cohort["fails"] == 1 && cohort["defects"] == 1)
    }
}
