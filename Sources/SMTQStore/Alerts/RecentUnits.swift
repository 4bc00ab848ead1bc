import Foundation
import GRDB
import SMTQCore

/// Units as the alert rules see them after a restart: the recent history their windows start from.
public enum RecentUnits {
    /// Units up to id `through`: those with a time at or after `since`, and the last `lastCount` of every
    /// station and program (the rules keep one window per line, station and program, so a busy station does
    /// not crowd a quiet one out); in storage order, with their defects (measurements are not read).
    public static func read(since: Date?, lastCount: Int, through: Int64, _ db: Database) throws -> [StoredUnit] {
        var units: [Int64: StoredUnit] = [:]
        let reader = try Reader(db)
        if let since {
            try reader.read("u.time >= ? AND u.id <= ?", [since.storeMicroseconds, through], into: &units)
        }
        if lastCount > 0 {
            // Every station and program that has units has rollup rows: a few thousand rows, not the units.
            let groups = try Row.fetchAll(db, sql: "SELECT DISTINCT station_id, program_id FROM rollups")
            for group in groups {
                let (station, program): (Int64, Int64) = (group[0], group[1])
                try reader.read("""
                    u.id IN (SELECT id FROM units WHERE station_id = ? AND program_id = ? AND id <= ?
                             ORDER BY time DESC, id DESC LIMIT ?)
                    """, [station, program, through, lastCount], into: &units)
            }
        }
        return units.values.sorted { $0.id < $1.id }
    }

    /// Reads units with their defects for a condition on `u` (the units table).
    private struct Reader {
        let db: Database
        let defects: Statement

        init(_ db: Database) throws {
            self.db = db
            defects = try db.makeStatement(sql: """
                SELECT refdes, part, code, category, verdict FROM defects WHERE unit_id = ? ORDER BY slot
                """)
        }

        func read(_ condition: String, _ arguments: StatementArguments, into units: inout [Int64: StoredUnit]) throws {
            let rows = try Row.fetchCursor(db, sql: """
                SELECT u.id, l.name, s.name, d.name, p.name, u.serial, u.position, u.result, u.time, u.has_defects,
                       u.first_pass
                FROM units u
                JOIN stations s ON s.id = u.station_id
                JOIN lines l ON l.id = s.line_id
                JOIN devices d ON d.id = u.device_id
                JOIN programs p ON p.id = u.program_id
                WHERE \(condition)
                """, arguments: arguments)
            while let row = try rows.next() {
                let id: Int64 = row[0]
                guard units[id] == nil else { continue }
                var record = UnitRecord(
                    line: row[1], station: row[2], device: row[3], program: row[4], serial: row[5], position: row[6],
                    result: (row[7] as Int64) == 0 ? .pass : .fail, time: Date(storeMicroseconds: row[8]))
                if (row[9] as Int64) == 1 {
                    record.defects = try Row.fetchAll(defects, arguments: [id]).map {
                        DefectRecord(refdes: $0[0], part: $0[1], code: $0[2], category: $0[3],
                                     verdict: ($0[4] as Int64) == 0 ? .real : .falseCall)
                    }
                }
                units[id] = StoredUnit(id: id, record: record, isFirstPass: (row[10] as Int64) != 0)
            }
        }
    }
}
