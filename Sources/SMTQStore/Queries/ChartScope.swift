import GRDB
import SMTQStatistics

/// What one chart watches in the store: a station of a line, optionally one program, and for variable charts
/// one measurement.
public struct ChartScope: Sendable, Equatable {
    public var line: String
    public var station: String
    public var program: String?
    public var measurement: String?

    public init(line: String, station: String, program: String? = nil, measurement: String? = nil) {
        self.line = line
        self.station = station
        self.program = program
        self.measurement = measurement
    }

    /// Whether a unit at this line, station and program belongs to the chart.
    public func matches(line: String, station: String, program: String) -> Bool {
        line == self.line && station == self.station && (self.program == nil || program == self.program)
    }
}

/// Reads the events of a chart scope from the store, in time order, for reports, baselines and the live
/// engine's warm start.
public enum ChartEventQuery {
    /// Calls `body` with each event with `since <= time < until` (microseconds; nil: open). `aggregated`
    /// reads the 15-minute rollups instead of single results (attribute charts whose subgroups are unions of
    /// quarter hours); each aggregate carries its quarter hour's start as its time. Returns the number of
    /// events, or nil when the line, station, program or measurement has never been stored. `arrivalOrder`
    /// orders by storage (unit id) instead of time: unit-count subgroups follow arrival, as the live engine
    /// sees it.
    @discardableResult
    public static func forEach(_ db: Database, scope: ChartScope, since: Int64? = nil, until: Int64? = nil,
                               aggregated: Bool = false, arrivalOrder: Bool = false,
                               _ body: (ChartEvent) throws -> Void) throws -> Int? {
        guard let stationID = try Int64.fetchOne(db, sql: """
            SELECT s.id FROM stations s JOIN lines l ON l.id = s.line_id WHERE l.name = ? AND s.name = ?
            """, arguments: [scope.line, scope.station]) else { return nil }
        let column = scope.measurement == nil ? "" : "u."
        var conditions = ["\(column)station_id = ?"]
        var arguments: StatementArguments = [stationID]
        if let program = scope.program {
            guard let programID = try Int64.fetchOne(db, sql: "SELECT id FROM programs WHERE name = ?", arguments: [program]) else {
                return nil
            }
            conditions.append("\(column)program_id = ?")
            _ = arguments.append(contentsOf: [programID])
        }
        var events = 0
        if let measurement = scope.measurement {
            timeConditions(&conditions, &arguments, column: "u.time", since: since, until: until)
            _ = arguments.append(contentsOf: [measurement])
            let rows = try Row.fetchCursor(db, sql: """
                SELECT u.time, m.value FROM units u JOIN measurements m ON m.unit_id = u.id
                WHERE \(conditions.joined(separator: " AND ")) AND m.name = ?
                ORDER BY \(arrivalOrder ? "u.id" : "u.time, u.id"), m.slot
                """, arguments: arguments)
            while let row = try rows.next() {
                try body(ChartEvent(time: row[0], value: row[1]))
                events += 1
            }
        } else if aggregated {
            let bucket = StoreSchema.bucketMicroseconds
            if let since { conditions.append("bucket >= \(floorDiv(since, bucket))") }
            if let until { conditions.append("bucket < \(floorDiv(until + bucket - 1, bucket))") }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT bucket, sum(event_tests), sum(event_fails), sum(event_defects) FROM rollups
                WHERE \(conditions.joined(separator: " AND ")) GROUP BY bucket HAVING sum(event_tests) > 0 ORDER BY bucket
                """, arguments: arguments)
            while let row = try rows.next() {
                let start: Int64 = row[0]
                try body(ChartEvent(time: start * bucket, tests: row[1], fails: row[2], defects: row[3]))
                events += 1
            }
        } else {
            timeConditions(&conditions, &arguments, column: "time", since: since, until: until)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT time, result, defect_count FROM units WHERE \(conditions.joined(separator: " AND "))
                ORDER BY \(arrivalOrder ? "id" : "time, id")
                """, arguments: arguments)
            while let row = try rows.next() {
                let result: Int = row[1]
                try body(ChartEvent(time: row[0], fails: result == 0 ? 0 : 1, defects: row[2]))
                events += 1
            }
        }
        if events == 0, let measurement = scope.measurement,
           try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM measurements WHERE name = ?)", arguments: [measurement])! {
            return nil
        }
        return events
    }

    /// The highest stored unit id (the live engine skips committed batches its warm start already read).
    public static func lastUnitID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(id) FROM units") ?? 0
    }

    private static func timeConditions(_ conditions: inout [String], _ arguments: inout StatementArguments, column: String,
                                       since: Int64?, until: Int64?) {
        if let since {
            conditions.append("\(column) >= ?")
            _ = arguments.append(contentsOf: [since])
        }
        if let until {
            conditions.append("\(column) < ?")
            _ = arguments.append(contentsOf: [until])
        }
    }

    private static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
