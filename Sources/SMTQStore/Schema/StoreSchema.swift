import GRDB

/// The database schema, as GRDB migrations. A migration never changes once released; new versions append.
///
/// Times are INTEGER microseconds since 1970-01-01 UTC. Rollup buckets are 15-minute UTC slots
/// (`time / 900_000_000`): every time zone offset in use is a multiple of 15 minutes, so local hours, days
/// and shifts (on quarter hours) are exact sums of buckets.
public enum StoreSchema {
    /// Microseconds per rollup bucket.
    public static let bucketMicroseconds: Int64 = 900_000_000

    /// The rollup bucket of a time in microseconds (rounded down, also before 1970).
    public static func bucket(_ microseconds: Int64) -> Int64 {
        let (quotient, remainder) = microseconds.quotientAndRemainder(dividingBy: bucketMicroseconds)
        return remainder < 0 ? quotient - 1 : quotient
    }

    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try createIdentities(db)
            try createUnits(db)
            try createAcquisition(db)
            try createSPCAndAlerts(db)
        }
        migrator.registerMigration("v2-process-values") { db in
            try createProcessValues(db)
        }
        migrator.registerMigration("v3-alerts") { db in
            try AlertSchema.create(db)
        }
        migrator.registerMigration("v4-access-tokens") { db in
            try AccessTokenStore.create(db)
        }
        migrator.registerMigration("v5-forwarding") { db in
            try ForwardOutbox.create(db)
        }
        return migrator
    }

    /// The migration identifiers this build knows, oldest first.
    public static var knownMigrations: [String] { migrator.migrations }

    private static func createIdentities(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE lines (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE);
            CREATE TABLE stations (
              id INTEGER PRIMARY KEY,
              line_id INTEGER NOT NULL REFERENCES lines(id),
              name TEXT NOT NULL,
              UNIQUE (line_id, name));
            CREATE TABLE devices (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE,
              station_id INTEGER NOT NULL REFERENCES stations(id));
            CREATE TABLE programs (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE);
            """)
    }

    private static func createUnits(_ db: Database) throws {
        // result: 0 pass, 1 fail. first_pass: 1 on the first result of the serial at the station.
        // defect_count / false_call_count: the unit's real defects and false calls (rollups and reports).
        try db.execute(sql: """
            CREATE TABLE units (
              id INTEGER PRIMARY KEY,
              device_id INTEGER NOT NULL REFERENCES devices(id),
              station_id INTEGER NOT NULL REFERENCES stations(id),
              program_id INTEGER NOT NULL REFERENCES programs(id),
              serial TEXT NOT NULL,
              position INTEGER,
              result INTEGER NOT NULL,
              cycle_ms INTEGER,
              time INTEGER NOT NULL,
              device_time INTEGER,
              host_time INTEGER NOT NULL,
              source_seq INTEGER,
              first_pass INTEGER NOT NULL,
              defect_count INTEGER NOT NULL,
              false_call_count INTEGER NOT NULL,
              has_defects INTEGER NOT NULL,
              has_measurements INTEGER NOT NULL);
            CREATE UNIQUE INDEX units_serial_station_time ON units(serial, station_id, time);
            CREATE INDEX units_time ON units(time);
            CREATE INDEX units_station_time ON units(station_id, time);

            CREATE TABLE defects (
              unit_id INTEGER NOT NULL,
              slot INTEGER NOT NULL,
              refdes TEXT,
              part TEXT,
              code TEXT NOT NULL,
              category TEXT,
              verdict INTEGER NOT NULL,
              PRIMARY KEY (unit_id, slot)) WITHOUT ROWID;
            CREATE INDEX defects_refdes ON defects(refdes, code);

            CREATE TABLE measurements (
              unit_id INTEGER NOT NULL,
              slot INTEGER NOT NULL,
              name TEXT NOT NULL,
              value REAL NOT NULL,
              unit TEXT,
              lsl REAL,
              usl REAL,
              PRIMARY KEY (unit_id, slot)) WITHOUT ROWID;
            CREATE INDEX measurements_name ON measurements(name);

            CREATE TABLE rollups (
              station_id INTEGER NOT NULL,
              program_id INTEGER NOT NULL,
              bucket INTEGER NOT NULL,
              units INTEGER NOT NULL DEFAULT 0,
              first_pass_units INTEGER NOT NULL DEFAULT 0,
              final_pass_units INTEGER NOT NULL DEFAULT 0,
              tests INTEGER NOT NULL DEFAULT 0,
              fails INTEGER NOT NULL DEFAULT 0,
              defects INTEGER NOT NULL DEFAULT 0,
              false_calls INTEGER NOT NULL DEFAULT 0,
              event_tests INTEGER NOT NULL DEFAULT 0,
              event_fails INTEGER NOT NULL DEFAULT 0,
              event_defective_units INTEGER NOT NULL DEFAULT 0,
              event_defects INTEGER NOT NULL DEFAULT 0,
              event_false_calls INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (station_id, program_id, bucket)) WITHOUT ROWID;
            CREATE INDEX rollups_bucket ON rollups(bucket);
            """)
    }

    private static func createAcquisition(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE device_cursors (
              device_id INTEGER PRIMARY KEY REFERENCES devices(id),
              seq INTEGER NOT NULL,
              updated_at INTEGER NOT NULL);
            CREATE TABLE counter_samples (
              id INTEGER PRIMARY KEY,
              device_id INTEGER NOT NULL REFERENCES devices(id),
              counter TEXT NOT NULL,
              time INTEGER NOT NULL,
              value INTEGER NOT NULL,
              delta INTEGER,
              event TEXT);
            CREATE INDEX counter_samples_device_time ON counter_samples(device_id, counter, time);
            CREATE INDEX counter_samples_time ON counter_samples(time);
            CREATE TABLE device_events (
              id INTEGER PRIMARY KEY,
              device_id INTEGER NOT NULL REFERENCES devices(id),
              time INTEGER NOT NULL,
              kind TEXT NOT NULL,
              count INTEGER NOT NULL DEFAULT 1,
              detail TEXT);
            CREATE INDEX device_events_device_time ON device_events(device_id, time);
            CREATE INDEX device_events_time ON device_events(time);
            """)
    }

    /// Process values (time series of a station, not tied to a unit), and the raw registers of the record at
    /// each device's cursor (a FIFO head shown again is recognised by its content, not by its time).
    private static func createProcessValues(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE device_cursors ADD COLUMN content BLOB;
            CREATE TABLE process_values (
              id INTEGER PRIMARY KEY,
              device_id INTEGER NOT NULL REFERENCES devices(id),
              station_id INTEGER NOT NULL REFERENCES stations(id),
              name TEXT NOT NULL,
              time INTEGER NOT NULL,
              value REAL NOT NULL,
              unit TEXT,
              lsl REAL,
              usl REAL);
            CREATE UNIQUE INDEX process_values_key ON process_values(station_id, name, time, device_id);
            CREATE INDEX process_values_time ON process_values(time);
            """)
    }

    private static func createSPCAndAlerts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE spc_limits (
              id INTEGER PRIMARY KEY,
              chart_key TEXT NOT NULL,
              chart_type TEXT NOT NULL,
              limits TEXT NOT NULL,
              baseline_from INTEGER,
              baseline_to INTEGER,
              baseline_points INTEGER,
              created_by TEXT NOT NULL,
              created_at INTEGER NOT NULL,
              active INTEGER NOT NULL DEFAULT 1);
            CREATE INDEX spc_limits_chart ON spc_limits(chart_key, active);
            CREATE TABLE alerts (
              id INTEGER PRIMARY KEY,
              rule TEXT NOT NULL,
              dedup_key TEXT NOT NULL,
              severity TEXT NOT NULL,
              raised_at INTEGER NOT NULL,
              payload TEXT NOT NULL);
            CREATE INDEX alerts_rule_key ON alerts(rule, dedup_key, raised_at);
            CREATE INDEX alerts_time ON alerts(raised_at);
            CREATE TABLE alert_outbox (
              id INTEGER PRIMARY KEY,
              alert_id INTEGER NOT NULL REFERENCES alerts(id),
              hook TEXT NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0,
              next_attempt_at INTEGER NOT NULL,
              last_error TEXT,
              delivered_at INTEGER);
            CREATE INDEX alert_outbox_due ON alert_outbox(delivered_at, next_attempt_at);
            """)
    }
}
