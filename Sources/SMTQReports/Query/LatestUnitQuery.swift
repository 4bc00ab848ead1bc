import Foundation
import SMTQStore

/// The most recent result at a station (optionally among some programs): what an andon tile shows as "last".
public struct LatestUnit: Sendable, Equatable {
    public var serial: String
    public var program: String
    public var passed: Bool
    public var time: Date
}

public enum LatestUnitQuery {
    public static func run(_ db: any SQLReader, line: String, station: String, programs: [String]?) throws -> LatestUnit? {
        var sql = """
            SELECT u.serial, p.name, u.result, u.time FROM units u JOIN programs p ON p.id = u.program_id
            WHERE u.station_id = (SELECT s.id FROM stations s JOIN lines l ON l.id = s.line_id WHERE l.name = ? AND s.name = ?)
            """
        var arguments: [SQLValue] = [.text(line), .text(station)]
        if let programs {
            sql += " AND p.name IN (\(sqlPlaceholders(programs.count)))"
            arguments += programs.map { .text($0) }
        }
        sql += " ORDER BY u.time DESC, u.id DESC LIMIT 1"
        guard let row = try db.row(sql, arguments) else { return nil }
        return LatestUnit(serial: row[0], program: row[1], passed: (row[2] as Int) == 0, time: Date(storeMicroseconds: row[3]))
    }

    /// The time of the `offset`-th latest result at a station (0: the latest), so a chart can show its last
    /// points without reading the station's history; nil when there are fewer.
    public static func time(_ db: any SQLReader, line: String, station: String, program: String?, offset: Int) throws -> Int64? {
        var sql = """
            SELECT u.time FROM units u
            WHERE u.station_id = (SELECT s.id FROM stations s JOIN lines l ON l.id = s.line_id WHERE l.name = ? AND s.name = ?)
            """
        var arguments: [SQLValue] = [.text(line), .text(station)]
        if let program {
            sql += " AND u.program_id = (SELECT id FROM programs WHERE name = ?)"
            arguments.append(.text(program))
        }
        sql += " ORDER BY u.time DESC LIMIT 1 OFFSET ?"
        arguments.append(.integer(Int64(offset)))
        return try db.value(sql, arguments, as: Int64.self)
    }
}
