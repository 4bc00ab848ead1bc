import Foundation
import GRDB
import SMTQCore

/// Units as the alert rules see them after a restart: the recent history their windows start from.
public enum RecentUnits {
    /// Units up to id `through` with a time at or after `since`, and the last `lastCount` of them by storage
    /// order, whichever reaches further back; in storage order, with their defects (measurements are not read).
    public static func read(since: Date?, lastCount: Int, through: Int64, _ db: Database) throws -> [StoredUnit] {
        var floor = Int64.max
        if lastCount > 0 {
            floor = try Int64.fetchOne(db, sql: "SELECT id FROM units WHERE id <= ? ORDER BY id DESC LIMIT 1 OFFSET ?",
                                       arguments: [through, lastCount - 1]) ?? 0
        }
        if let since {
            let byTime = try Int64.fetchOne(db, sql: "SELECT min(id) FROM units WHERE time >= ?",
                                            arguments: [since.storeMicroseconds])
            if let byTime { floor = min(floor, byTime) }
        }
        guard floor != .max else { return [] }
        let defects = try db.makeStatement(sql: """
            SELECT refdes, part, code, category, verdict FROM defects WHERE unit_id = ? ORDER BY slot
            """)
        var units: [StoredUnit] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT u.id, l.name, s.name, d.name, p.name, u.serial, u.position, u.result, u.time, u.has_defects,
                   u.first_pass
            FROM units u
            JOIN stations s ON s.id = u.station_id
            JOIN lines l ON l.id = s.line_id
            JOIN devices d ON d.id = u.device_id
            JOIN programs p ON p.id = u.program_id
            WHERE u.id >= ? AND u.id <= ? ORDER BY u.id
            """, arguments: [floor, through])
        while let row = try rows.next() {
            let id: Int64 = row[0]
            var record = UnitRecord(
                line: row[1], station: row[2], device: row[3], program: row[4], serial: row[5], position: row[6],
                result: (row[7] as Int64) == 0 ? .pass : .fail, time: Date(storeMicroseconds: row[8]))
            if (row[9] as Int64) == 1 {
                record.defects = try Row.fetchAll(defects, arguments: [id]).map {
                    DefectRecord(refdes: $0[0], part: $0[1], code: $0[2], category: $0[3],
                                 verdict: ($0[4] as Int64) == 0 ? .real : .falseCall)
                }
            }
            units.append(StoredUnit(id: id, record: record, isFirstPass: (row[10] as Int64) != 0))
        }
        return units
    }
}
