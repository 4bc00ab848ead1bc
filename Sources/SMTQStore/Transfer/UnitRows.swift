import Foundation
import SMTQCore

/// Stored units read back as records, for every reader that wants whole units (export, the alert rules' warm
/// start), on the local store or the central database: one SELECT shape, one row-to-record mapping, the
/// defects and measurements read for a chunk of units at a time (one query per chunk, not per unit).
enum UnitRows {
    /// The columns and joins; the caller adds `WHERE … ORDER BY …` on `u` (the units table).
    static let select = """
        SELECT u.id, l.name, s.name, d.name, p.name, u.serial, u.position, u.result, u.time, u.cycle_ms,
               u.has_defects, u.has_measurements, u.first_pass
        FROM units u
        JOIN stations s ON s.id = u.station_id
        JOIN lines l ON l.id = s.line_id
        JOIN devices d ON d.id = u.device_id
        JOIN programs p ON p.id = u.program_id
        """

    /// Units read before their defects and measurements are fetched together.
    static let chunkSize = 500

    /// Calls `body` with each unit of `select` + `clause` (`WHERE … ORDER BY …`), in the clause's order, with its
    /// defects (and measurements when `measurements`).
    static func forEach(_ db: any SQLReader, _ clause: String, _ arguments: [SQLValue], measurements: Bool,
                        _ body: (StoredUnit) throws -> Void) throws {
        var chunk: [SQLRow] = []
        chunk.reserveCapacity(chunkSize)
        func flush() throws {
            guard !chunk.isEmpty else { return }
            let defects = try children(db, "refdes, part, code, category, verdict", "defects",
                                       chunk.filter { ($0[10] as Int64) == 1 }.map { $0[0] as Int64 })
            let values = measurements
                ? try children(db, "name, value, unit, lsl, usl", "measurements", chunk.filter { ($0[11] as Int64) == 1 }.map { $0[0] as Int64 })
                : [:]
            for row in chunk {
                let id: Int64 = row[0]
                var record = UnitRecord(
                    line: row[1], station: row[2], device: row[3], program: row[4], serial: row[5], position: row[6],
                    result: (row[7] as Int64) == 0 ? .pass : .fail, time: Date(storeMicroseconds: row[8]),
                    cycleMilliseconds: row[9])
                // A unit stored with an empty list (has_defects 1, no rows) reads back with an empty list, not none.
                if (row[10] as Int64) == 1 {
                    record.defects = (defects[id] ?? []).map {
                        DefectRecord(refdes: $0[0], part: $0[1], code: $0[2], category: $0[3],
                                     verdict: ($0[4] as Int64) == 0 ? .real : .falseCall)
                    }
                }
                if measurements, (row[11] as Int64) == 1 {
                    record.measurements = (values[id] ?? []).map {
                        MeasurementRecord(name: $0[0], value: $0[1], unit: $0[2], lsl: $0[3], usl: $0[4])
                    }
                }
                try body(StoredUnit(id: id, record: record, isFirstPass: (row[12] as Int64) != 0))
            }
            chunk.removeAll(keepingCapacity: true)
        }
        try db.forEachRow("\(select) \(clause)", arguments) { row in
            chunk.append(row)
            if chunk.count == chunkSize { try flush() }
        }
        try flush()
    }

    /// The rows of `table` (defects or measurements) of `ids`, by unit id, each unit's in slot order; the
    /// selected columns follow the unit id.
    private static func children(_ db: any SQLReader, _ columns: String, _ table: String, _ ids: [Int64]) throws -> [Int64: [SQLRow]] {
        guard !ids.isEmpty else { return [:] }
        var result: [Int64: [SQLRow]] = [:]
        try db.forEachRow("SELECT unit_id, \(columns) FROM \(table) WHERE unit_id IN (\(sqlPlaceholders(ids.count))) ORDER BY unit_id, slot",
                          ids.map { .integer($0) }) { row in
            result[row[0] as Int64, default: []].append(SQLRow(Array(row.values.dropFirst())))
        }
        return result
    }
}
