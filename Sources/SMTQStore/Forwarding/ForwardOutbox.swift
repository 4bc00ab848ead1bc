import Foundation
import GRDB

/// What a line host forwards to the central database, read from the local store by cursor (migration
/// `v5-forwarding`): units with their defects and measurements in id order, the rollup rows they touched
/// (as they stand), device events, SPC limit sets and alerts. The cursors live in the store, so the local
/// SQLite is the buffer that never loses a record: a restart, or a central database away for days, resumes
/// where the last confirmed batch ended, oldest first.
public enum ForwardOutbox {
    /// The cursor names.
    public enum Stream: String, Sendable, CaseIterable {
        case units, events = "device_events", alertEvents = "alert_events", alertAcks = "alert_acks", limits = "spc_limits",
             processValues = "process_values"
    }

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE forward_cursors (
              stream TEXT PRIMARY KEY,
              last_id INTEGER NOT NULL,
              updated_at INTEGER NOT NULL);
            CREATE TABLE forward_conflicts (
              id INTEGER PRIMARY KEY,
              stream TEXT NOT NULL,
              local_id INTEGER NOT NULL,
              detected_at INTEGER NOT NULL,
              detail TEXT NOT NULL);
            """)
    }

    /// Every stream's confirmed position (0: nothing forwarded yet).
    public static func cursors(_ db: Database) throws -> [Stream: Int64] {
        var cursors = Dictionary(uniqueKeysWithValues: Stream.allCases.map { ($0, Int64(0)) })
        for row in try Row.fetchAll(db, sql: "SELECT stream, last_id FROM forward_cursors") {
            if let stream = Stream(rawValue: row[0]) { cursors[stream] = row[1] }
        }
        return cursors
    }

    /// Stores confirmed positions and the conflicts the central database refused (in the caller's transaction).
    public static func confirm(_ db: Database, cursors: [Stream: Int64], conflicts: [ForwardConflict]) throws {
        let now = Date().storeMicroseconds
        for (stream, id) in cursors {
            try db.execute(sql: """
                INSERT INTO forward_cursors (stream, last_id, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (stream) DO UPDATE SET last_id = max(last_id, excluded.last_id), updated_at = excluded.updated_at
                """, arguments: [stream.rawValue, id, now])
        }
        for conflict in conflicts {
            try db.execute(sql: "INSERT INTO forward_conflicts (stream, local_id, detected_at, detail) VALUES (?, ?, ?, ?)",
                           arguments: [conflict.stream.rawValue, conflict.localID, now, conflict.detail])
        }
    }

    /// How far forwarding is behind: units not yet confirmed and the time of the oldest, and conflicts so far.
    public static func lag(_ db: Database) throws -> ForwardLag {
        let cursor = try Int64.fetchOne(db, sql: "SELECT last_id FROM forward_cursors WHERE stream = 'units'") ?? 0
        let row = try Row.fetchOne(db, sql: "SELECT count(*), min(host_time) FROM units WHERE id > ?", arguments: [cursor])
        let conflicts = try Int.fetchOne(db, sql: "SELECT count(*) FROM forward_conflicts") ?? 0
        return ForwardLag(units: row?[0] ?? 0, oldest: (row?[1] as Int64?).map { Date(storeMicroseconds: $0) }, conflicts: conflicts)
    }

    /// What retention must keep while forwarding is on: everything after the confirmed positions, and the
    /// rollup rows from the first unforwarded unit's quarter hour on.
    public static func hold(_ db: Database) throws -> ForwardHold {
        let cursors = try cursors(db)
        let units = cursors[.units] ?? 0
        let first = try Int64.fetchOne(db, sql: "SELECT min(time) FROM units WHERE id > ?", arguments: [units])
        return ForwardHold(units: units, events: cursors[.events] ?? 0, processValues: cursors[.processValues] ?? 0,
                           firstUnforwardedBucket: first.map(StoreSchema.bucket))
    }

    /// The next batch after `cursors`: up to `units` units (and what they bring), up to 5 × `units` events,
    /// as many process values, the alerts changed since, and every SPC limit set when one was added or changed.
    public static func batch(_ db: Database, after cursors: [Stream: Int64], units: Int) throws -> ForwardBatch {
        var batch = ForwardBatch(cursors: cursors)
        let unitRows = try db.rows("""
            SELECT id, device_id, station_id, program_id, serial, position, result, cycle_ms, time, device_time, host_time,
                   source_seq, first_pass, defect_count, false_call_count, has_defects, has_measurements
            FROM units WHERE id > ? ORDER BY id LIMIT ?
            """, [.integer(cursors[.units] ?? 0), .integer(Int64(units))])
        batch.units = unitRows.map(\.values)
        if let last = unitRows.last {
            let first: Int64 = unitRows[0][0], lastID: Int64 = last[0]
            batch.cursors[.units] = lastID
            batch.defects = try db.rows("""
                SELECT d.unit_id, u.time, d.slot, d.refdes, d.part, d.code, d.category, d.verdict
                FROM units u JOIN defects d ON d.unit_id = u.id WHERE u.id BETWEEN ? AND ? AND u.has_defects = 1
                ORDER BY d.unit_id, d.slot
                """, [.integer(first), .integer(lastID)]).map(\.values)
            batch.measurements = try db.rows("""
                SELECT m.unit_id, u.time, m.slot, m.name, m.value, m.unit, m.lsl, m.usl
                FROM units u JOIN measurements m ON m.unit_id = u.id WHERE u.id BETWEEN ? AND ? AND u.has_measurements = 1
                ORDER BY m.unit_id, m.slot
                """, [.integer(first), .integer(lastID)]).map(\.values)
            // Results of the same serial at the same station: a late earlier result moves the first pass (and the
            // cohort's rollup rows), so their flags and rows go again as they stand now.
            batch.firstPass = try db.rows("""
                SELECT DISTINCT x.id, x.time, x.first_pass FROM units u JOIN units x ON x.serial = u.serial AND x.station_id = u.station_id
                WHERE u.id BETWEEN ? AND ? AND x.id <= ? AND x.id <> u.id
                """, [.integer(first), .integer(lastID), .integer(lastID)]).map(\.values)
            let quarter = StoreSchema.bucketMicroseconds
            batch.rollups = try db.rows("""
                SELECT r.station_id, r.program_id, r.bucket, r.units, r.first_pass_units, r.final_pass_units, r.tests, r.fails,
                       r.defects, r.false_calls, r.event_tests, r.event_fails, r.event_defective_units, r.event_defects, r.event_false_calls
                FROM rollups r JOIN (
                  SELECT DISTINCT x.station_id, x.program_id, x.time / \(quarter) - (CASE WHEN x.time < 0 AND x.time % \(quarter) <> 0 THEN 1 ELSE 0 END) AS bucket
                  FROM units u JOIN units x ON x.serial = u.serial AND x.station_id = u.station_id
                  WHERE u.id BETWEEN ? AND ?) k
                ON r.station_id = k.station_id AND r.program_id = k.program_id AND r.bucket = k.bucket
                """, [.integer(first), .integer(lastID)]).map(\.values)
        }
        let events = try db.rows("""
            SELECT id, device_id, time, kind, count, detail FROM device_events WHERE id > ? ORDER BY id LIMIT ?
            """, [.integer(cursors[.events] ?? 0), .integer(Int64(units * 5))])
        batch.events = events.map(\.values)
        if let last = events.last { batch.cursors[.events] = last[0] }
        let samples = try db.rows("""
            SELECT id, device_id, station_id, name, time, value, unit, lsl, usl FROM process_values WHERE id > ? ORDER BY id LIMIT ?
            """, [.integer(cursors[.processValues] ?? 0), .integer(Int64(units * 5))])
        batch.processValues = samples.map(\.values)
        if let last = samples.last { batch.cursors[.processValues] = last[0] }
        // Alerts whose state changed (each change is an event) or that were acknowledged since.
        let alertEvents = try Int64.fetchOne(db, sql: "SELECT max(id) FROM alert_events") ?? 0
        let acks = try Int64.fetchOne(db, sql: "SELECT max(id) FROM alert_acks") ?? 0
        if alertEvents > cursors[.alertEvents] ?? 0 || acks > cursors[.alertAcks] ?? 0 {
            batch.alerts = try db.rows("""
                SELECT a.id, a.rule, a.kind, a.dedup_key, a.severity, a.line, a.station, a.program, a.device, a.chart, a.series,
                       a.refdes, a.code, a.state, a.started_at, a.last_notified_at, a.resolved_at, a.point_start, a.summary, a.payload,
                       (SELECT k.by FROM alert_acks k WHERE k.alert_id = a.id ORDER BY k.id DESC LIMIT 1),
                       (SELECT k.at FROM alert_acks k WHERE k.alert_id = a.id ORDER BY k.id DESC LIMIT 1)
                FROM alerts a WHERE a.id IN (SELECT alert_id FROM alert_events WHERE id > ? AND id <= ?
                                             UNION SELECT alert_id FROM alert_acks WHERE id > ? AND id <= ?)
                ORDER BY a.id
                """, [.integer(cursors[.alertEvents] ?? 0), .integer(alertEvents), .integer(cursors[.alertAcks] ?? 0), .integer(acks)])
                .map(\.values)
            batch.cursors[.alertEvents] = alertEvents
            batch.cursors[.alertAcks] = acks
        }
        // SPC limit sets are few: all of them again whenever one is added or switched off.
        let limitsVersion = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) * 1000003 + coalesce(sum(active * id), 0) FROM spc_limits") ?? 0
        if limitsVersion != cursors[.limits] ?? 0 {
            batch.limits = try db.rows("""
                SELECT id, chart_key, chart_type, limits, baseline_from, baseline_to, baseline_points, created_by, created_at, active
                FROM spc_limits ORDER BY id
                """).map(\.values)
            batch.cursors[.limits] = limitsVersion
        }
        return batch
    }

    /// The local names by id (the central database keys lines and programs by name, devices by host and name).
    public static func identities(_ db: Database) throws -> LocalIdentities {
        var identities = LocalIdentities()
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM lines") { identities.lines[row[0]] = row[1] }
        for row in try Row.fetchAll(db, sql: "SELECT id, line_id, name FROM stations") { identities.stations[row[0]] = (row[1], row[2]) }
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM programs") { identities.programs[row[0]] = row[1] }
        for row in try Row.fetchAll(db, sql: "SELECT id, name, station_id FROM devices") { identities.devices[row[0]] = (row[1], row[2]) }
        return identities
    }
}

/// A column value on its way to the central database.
public typealias ForwardValue = SQLValue

/// One batch for the central database, with the cursors it moves to once confirmed. Row layouts follow the
/// SELECTs of `ForwardOutbox.batch` (local ids; the central side maps them).
public struct ForwardBatch: Sendable {
    public var cursors: [ForwardOutbox.Stream: Int64]
    public var units: [[ForwardValue]] = []
    public var defects: [[ForwardValue]] = []
    public var measurements: [[ForwardValue]] = []
    /// (id, time, first_pass) of earlier results of the batch's serials at their stations.
    public var firstPass: [[ForwardValue]] = []
    public var rollups: [[ForwardValue]] = []
    public var events: [[ForwardValue]] = []
    public var processValues: [[ForwardValue]] = []
    public var alerts: [[ForwardValue]] = []
    public var limits: [[ForwardValue]] = []

    public var isEmpty: Bool {
        units.isEmpty && events.isEmpty && processValues.isEmpty && alerts.isEmpty && limits.isEmpty
    }
}

/// A record the central database refused: same key, other content (e.g. a reinstalled host under a reused name).
public struct ForwardConflict: Sendable, Equatable {
    public var stream: ForwardOutbox.Stream
    public var localID: Int64
    public var detail: String

    public init(stream: ForwardOutbox.Stream, localID: Int64, detail: String) {
        self.stream = stream
        self.localID = localID
        self.detail = detail
    }
}

/// What retention keeps for forwarding (ids above the confirmed positions, rollups from a bucket on).
public struct ForwardHold: Sendable, Equatable {
    public var units: Int64
    public var events: Int64
    public var processValues: Int64
    public var firstUnforwardedBucket: Int64?
}

/// Forwarding's distance behind the local store.
public struct ForwardLag: Sendable, Equatable {
    public var units: Int
    /// When the oldest unforwarded unit was stored.
    public var oldest: Date?
    public var conflicts: Int
}

/// The local store's names by id, as the central database needs them.
public struct LocalIdentities: Sendable {
    public var lines: [Int64: String] = [:]
    public var stations: [Int64: (line: Int64, name: String)] = [:]
    public var programs: [Int64: String] = [:]
    public var devices: [Int64: (name: String, station: Int64)] = [:]

    public init() {}
}

