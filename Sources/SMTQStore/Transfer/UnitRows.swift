import Foundation
import GRDB
import SMTQCore

/// Stored units read back as records, for every reader that wants whole units (export, the alert rules' warm
/// start): one SELECT shape, one row-to-record mapping, the defects and measurements by unit id.
struct UnitRows {
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

    private let defects: Statement
    private let measurements: Statement?

    /// `measurements`: also read each unit's measurements.
    init(_ db: Database, measurements: Bool) throws {
        defects = try db.makeStatement(sql: """
            SELECT refdes, part, code, category, verdict FROM defects WHERE unit_id = ? ORDER BY slot
            """)
        self.measurements = measurements ? try db.makeStatement(sql: """
            SELECT name, value, unit, lsl, usl FROM measurements WHERE unit_id = ? ORDER BY slot
            """) : nil
    }

    /// The unit of a row of `select`, with its defects (and measurements, when asked for).
    func unit(_ row: Row) throws -> StoredUnit {
        let id: Int64 = row[0]
        var record = UnitRecord(
            line: row[1], station: row[2], device: row[3], program: row[4], serial: row[5], position: row[6],
            result: (row[7] as Int64) == 0 ? .pass : .fail, time: Date(storeMicroseconds: row[8]),
            cycleMilliseconds: row[9])
        if (row[10] as Int64) == 1 {
            record.defects = try Row.fetchAll(defects, arguments: [id]).map {
                DefectRecord(refdes: $0[0], part: $0[1], code: $0[2], category: $0[3],
                             verdict: ($0[4] as Int64) == 0 ? .real : .falseCall)
            }
        }
        if let measurements, (row[11] as Int64) == 1 {
            record.measurements = try Row.fetchAll(measurements, arguments: [id]).map {
                MeasurementRecord(name: $0[0], value: $0[1], unit: $0[2], lsl: $0[3], usl: $0[4])
            }
        }
        return StoredUnit(id: id, record: record, isFirstPass: (row[12] as Int64) != 0)
    }
}
