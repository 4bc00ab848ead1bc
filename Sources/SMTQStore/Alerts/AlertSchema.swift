import GRDB

/// The alert tables (migration `v3-alerts`). An alert is one episode of a rule for one scope (a stable id);
/// each of its notifications (`firing`, `reminder`, `resolved`) is an event, and each event is delivered
/// to each of the rule's hooks through one outbox row. Acknowledgements and notes are rows of their own.
enum AlertSchema {
    static func create(_ db: Database) throws {
        // Versions before v3 created `alerts` and `alert_outbox` but never wrote them.
        try db.execute(sql: """
            DROP TABLE alert_outbox;
            DROP TABLE alerts;
            CREATE TABLE alerts (
              id INTEGER PRIMARY KEY,
              rule TEXT NOT NULL,
              kind TEXT NOT NULL,
              dedup_key TEXT NOT NULL,
              severity TEXT NOT NULL,
              line TEXT, station TEXT, program TEXT, device TEXT, chart TEXT, series TEXT, refdes TEXT, code TEXT,
              state TEXT NOT NULL,
              started_at INTEGER NOT NULL,
              last_notified_at INTEGER NOT NULL,
              resolved_at INTEGER,
              point_start INTEGER,
              summary TEXT NOT NULL,
              payload TEXT NOT NULL);
            CREATE UNIQUE INDEX alerts_open ON alerts(rule, dedup_key) WHERE state = 'firing';
            CREATE INDEX alerts_rule_key ON alerts(rule, dedup_key, id);
            CREATE INDEX alerts_started ON alerts(started_at);
            CREATE TABLE alert_events (
              id INTEGER PRIMARY KEY,
              alert_id INTEGER NOT NULL REFERENCES alerts(id),
              event TEXT NOT NULL,
              at INTEGER NOT NULL,
              decision_key TEXT NOT NULL UNIQUE,
              payload TEXT NOT NULL);
            CREATE INDEX alert_events_alert ON alert_events(alert_id);
            CREATE TABLE alert_outbox (
              id INTEGER PRIMARY KEY,
              event_id INTEGER NOT NULL REFERENCES alert_events(id),
              hook TEXT NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0,
              next_attempt_at INTEGER NOT NULL,
              last_error TEXT,
              last_attempt_at INTEGER,
              delivered_at INTEGER);
            CREATE INDEX alert_outbox_due ON alert_outbox(hook, delivered_at, next_attempt_at);
            CREATE TABLE alert_acks (
              id INTEGER PRIMARY KEY,
              alert_id INTEGER NOT NULL REFERENCES alerts(id),
              at INTEGER NOT NULL,
              by TEXT NOT NULL,
              note TEXT NOT NULL);
            CREATE INDEX alert_acks_alert ON alert_acks(alert_id);
            """)
    }

    /// Retention: resolved alerts that started before `time` and whose every delivery is done go, with
    /// their events, outbox rows and notes. Firing alerts and undelivered events stay, and so does the alert
    /// holding each table's highest id (SQLite would hand a deleted highest id out again; forwarding reads by id).
    static func prune(_ db: Database, before time: Int64) throws {
        let doomed = """
            SELECT a.id FROM alerts a WHERE a.started_at < ? AND a.state = 'resolved'
              AND NOT EXISTS (SELECT 1 FROM alert_events e JOIN alert_outbox o ON o.event_id = e.id
                              WHERE e.alert_id = a.id AND o.delivered_at IS NULL)
              AND a.id < (SELECT max(id) FROM alerts)
              AND NOT EXISTS (SELECT 1 FROM alert_events e WHERE e.alert_id = a.id AND e.id = (SELECT max(id) FROM alert_events))
              AND NOT EXISTS (SELECT 1 FROM alert_acks k WHERE k.alert_id = a.id AND k.id = (SELECT max(id) FROM alert_acks))
            LIMIT 1000
            """
        let ids = try Int64.fetchAll(db, sql: doomed, arguments: [time])
        guard !ids.isEmpty else { return }
        let list = ids.map(String.init).joined(separator: ",")
        try db.execute(sql: """
            DELETE FROM alert_outbox WHERE event_id IN (SELECT id FROM alert_events WHERE alert_id IN (\(list)));
            DELETE FROM alert_events WHERE alert_id IN (\(list));
            DELETE FROM alert_acks WHERE alert_id IN (\(list));
            DELETE FROM alerts WHERE id IN (\(list));
            """)
    }
}
