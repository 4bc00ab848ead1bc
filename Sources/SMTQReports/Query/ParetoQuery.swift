import SMTQStore
import SMTQStatistics

/// What a Pareto counts defects by.
public enum ParetoKey: String, Sendable, CaseIterable {
    case code, category, refdes, part, station
}

/// Defects (real ones by default) counted by a key over the window and scope, as a Pareto table.
public enum ParetoQuery {
    public static func run(_ db: any SQLReader, scope: ReportScope, key: ParetoKey, falseCalls: Bool = false) throws -> [Pareto.Row] {
        try run(db, scope: scope, keys: [key], falseCalls: falseCalls)
    }

    /// Counted by a combination of keys (e.g. refdes and code: "C12 BRIDGE"), the values joined by a space.
    public static func run(_ db: any SQLReader, scope: ReportScope, keys: [ParetoKey], falseCalls: Bool = false) throws -> [Pareto.Row] {
        let identities = try Identities(db, scope: scope)
        let (stations, program) = try identities.resolve(scope)
        let conditions = ScopeConditions(stations: stations, program: program, programs: identities.allowedPrograms(scope),
                                         since: scope.since, until: scope.until, table: "u.")
        let columns = keys.map { $0 == .station ? "u.station_id" : "coalesce(d.\($0.rawValue), '')" }
        let groups = keys.indices.map { String($0 + 1) }.joined(separator: ", ")
        let rows = try db.rows("""
            SELECT \(columns.joined(separator: ", ")), count(*) FROM units u JOIN defects d ON d.unit_id = u.id
            WHERE \(conditions.sql) AND u.has_defects = 1 AND d.verdict = ? GROUP BY \(groups)
            """, conditions.arguments + [.integer(falseCalls ? 1 : 0)])
        var counts: [String: Int] = [:]
        for row in rows {
            let names = keys.enumerated().map { offset, key -> String in
                if key == .station, let id = row[offset] as Int64?, let station = identities.stations[id] {
                    return "\(station.line)/\(station.station)"
                }
                let value: String = row[offset]
                return value.isEmpty ? "(none)" : value
            }
            counts[names.joined(separator: " "), default: 0] += row[keys.count] as Int
        }
        return Pareto.table(counts: counts)
    }
}
