import SMTQStore
import SMTQConfig
import SMTQStatistics

/// Figures over all stations of the scope: distinct serials, all their results, defects and false calls.
/// A serial's program is the program of its first result. Reads every unit in the window (`--overall`).
public struct OverallFigures: Sendable, Equatable {
    public var units = 0
    public var tests = 0
    public var defects = 0
    public var falseCalls = 0
    public var opportunities = 0
    public var opportunitiesKnown = true
    public var firstTime: Int64?
    public var lastTime: Int64?

    public var dpu: Double? { Yield.ratio(Double(defects), Double(units)) }
    public var dpmo: Double? { opportunitiesKnown ? Yield.ratio(Double(defects) * 1_000_000, Double(opportunities)) : nil }
    public var falseCallRate: Double? { Yield.ratio(Double(falseCalls), Double(defects + falseCalls)) }

    public static func read(_ db: any SQLReader, scope: ReportScope, configuration: SMTQConfig.Configuration) throws -> OverallFigures {
        let identities = try Identities(db, scope: scope)
        let (stations, program) = try identities.resolve(scope)
        let conditions = ScopeConditions(stations: stations, program: program, since: scope.since, until: scope.until)
        var figures = OverallFigures()
        try db.forEachRow("""
            SELECT g.first, (SELECT x.program_id FROM units x WHERE x.serial = g.serial AND x.time = g.first ORDER BY x.id LIMIT 1),
              g.last, g.tests, g.defects, g.false_calls
            FROM (SELECT serial, min(time) AS first, max(time) AS last, count(*) AS tests, sum(defect_count) AS defects,
                    sum(false_call_count) AS false_calls
                  FROM units WHERE \(conditions.sql) GROUP BY serial) g
            """, conditions.arguments) { row in
            let first: Int64 = row[0], last: Int64 = row[2]
            figures.units += 1
            figures.tests += row[3] as Int
            figures.defects += row[4] as Int
            figures.falseCalls += row[5] as Int
            if let opportunities = configuration.products[identities.programs[row[1]] ?? ""]?.opportunities {
                figures.opportunities += opportunities
            } else {
                figures.opportunitiesKnown = false
            }
            figures.firstTime = min(figures.firstTime ?? first, first)
            figures.lastTime = max(figures.lastTime ?? last, last)
        }
        return figures
    }
}
