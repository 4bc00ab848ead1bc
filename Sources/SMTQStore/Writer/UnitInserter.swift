import Foundation
import GRDB
import SMTQCore

/// Inserts units inside one write transaction, keeping the first-pass flags and the rollups right whatever
/// order the units arrive in.
///
/// A serial's results at a station form its cohort, which belongs to the bucket of its first result. A new
/// result either starts a cohort, joins one (a retest, or a late record between known ones), or, when it is
/// older than the known first result, becomes the new first: then the whole cohort moves from its old
/// bucket to the new one. Each case changes only the rollup rows it touches.
struct UnitInserter {
    let db: Database
    let identities: IdentityCache
    private(set) var rollups = RollupDelta()
    private(set) var stored: [StoredUnit] = []
    private(set) var duplicates = 0

    init(db: Database, identities: IdentityCache) {
        self.db = db
        self.identities = identities
    }

    /// An earlier result of the same serial at the same station.
    private struct HistoryRow {
        var id: Int64
        var time: Int64
        var passed: Bool
        var firstPass: Bool
        var programID: Int64
        var defects: Int64
        var falseCalls: Int64
    }

    private static let historySQL = """
        SELECT id, time, result, first_pass, program_id, defect_count, false_call_count
        FROM units WHERE serial = ? AND station_id = ? ORDER BY time
        """

    private static let insertUnitSQL = """
        INSERT INTO units (device_id, station_id, program_id, serial, position, result, cycle_ms, time, device_time,
                           host_time, source_seq, first_pass, defect_count, false_call_count, has_defects,
                           has_measurements)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    private static let insertDefectSQL =
        "INSERT INTO defects (unit_id, slot, refdes, part, code, category, verdict) VALUES (?, ?, ?, ?, ?, ?, ?)"
    private static let insertMeasurementSQL =
        "INSERT INTO measurements (unit_id, slot, name, value, unit, lsl, usl) VALUES (?, ?, ?, ?, ?, ?, ?)"

    mutating func insert(_ incoming: IncomingUnit) throws {
        let record = incoming.record
        let (deviceID, stationID) = try identities.deviceID(record.identity, db)
        let programID = try identities.programID(record.program, db)
        let time = record.time.storeMicroseconds
        let history = try self.history(serial: record.serial, stationID: stationID)
        if history.contains(where: { $0.time == time }) {
            duplicates += 1
            return
        }
        let passed = record.result == .pass
        let defects = Int64(record.defects?.filter { $0.verdict == .real }.count ?? 0)
        let falseCalls = Int64(record.defects?.filter { $0.verdict == .falseCall }.count ?? 0)
        let fail: Int64 = passed ? 0 : 1
        let pass: Int64 = passed ? 1 : 0

        rollups.update(RollupKey(stationID: stationID, programID: programID, bucket: StoreSchema.bucket(time))) {
            $0.eventTests += 1
            $0.eventFails += fail
            $0.eventDefects += defects
            $0.eventFalseCalls += falseCalls
            $0.eventDefectiveUnits += defects > 0 ? 1 : 0
        }

        var isFirst = false
        if history.isEmpty {
            isFirst = true
            rollups.update(RollupKey(stationID: stationID, programID: programID, bucket: StoreSchema.bucket(time))) {
                $0.units += 1
                $0.firstPassUnits += pass
                $0.finalPassUnits += pass
                $0.tests += 1
                $0.fails += fail
                $0.defects += defects
                $0.falseCalls += falseCalls
            }
        } else if let first = history.first(where: \.firstPass), let last = history.last {
            if time > first.time {
                rollups.update(RollupKey(stationID: stationID, programID: first.programID, bucket: StoreSchema.bucket(first.time))) {
                    $0.tests += 1
                    $0.fails += fail
                    $0.defects += defects
                    $0.falseCalls += falseCalls
                    if time > last.time { $0.finalPassUnits += pass - (last.passed ? 1 : 0) }
                }
            } else {
                isFirst = true
                try moveCohort(history: history, first: first, last: last, stationID: stationID)
                rollups.update(RollupKey(stationID: stationID, programID: programID, bucket: StoreSchema.bucket(time))) {
                    $0.units += 1
                    $0.firstPassUnits += pass
                    $0.finalPassUnits += last.passed ? 1 : 0
                    $0.tests += Int64(history.count) + 1
                    $0.fails += Int64(history.filter { !$0.passed }.count) + fail
                    $0.defects += history.reduce(0) { $0 + $1.defects } + defects
                    $0.falseCalls += history.reduce(0) { $0 + $1.falseCalls } + falseCalls
                }
            }
        }
        // else: the cohort's first result was pruned by retention; the unit counts as an event only.

        let unitStatement = try RawStatement(db, sql: Self.insertUnitSQL)
        unitStatement.bind(1, deviceID)
        unitStatement.bind(2, stationID)
        unitStatement.bind(3, programID)
        unitStatement.bind(4, record.serial)
        unitStatement.bind(5, record.position)
        unitStatement.bind(6, fail)
        unitStatement.bind(7, record.cycleMilliseconds)
        unitStatement.bind(8, time)
        unitStatement.bind(9, incoming.deviceTime?.storeMicroseconds)
        unitStatement.bind(10, incoming.hostTime.storeMicroseconds)
        unitStatement.bind(11, incoming.sourceSeq)
        unitStatement.bind(12, isFirst ? 1 : 0)
        unitStatement.bind(13, defects)
        unitStatement.bind(14, falseCalls)
        unitStatement.bind(15, record.defects == nil ? 0 : 1)
        unitStatement.bind(16, record.measurements == nil ? 0 : 1)
        try unitStatement.execute()
        let unitID = db.lastInsertedRowID
        if let list = record.defects, !list.isEmpty {
            let statement = try RawStatement(db, sql: Self.insertDefectSQL)
            for (slot, defect) in list.enumerated() {
                statement.bind(1, unitID)
                statement.bind(2, Int64(slot))
                statement.bind(3, defect.refdes)
                statement.bind(4, defect.part)
                statement.bind(5, defect.code)
                statement.bind(6, defect.category)
                statement.bind(7, defect.verdict == .real ? 0 : 1)
                try statement.execute()
            }
        }
        if let list = record.measurements, !list.isEmpty {
            let statement = try RawStatement(db, sql: Self.insertMeasurementSQL)
            for (slot, measurement) in list.enumerated() {
                statement.bind(1, unitID)
                statement.bind(2, Int64(slot))
                statement.bind(3, measurement.name)
                statement.bind(4, measurement.value)
                statement.bind(5, measurement.unit)
                statement.bind(6, measurement.lsl)
                statement.bind(7, measurement.usl)
                try statement.execute()
            }
        }
        stored.append(StoredUnit(id: unitID, record: record, isFirstPass: isFirst))
    }

    /// The serial's earlier results at the station, oldest first (usually none).
    private func history(serial: String, stationID: Int64) throws -> [HistoryRow] {
        let statement = try RawStatement(db, sql: Self.historySQL)
        defer { statement.reset() }
        statement.bind(1, serial)
        statement.bind(2, stationID)
        var rows: [HistoryRow] = []
        while try statement.step() {
            rows.append(HistoryRow(id: statement.int64(0), time: statement.int64(1), passed: statement.int64(2) == 0,
                                   firstPass: statement.int64(3) == 1, programID: statement.int64(4),
                                   defects: statement.int64(5), falseCalls: statement.int64(6)))
        }
        return rows
    }

    /// Takes a whole cohort out of its bucket, because an older first result has arrived.
    private mutating func moveCohort(history: [HistoryRow], first: HistoryRow, last: HistoryRow, stationID: Int64) throws {
        rollups.update(RollupKey(stationID: stationID, programID: first.programID, bucket: StoreSchema.bucket(first.time))) {
            $0.units -= 1
            $0.firstPassUnits -= first.passed ? 1 : 0
            $0.finalPassUnits -= last.passed ? 1 : 0
            $0.tests -= Int64(history.count)
            $0.fails -= Int64(history.filter { !$0.passed }.count)
            $0.defects -= history.reduce(0) { $0 + $1.defects }
            $0.falseCalls -= history.reduce(0) { $0 + $1.falseCalls }
        }
        try db.cachedStatement(sql: "UPDATE units SET first_pass = 0 WHERE id = ?").execute(arguments: [first.id])
    }

    /// Writes the merged rollup changes.
    func flushRollups() throws {
        let statement = try db.cachedStatement(sql: RollupDelta.upsertSQL)
        for (key, counts) in rollups.rows {
            var arguments: [any DatabaseValueConvertible] = [key.stationID, key.programID, key.bucket]
            arguments.append(contentsOf: counts.values)
            try statement.execute(arguments: StatementArguments(arguments))
        }
    }
}
