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
        func read(_ condition: String, _ arguments: [SQLValue]) throws {
            try UnitRows.forEach(db, "WHERE \(condition)", arguments, measurements: false) { unit in
                if units[unit.id] == nil { units[unit.id] = unit }
            }
        }
        if let since {
            try read("u.time >= ? AND u.id <= ?", [.integer(since.storeMicroseconds), .integer(through)])
        }
        if lastCount > 0 {
            // Every station and program that has units has rollup rows: a few thousand rows, not the units.
            let groups = try Row.fetchAll(db, sql: "SELECT DISTINCT station_id, program_id FROM rollups")
            for group in groups {
                let (station, program): (Int64, Int64) = (group[0], group[1])
                try read("""
                    u.id IN (SELECT id FROM units WHERE station_id = ? AND program_id = ? AND id <= ?
                             ORDER BY time DESC, id DESC LIMIT ?)
                    """, [.integer(station), .integer(program), .integer(through), .integer(Int64(lastCount))])
            }
        }
        return units.values.sorted { $0.id < $1.id }
    }
}
