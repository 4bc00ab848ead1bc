import Foundation
import GRDB
import SMTQCore

/// What an alert is about, as stored: the rule, its kind and severity, and the scope it fired for.
public struct AlertIdentity: Sendable, Hashable {
    public var rule: String
    public var kind: String
    public var dedupKey: String
    public var severity: String
    public var scope: AlertScope

    public init(rule: String, kind: String, dedupKey: String, severity: String, scope: AlertScope = AlertScope()) {
        self.rule = rule
        self.kind = kind
        self.dedupKey = dedupKey
        self.severity = severity
        self.scope = scope
    }
}

/// The notifications of an alert's life.
public enum AlertEventKind: String, Sendable, Codable, CaseIterable {
    case firing, reminder, resolved
    /// `smtq alerts test`: a sample through a rule's hooks (never stored).
    case test
}

/// One decided notification, written with its outbox rows in one transaction.
public struct AlertDecisionWrite: Sendable {
    public var identity: AlertIdentity
    public var event: AlertEventKind
    /// The open alert a reminder or resolution belongs to (nil for `firing`).
    public var alertID: Int64?
    public var at: Date
    /// Unique per decision: a decision replayed after a restart (the engine re-emits its last closed point)
    /// finds its key taken and writes nothing.
    public var decisionKey: String
    public var summary: String
    /// The SPC point the signal is on (spc alerts).
    public var pointStart: Int64?
    public var hooks: [String]
    /// The alert JSON, given the alert's id.
    public var payload: @Sendable (Int64) -> String

    public init(identity: AlertIdentity, event: AlertEventKind, alertID: Int64?, at: Date, decisionKey: String,
                summary: String, pointStart: Int64?, hooks: [String], payload: @escaping @Sendable (Int64) -> String) {
        self.identity = identity
        self.event = event
        self.alertID = alertID
        self.at = at
        self.decisionKey = decisionKey
        self.summary = summary
        self.pointStart = pointStart
        self.hooks = hooks
        self.payload = payload
    }
}

/// The latest alert of one rule and scope, as a restart finds it.
public struct AlertStateRow: Sendable, Equatable {
    public var id: Int64
    public var rule: String
    public var dedupKey: String
    public var firing: Bool
    public var startedAt: Date
    public var lastNotifiedAt: Date
    public var payload: String

    public init(id: Int64, rule: String, dedupKey: String, firing: Bool, startedAt: Date, lastNotifiedAt: Date,
                payload: String) {
        self.id = id
        self.rule = rule
        self.dedupKey = dedupKey
        self.firing = firing
        self.startedAt = startedAt
        self.lastNotifiedAt = lastNotifiedAt
        self.payload = payload
    }
}

/// An outbox row due for delivery.
public struct OutboxItem: Sendable, Equatable {
    public var id: Int64
    public var hook: String
    public var attempts: Int
    public var alertID: Int64
    public var event: AlertEventKind
    public var payload: String
}

/// An alert as `smtq alerts` lists it.
public struct AlertListRow: Sendable, Equatable {
    public var id: Int64
    public var rule: String
    public var kind: String
    public var severity: String
    public var scope: String
    public var state: String
    public var startedAt: Date
    public var resolvedAt: Date?
    public var summary: String
    /// Deliveries done / all, and the last error of one not done.
    public var delivered: Int
    public var deliveries: Int
    public var lastError: String?
    public var acks: [AlertAck]
    public var chart: String?
    public var series: String?
    public var pointStart: Int64?
    public var line: String?
    public var station: String?
    public var program: String?
}

/// Who acknowledged an alert, when, and the assignable cause or corrective action.
public struct AlertAck: Sendable, Equatable, Codable {
    public var by: String
    public var at: Date
    public var note: String
}

/// A hook's delivery backlog, for `smtq status` and `/metrics`.
public struct HookBacklog: Sendable, Equatable {
    public var hook: String
    public var pending: Int
    /// Pending deliveries that failed at least once, and the latest error among them.
    public var failing: Int
    public var lastError: String?
    public var oldestPending: Date?
}

/// SQL for the alert tables; every value bound.
public enum AlertStore {
    /// Writes one decision (inside the caller's transaction): the alert row (new for `firing`, updated
    /// otherwise), its event and one outbox row per hook. Returns the alert id and the event id, or nil when
    /// the decision was already written.
    public static func record(_ decision: AlertDecisionWrite, _ db: Database) throws -> (alert: Int64, event: Int64)? {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM alert_events WHERE decision_key = ?",
                             arguments: [decision.decisionKey]) == true {
            return nil
        }
        let at = decision.at.storeMicroseconds
        let identity = decision.identity
        let scope = identity.scope
        let alertID: Int64
        switch decision.event {
        case .firing:
            try db.execute(sql: """
                INSERT INTO alerts (rule, kind, dedup_key, severity, line, station, program, device, chart, series,
                                    refdes, code, state, started_at, last_notified_at, point_start, summary, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'firing', ?, ?, ?, ?, '')
                """, arguments: [identity.rule, identity.kind, identity.dedupKey, identity.severity, scope.line,
                                 scope.station, scope.program, scope.device, scope.chart, scope.series,
                                 scope.refdes, scope.code, at, at, decision.pointStart, decision.summary])
            alertID = db.lastInsertedRowID
        case .reminder, .resolved, .test:
            guard let existing = decision.alertID else { return nil }
            alertID = existing
        }
        let payload = decision.payload(alertID)
        switch decision.event {
        case .resolved:
            try db.execute(sql: """
                UPDATE alerts SET state = 'resolved', resolved_at = ?, last_notified_at = ?, payload = ? WHERE id = ?
                """, arguments: [at, at, payload, alertID])
        default:
            try db.execute(sql: "UPDATE alerts SET last_notified_at = ?, summary = ?, payload = ? WHERE id = ?",
                           arguments: [at, decision.summary, payload, alertID])
        }
        try db.execute(sql: "INSERT INTO alert_events (alert_id, event, at, decision_key, payload) VALUES (?, ?, ?, ?, ?)",
                       arguments: [alertID, decision.event.rawValue, at, decision.decisionKey, payload])
        let eventID = db.lastInsertedRowID
        for hook in decision.hooks {
            try db.execute(sql: "INSERT INTO alert_outbox (event_id, hook, next_attempt_at) VALUES (?, ?, ?)",
                           arguments: [eventID, hook, at])
        }
        return (alertID, eventID)
    }

    /// The latest alert of every rule and scope (what the lifecycle resumes from after a restart).
    public static func latestStates(_ db: Database) throws -> [AlertStateRow] {
        try Row.fetchAll(db, sql: """
            SELECT id, rule, dedup_key, state, started_at, last_notified_at, payload FROM alerts
            WHERE id IN (SELECT max(id) FROM alerts GROUP BY rule, dedup_key)
            """).map {
            AlertStateRow(id: $0[0], rule: $0[1], dedupKey: $0[2], firing: ($0[3] as String) == "firing",
                          startedAt: Date(storeMicroseconds: $0[4]), lastNotifiedAt: Date(storeMicroseconds: $0[5]),
                          payload: $0[6])
        }
    }

    /// Undelivered outbox rows of `hook` due at `now`, oldest event first. A row waits while an earlier
    /// notification of the same alert to the same hook is undelivered, so a hook never hears an alert's
    /// resolution before its firing (other alerts are not held up by one that keeps failing).
    public static func due(hook: String, now: Date, limit: Int, _ db: Database) throws -> [OutboxItem] {
        try Row.fetchAll(db, sql: """
            SELECT o.id, o.hook, o.attempts, e.alert_id, e.event, e.payload FROM alert_outbox o
            JOIN alert_events e ON e.id = o.event_id
            WHERE o.hook = ? AND o.delivered_at IS NULL AND o.next_attempt_at <= ?
              AND NOT EXISTS (SELECT 1 FROM alert_outbox p JOIN alert_events pe ON pe.id = p.event_id
                              WHERE p.hook = o.hook AND p.delivered_at IS NULL AND pe.alert_id = e.alert_id
                                AND p.id < o.id)
            ORDER BY o.event_id LIMIT ?
            """, arguments: [hook, now.storeMicroseconds, limit]).map {
            OutboxItem(id: $0[0], hook: $0[1], attempts: $0[2], alertID: $0[3],
                       event: AlertEventKind(rawValue: $0[4]) ?? .firing, payload: $0[5])
        }
    }

    /// When the next undelivered row of `hook` that may go (no earlier one of its alert waits) is due.
    public static func nextDue(hook: String, _ db: Database) throws -> Date? {
        try Int64.fetchOne(db, sql: """
            SELECT min(o.next_attempt_at) FROM alert_outbox o JOIN alert_events e ON e.id = o.event_id
            WHERE o.hook = ? AND o.delivered_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM alert_outbox p JOIN alert_events pe ON pe.id = p.event_id
                              WHERE p.hook = o.hook AND p.delivered_at IS NULL AND pe.alert_id = e.alert_id
                                AND p.id < o.id)
            """, arguments: [hook]).map(Date.init(storeMicroseconds:))
    }

    /// Makes every undelivered row due now (a start: whoever restarted smtqd may have fixed the receiver).
    public static func retryNow(at now: Date, _ db: Database) throws {
        try db.execute(sql: "UPDATE alert_outbox SET next_attempt_at = ? WHERE delivered_at IS NULL AND next_attempt_at > ?",
                       arguments: [now.storeMicroseconds, now.storeMicroseconds])
    }

    /// Hooks whose undelivered rows have failed: the most attempts of one row, the latest error, and the
    /// earliest failed attempt among them (how a restarted smtqd knows a hook was failing).
    public static func failingHooks(_ db: Database) throws -> [String: (attempts: Int, lastError: String?, since: Date?)] {
        var result: [String: (attempts: Int, lastError: String?, since: Date?)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT o.hook, max(o.attempts), min(o.last_attempt_at),
                   (SELECT x.last_error FROM alert_outbox x WHERE x.hook = o.hook AND x.delivered_at IS NULL
                      AND x.last_error IS NOT NULL ORDER BY x.last_attempt_at DESC LIMIT 1)
            FROM alert_outbox o WHERE o.delivered_at IS NULL AND o.attempts > 0 GROUP BY o.hook
            """) {
            result[row[0]] = (row[1], row[3], (row[2] as Int64?).map(Date.init(storeMicroseconds:)))
        }
        return result
    }

    public static func markDelivered(_ id: Int64, at: Date, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE alert_outbox SET delivered_at = ?, last_attempt_at = ?, attempts = attempts + 1 WHERE id = ?
            """, arguments: [at.storeMicroseconds, at.storeMicroseconds, id])
    }

    public static func markFailed(_ id: Int64, at: Date, retryAt: Date, error: String, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE alert_outbox SET attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = ?, last_error = ?
            WHERE id = ?
            """, arguments: [at.storeMicroseconds, retryAt.storeMicroseconds, String(error.prefix(500)), id])
    }

    /// Each hook's backlog (hooks with nothing pending are left out).
    public static func backlog(_ db: Database) throws -> [HookBacklog] {
        try Row.fetchAll(db, sql: """
            SELECT o.hook, count(*), sum(o.attempts > 0),
                   (SELECT last_error FROM alert_outbox x WHERE x.hook = o.hook AND x.delivered_at IS NULL
                      AND x.last_error IS NOT NULL ORDER BY x.last_attempt_at DESC LIMIT 1),
                   min(e.at)
            FROM alert_outbox o JOIN alert_events e ON e.id = o.event_id
            WHERE o.delivered_at IS NULL GROUP BY o.hook ORDER BY o.hook
            """).map {
            HookBacklog(hook: $0[0], pending: $0[1], failing: $0[2], lastError: $0[3],
                        oldestPending: ($0[4] as Int64?).map(Date.init(storeMicroseconds:)))
        }
    }

    /// Alerts that started at or after `since` (or are still firing), newest first.
    /// `line` keeps a line's alerts (and those of no line: the whole plant's); `programs` only alerts about
    /// those programs (a customer's products); `id` one alert.
    public static func list(since: Date?, rule: String? = nil, line: String? = nil, programs: [String]? = nil, id: Int64? = nil,
                            limit: Int, _ db: Database) throws -> [AlertListRow] {
        var conditions = [id == nil ? "(a.started_at >= ? OR a.state = 'firing')" : "a.id = ?"]
        var arguments: [any DatabaseValueConvertible] = [id ?? since?.storeMicroseconds ?? 0]
        if let rule {
            conditions.append("a.rule = ?")
            arguments.append(rule)
        }
        if let line {
            conditions.append("coalesce(a.line, ?) = ?")
            arguments += [line, line]
        }
        if let programs {
            conditions.append("a.program IN (\(programs.isEmpty ? "NULL" : programs.map { _ in "?" }.joined(separator: ",")))")
            arguments += programs as [any DatabaseValueConvertible]
        }
        arguments.append(limit)
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.id, a.rule, a.kind, a.severity, a.line, a.station, a.program, a.device, a.chart, a.series,
                   a.state, a.started_at, a.resolved_at, a.summary, a.point_start, a.refdes, a.code,
                   (SELECT count(*) FROM alert_outbox o JOIN alert_events e ON e.id = o.event_id
                      WHERE e.alert_id = a.id AND o.delivered_at IS NOT NULL),
                   (SELECT count(*) FROM alert_outbox o JOIN alert_events e ON e.id = o.event_id WHERE e.alert_id = a.id),
                   (SELECT o.last_error FROM alert_outbox o JOIN alert_events e ON e.id = o.event_id
                      WHERE e.alert_id = a.id AND o.delivered_at IS NULL AND o.last_error IS NOT NULL LIMIT 1)
            FROM alerts a WHERE \(conditions.joined(separator: " AND ")) ORDER BY a.id DESC LIMIT ?
            """, arguments: StatementArguments(arguments))
        let acks = try self.acks(for: rows.map { $0[0] as Int64 }, db)
        return rows.map { row in
            let id: Int64 = row[0]
            let place = [row[4], row[5], row[6], row[7], row[8]].compactMap { $0 as String? }.filter { !$0.isEmpty }
            let what = [row[15], row[16]].compactMap { $0 as String? }.filter { !$0.isEmpty }
            let scope = place.joined(separator: "/") + (what.isEmpty ? "" : " " + what.joined(separator: " "))
            return AlertListRow(
                id: id, rule: row[1], kind: row[2], severity: row[3], scope: scope, state: row[10],
                startedAt: Date(storeMicroseconds: row[11]), resolvedAt: (row[12] as Int64?).map(Date.init(storeMicroseconds:)),
                summary: row[13], delivered: row[17], deliveries: row[18], lastError: row[19], acks: acks[id] ?? [],
                chart: row[8], series: row[9], pointStart: row[14], line: row[4], station: row[5], program: row[6])
        }
    }

    /// Acknowledgements of the given alerts, oldest first.
    public static func acks(for ids: [Int64], _ db: Database) throws -> [Int64: [AlertAck]] {
        guard !ids.isEmpty else { return [:] }
        var result: [Int64: [AlertAck]] = [:]
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        for row in try Row.fetchAll(db, sql: "SELECT alert_id, by, at, note FROM alert_acks WHERE alert_id IN (\(marks)) ORDER BY id",
                                    arguments: StatementArguments(ids)) {
            result[row[0], default: []].append(AlertAck(by: row[1], at: Date(storeMicroseconds: row[2]), note: row[3]))
        }
        return result
    }

    /// Records an acknowledgement; false when there is no such alert.
    public static func acknowledge(_ id: Int64, by: String, note: String, at: Date, _ db: Database) throws -> Bool {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM alerts WHERE id = ?", arguments: [id]) == true else { return false }
        try db.execute(sql: "INSERT INTO alert_acks (alert_id, at, by, note) VALUES (?, ?, ?, ?)",
                       arguments: [id, at.storeMicroseconds, by, note])
        return true
    }
}
