import GRDB
import SMTQStore
import SMTQStatistics

/// What a Pareto counts defects by.
public enum ParetoKey: String, Sendable, CaseIterable {
    case code, category, refdes, part, station
}

/// Defects (real ones by default) counted by a key over the window and scope, as a Pareto table.
public enum ParetoQuery {
    public static func run(_ db: Database, scope: ReportScope, key: ParetoKey, falseCalls: Bool = false) throws -> [Pareto.Row] {
        let identities = try Identities(db)
        let (stations, program) = try identities.resolve(scope)
        let conditions = ScopeConditions(stations: stations, program: program, since: scope.since, until: scope.until, table: "u.")
        let column = key == .station ? "u.station_id" : "coalesce(d.\(key.rawValue), '')"
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(column), count(*) FROM units u JOIN defects d ON d.unit_id = u.id
            WHERE \(conditions.sql) AND u.has_defects = 1 AND d.verdict = ? GROUP BY 1
            """, arguments: conditions.arguments + [falseCalls ? 1 : 0])
        var counts: [String: Int] = [:]
        for row in rows {
            let name: String
            if key == .station, let id = row[0] as Int64?, let station = identities.stations[id] {
                name = "\(station.line)/\(station.station)"
            } else {
                let value: String = row[0]
                name = value.isEmpty ? "(none)" : value
            }
            counts[name, default: 0] += row[1] as Int
        }
        return Pareto.table(counts: counts)
    }
}
