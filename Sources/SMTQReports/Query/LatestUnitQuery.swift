import Foundation
import GRDB
import SMTQStore

/// The most recent result at a station (optionally among some programs): what an andon tile shows as "last".
public struct LatestUnit: Sendable, Equatable {
    public var serial: String
    public var program: String
    public var passed: Bool
    public var time: Date
}

public enum LatestUnitQuery {
    public static func run(_ db: Database, line: String, station: String, programs: [String]?) throws -> LatestUnit? {
        var sql = """
            SELECT u.serial, p.name, u.result, u.time FROM units u JOIN programs p ON p.id = u.program_id
            WHERE u.station_id = (SELECT s.id FROM stations s JOIN lines l ON l.id = s.line_id WHERE l.name = ? AND s.name = ?)
            """
        var arguments: StatementArguments = [line, station]
        if let programs {
            sql += " AND p.name IN (\(programs.isEmpty ? "NULL" : programs.map { _ in "?" }.joined(separator: ",")))"
            _ = arguments.append(contentsOf: StatementArguments(programs))
        }
        sql += " ORDER BY u.time DESC, u.id DESC LIMIT 1"
        guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
        return LatestUnit(serial: row[0], program: row[1], passed: (row[2] as Int) == 0, time: Date(storeMicroseconds: row[3]))
    }

    /// The time of the `offset`-th latest result at a station (0: the latest), so a chart can show its last
    /// points without reading the station's history; nil when there are fewer.
    public static func time(_ db: Database, line: String, station: String, program: String?, offset: Int) throws -> Int64? {
        var sql = """
            SELECT u.time FROM units u
            WHERE u.station_id = (SELECT s.id FROM stations s JOIN lines l ON l.id = s.line_id WHERE l.name = ? AND s.name = ?)
            """
        var arguments: StatementArguments = [line, station]
        if let program {
            sql += " AND u.program_id = (SELECT id FROM programs WHERE name = ?)"
            _ = arguments.append(contentsOf: [program])
        }
        sql += " ORDER BY u.time DESC LIMIT 1 OFFSET ?"
        _ = arguments.append(contentsOf: [offset])
        return try Int64.fetchOne(db, sql: sql, arguments: arguments)
    }
}
