import SMTQStatistics

/// What one chart watches in the store: a station of a line, optionally one program, and for variable charts
/// one measurement.
public struct ChartScope: Sendable, Equatable {
    public var line: String
    public var station: String
    public var program: String?
    public var measurement: String?
    /// The site of the line (a central database holds several; nil: any, as on a line host's store).
    public var site: String?

    public init(line: String, station: String, program: String? = nil, measurement: String? = nil, site: String? = nil) {
        self.site = site
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
    public static func forEach(_ db: any SQLReader, scope: ChartScope, since: Int64? = nil, until: Int64? = nil,
                               aggregated: Bool = false, arrivalOrder: Bool = false,
                               _ body: (ChartEvent) throws -> Void) throws -> Int? {
        let siteClause = scope.site == nil ? "" : " AND l.site = ?"
        guard let stationID = try db.value("""
            SELECT s.id FROM stations s JOIN lines l ON l.id = s.line_id WHERE l.name = ? AND s.name = ?\(siteClause) ORDER BY s.id LIMIT 1
            """, [.text(scope.line), .text(scope.station)] + (scope.site.map { [.text($0)] } ?? []), as: Int64.self) else { return nil }
        var programID: Int64?
        if let program = scope.program {
            guard let id = try db.value("SELECT id FROM programs WHERE name = ?", [.text(program)], as: Int64.self) else { return nil }
            programID = id
        }
        let quarter = StoreSchema.bucketMicroseconds
        let conditions = scope.measurement != nil
            ? ScopeConditions(stations: [stationID], program: programID, since: since, until: until, table: "u.")
            : aggregated
            ? ScopeConditions(stations: [stationID], program: programID, since: since.map { floorDiv($0, quarter) },
                              until: until.map { floorDiv($0 + quarter - 1, quarter) }, timeColumn: "bucket")
            : ScopeConditions(stations: [stationID], program: programID, since: since, until: until)
        var events = 0
        if let measurement = scope.measurement, programID == nil {
            // A process value of the station is one of its measurements (it has no program, so a chart of
            // one program sees only the units' measurements). In arrival order (unit-count subgroups) the
            // units' values come before the process values, as the live engine takes each committed batch.
            let values = ScopeConditions(stations: [stationID], program: nil, since: since, until: until, table: "p.")
            try db.forEachRow("""
                SELECT time, value FROM (
                  SELECT u.time AS time, u.id AS id, m.slot AS slot, m.value AS value, 0 AS source
                  FROM units u JOIN measurements m ON m.unit_id = u.id WHERE \(conditions.sql) AND m.name = ?
                  UNION ALL
                  SELECT p.time, p.id, 0, p.value, 1 FROM process_values p WHERE \(values.sql) AND p.name = ?) v
                ORDER BY \(arrivalOrder ? "source, id" : "time, source, id"), slot
                """, conditions.arguments + [.text(measurement)] + values.arguments + [.text(measurement)]) { row in
                try body(ChartEvent(time: row[0], value: row[1]))
                events += 1
            }
        } else if let measurement = scope.measurement {
            try db.forEachRow("""
                SELECT u.time, m.value FROM units u JOIN measurements m ON m.unit_id = u.id
                WHERE \(conditions.sql) AND m.name = ?
                ORDER BY \(arrivalOrder ? "u.id" : "u.time, u.id"), m.slot
                """, conditions.arguments + [.text(measurement)]) { row in
                try body(ChartEvent(time: row[0], value: row[1]))
                events += 1
            }
        } else if aggregated {
            try db.forEachRow("""
                SELECT bucket, sum(event_tests), sum(event_fails), sum(event_defects) FROM rollups
                WHERE \(conditions.sql) GROUP BY bucket HAVING sum(event_tests) > 0 ORDER BY bucket
                """, conditions.arguments) { row in
                let start: Int64 = row[0]
                try body(ChartEvent(time: start * quarter, tests: row[1], fails: row[2], defects: row[3]))
                events += 1
            }
        } else {
            try db.forEachRow("""
                SELECT time, result, defect_count FROM units WHERE \(conditions.sql)
                ORDER BY \(arrivalOrder ? "id" : "time, id")
                """, conditions.arguments) { row in
                let result: Int = row[1]
                try body(ChartEvent(time: row[0], fails: result == 0 ? 0 : 1, defects: row[2]))
                events += 1
            }
        }
        if events == 0, let measurement = scope.measurement, try !measurementExists(db, measurement) {
            return nil
        }
        return events
    }

    /// Whether any unit has a measurement, or any station a process value, of this name.
    public static func measurementExists(_ db: any SQLReader, _ name: String) throws -> Bool {
        try db.value("""
            SELECT EXISTS (SELECT 1 FROM measurements WHERE name = ?) OR EXISTS (SELECT 1 FROM process_values WHERE name = ?)
            """, [.text(name), .text(name)], as: Bool.self) ?? false
    }

    /// Every measurement and process value name, sorted.
    public static func measurementNames(_ db: any SQLReader) throws -> [String] {
        try db.column("SELECT name FROM measurements UNION SELECT name FROM process_values ORDER BY name", as: String.self)
    }

    /// The highest stored process value id (the live engine skips what its warm start already read).
    public static func lastProcessValueID(_ db: any SQLReader) throws -> Int64 {
        try db.value("SELECT max(id) FROM process_values", as: Int64.self) ?? 0
    }

    /// The highest stored unit id (the live engine skips committed batches its warm start already read).
    public static func lastUnitID(_ db: any SQLReader) throws -> Int64 {
        try db.value("SELECT max(id) FROM units", as: Int64.self) ?? 0
    }

    private static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
