import SMTQStore
import SMTQConfig

/// A unit AOI passed (its last result at an AOI station of the route) that failed at a later station.
public struct Escape: Sendable, Equatable {
    public var line: String
    public var serial: String
    public var program: String
    public var aoiStation: String
    public var aoiTime: Int64
    /// The later station's first failing result.
    public var failedStation: String
    public var failedTime: Int64
    /// Real defects recorded on the later failures, as (refdes, code).
    public var defects: [Defect]

    public struct Defect: Sendable, Equatable, Hashable {
        public var refdes: String?
        public var code: String
    }
}

/// Escapes along each line's route (DESIGN.md: serials whose last AOI result was a pass and whose later station
/// on the route failed). A station is AOI when a configured AOI device sits there or its name starts with
/// "AOI". The window applies to the AOI result.
public enum EscapesQuery {
    public struct NoRoutes: Error, CustomStringConvertible {
        public var description: String {
            "escapes follow the lines' routes: give a configuration with 'lines' (--config FILE)"
        }
    }

    public static func run(_ db: any SQLReader, scope: ReportScope, configuration: SMTQConfig.Configuration) throws -> [Escape] {
        guard !configuration.lines.isEmpty else { throw NoRoutes() }
        let identities = try Identities(db, scope: scope)
        let (_, program) = try identities.resolve(ReportScope(site: scope.site, line: scope.line, station: scope.station, program: scope.program))
        var escapes: [Escape] = []
        for line in configuration.lines where scope.line == nil || scope.line == line.name {
            var seen: [String: Int] = [:]
            let ids = line.route.map { name in identities.stations.first { $0.value == (line.name, name) }?.key }
            for (index, station) in line.route.enumerated() where isAOI(station, line: line.name, configuration) {
                // --station names the AOI station, or the later station where the escape was caught.
                let stationIsAOI = scope.station.map { isAOI($0, line: line.name, configuration) } ?? false
                guard let aoi = ids[index], !stationIsAOI || scope.station == station else { continue }
                var later: [Int64] = []
                for position in (index + 1)..<line.route.count {
                    guard let id = ids[position] else { continue }
                    if stationIsAOI || scope.station == nil || scope.station == line.route[position] { later.append(id) }
                }
                guard !later.isEmpty else { continue }
                var conditions = ScopeConditions(stations: nil, program: program, since: scope.since, until: scope.until, table: "a.")
                conditions.clauses.insert("a.station_id = \(aoi)", at: 0)
                let marks = sqlPlaceholders(later.count)
                let rows = try db.rows("""
                    SELECT a.serial, a.program_id, a.time, f.station_id, f.time, f.id
                    FROM units a JOIN units f ON f.serial = a.serial AND f.station_id IN (\(marks)) AND f.result = 1
                    WHERE \(conditions.sql) AND a.result = 0
                      AND a.time = (SELECT max(time) FROM units m WHERE m.serial = a.serial AND m.station_id = a.station_id)
                    ORDER BY a.serial, f.time
                    """, later.map { .integer($0) } + conditions.arguments)
                for row in rows {
                    let serial: String = row[0]
                    let defects = try db.rows("SELECT refdes, code FROM defects WHERE unit_id = ? AND verdict = 0 ORDER BY slot",
                                             [.integer(row[5] as Int64)]).map { Escape.Defect(refdes: $0[0], code: $0[1]) }
                    if let existing = seen[serial] {
                        escapes[existing].defects += defects
                        continue
                    }
                    seen[serial] = escapes.count
                    escapes.append(Escape(line: line.name, serial: serial, program: identities.programs[row[1]] ?? "?", aoiStation: station,
                                          aoiTime: row[2], failedStation: identities.stations[row[3]]?.station ?? "?", failedTime: row[4],
                                          defects: defects))
                }
            }
        }
        return escapes.sorted { ($0.line, $0.serial) < ($1.line, $1.serial) }
    }

    static func isAOI(_ station: String, line: String, _ configuration: SMTQConfig.Configuration) -> Bool {
        station.hasPrefix("AOI") || configuration.devices.contains { $0.line == line && $0.station == station && $0.kind == .aoi }
    }
}
