import Foundation
import SMTQCore

/// `smtq export events` and `smtq events`: the stored device events (connects, disconnects, errors such as
/// undecodable records with their registers, gaps with the records lost, counter resets) with their device's
/// line and station, streamed in time order from a read-only database in constant memory.
public struct EventExporter {
    /// One stored event.
    public struct Event: Sendable, Equatable {
        public var time: Date
        public var device: String
        public var line: String
        public var station: String
        /// A `DeviceEvent.Kind` name, as stored.
        public var kind: String
        /// Records lost for a gap; 1 for the other kinds.
        public var count: Int
        public var detail: String?
    }

    /// Which events to read; empty lists and nil bounds do not filter.
    public struct Filter: Sendable {
        /// Store ids of the devices (`devices.id`).
        public var deviceIDs: [Int64]
        public var kinds: [DeviceEvent.Kind]
        /// Microseconds since 1970 UTC, `[since, until)`.
        public var since: Int64?
        public var until: Int64?

        public init(deviceIDs: [Int64] = [], kinds: [DeviceEvent.Kind] = [], since: Int64? = nil, until: Int64? = nil) {
            self.deviceIDs = deviceIDs
            self.kinds = kinds
            self.since = since
            self.until = until
        }
    }

    /// The CSV columns and JSON keys, in order.
    public static let columns = ["time", "device", "line", "station", "kind", "count", "detail"]

    public let source: any SQLSource
    public var filter: Filter

    public init(source: any SQLSource, filter: Filter = Filter()) {
        self.source = source
        self.filter = filter
    }

    /// Writes the events as JSON Lines or as CSV with a header; returns how many were written.
    @discardableResult
    public func write(as format: Exporter.Format, to output: OutputBuffer) throws -> Int {
        if format == .csv { output.append(CSVText.row(Self.columns)) }
        var rows = 0
        try source.withReader { db in
            try Self.forEach(db, filter) { event in
                output.append(format == .csv ? Self.csvRow(event) : Self.json(event) + "\n")
                rows += 1
            }
        }
        output.flush()
        return rows
    }

    /// Every event the filter lets through, oldest first (ties in the order they were stored). The time
    /// window reads `device_events_time`, a device filter `device_events_device_time`; all values are bound.
    public static func forEach(_ db: any SQLReader, _ filter: Filter, _ body: (Event) throws -> Void) throws {
        var conditions = ScopeConditions(stations: nil, program: nil, since: filter.since, until: filter.until, table: "e.")
        if !filter.deviceIDs.isEmpty {
            conditions.clauses.append("e.device_id IN (\(sqlPlaceholders(filter.deviceIDs.count)))")
            conditions.arguments += filter.deviceIDs.map { .integer($0) }
        }
        if !filter.kinds.isEmpty {
            conditions.clauses.append("e.kind IN (\(sqlPlaceholders(filter.kinds.count)))")
            conditions.arguments += filter.kinds.map { .text($0.rawValue) }
        }
        try db.forEachRow("""
            SELECT e.time, d.name, l.name, s.name, e.kind, e.count, e.detail
            FROM device_events e
            JOIN devices d ON d.id = e.device_id
            JOIN stations s ON s.id = d.station_id
            JOIN lines l ON l.id = s.line_id
            WHERE \(conditions.sql)
            ORDER BY e.time, e.id
            """, conditions.arguments) { row in
            try body(Event(time: Date(storeMicroseconds: row[0]), device: row[1], line: row[2], station: row[3], kind: row[4],
                           count: row[5], detail: row[6]))
        }
    }

    /// The event as one CSV row (`columns`).
    public static func csvRow(_ event: Event) -> String {
        CSVText.row([RFC3339.string(from: event.time), event.device, event.line, event.station, event.kind, String(event.count),
                     event.detail])
    }

    /// The event as one JSON object with the `columns` as keys; `detail` is null when the event has none.
    public static func json(_ event: Event) -> String {
        let values = [InterchangeJSON.string(RFC3339.string(from: event.time)), InterchangeJSON.string(event.device),
                      InterchangeJSON.string(event.line), InterchangeJSON.string(event.station), InterchangeJSON.string(event.kind),
                      String(event.count), event.detail.map(InterchangeJSON.string) ?? "null"]
        return "{" + zip(columns, values).map { "\"\($0)\":\($1)" }.joined(separator: ",") + "}"
    }
}
