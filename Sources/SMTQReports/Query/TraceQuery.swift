import Foundation
import SMTQCore
import SMTQStore

/// One result in a unit's history, with its attempt number at that station (1 = first test, 2 = first retest …).
public struct TraceEntry: Sendable {
    public var record: UnitRecord
    public var attempt: Int
}

/// `smtq trace SERIAL`: every stored result of a serial across stations, in time order, with defects and
/// measurements.
public enum TraceQuery {
    /// `site`: only that site's results (a central database; a line host's store refuses it).
    public static func run(_ db: any SQLReader, serial: String, site: String? = nil) throws -> [TraceEntry] {
        if let site, db.dialect != .postgres { throw SiteNeedsCentral(site: site) }
        let rows = try db.rows("""
            SELECT u.id, l.name, s.name, d.name, p.name, u.position, u.result, u.cycle_ms, u.time
            FROM units u JOIN stations s ON s.id = u.station_id JOIN lines l ON l.id = s.line_id
            JOIN devices d ON d.id = u.device_id JOIN programs p ON p.id = u.program_id
            WHERE u.serial = ?\(site == nil ? "" : " AND l.site = ?") ORDER BY u.time, u.id
            """, [.text(serial)] + (site.map { [.text($0)] } ?? []))
        var attempts: [String: Int] = [:]
        return try rows.map { row in
            let id: Int64 = row[0]
            let defects = try db.rows("SELECT refdes, part, code, category, verdict FROM defects WHERE unit_id = ? ORDER BY slot",
                                      [.integer(id)]).map { defect in
                DefectRecord(refdes: defect[0], part: defect[1], code: defect[2], category: defect[3],
                             verdict: (defect[4] as Int) == 0 ? .real : .falseCall)
            }
            let measurements = try db.rows("SELECT name, value, unit, lsl, usl FROM measurements WHERE unit_id = ? ORDER BY slot",
                                           [.integer(id)]).map { value in
                MeasurementRecord(name: value[0], value: value[1], unit: value[2], lsl: value[3], usl: value[4])
            }
            let station: String = row[2]
            let key = (row[1] as String) + "/" + station
            attempts[key, default: 0] += 1
            let record = UnitRecord(line: row[1], station: station, device: row[3], program: row[4], serial: serial, position: row[5],
                                    result: (row[6] as Int) == 0 ? .pass : .fail, time: Date(storeMicroseconds: row[8]),
                                    cycleMilliseconds: row[7], defects: defects.isEmpty ? nil : defects,
                                    measurements: measurements.isEmpty ? nil : measurements)
            return TraceEntry(record: record, attempt: attempts[key]!)
        }
    }
}
