import Foundation
import GRDB
@testable import SMTQStore
import Testing

struct SchemaTests {
    @Test("migrating from empty, and from every earlier version, reaches the same schema")
    func migrations() throws {
        let migrations = StoreSchema.knownMigrations
        #expect(migrations == ["v1", "v2-process-values", "v3-alerts", "v4-access-tokens", "v5-forwarding"])
        var schemas: [String] = []
        for index in 0...migrations.count {
            let database = try TemporaryDatabase()
            let queue = try DatabaseQueue(path: database.path)
            if index > 0 { try StoreSchema.migrator.migrate(queue, upTo: migrations[index - 1]) }
            try queue.close()
            let migrated = try StoreDatabase.openForWriting(path: database.path)
            schemas.append(try migrated.read { db in
                try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
                    .joined(separator: "\n")
            })
            #expect(try migrated.read { try $0.tableExists("units") && $0.tableExists("rollups") })
        }
        #expect(Set(schemas).count == 1)
        for table in ["lines", "stations", "devices", "programs", "units", "defects", "measurements", "rollups",
                      "device_cursors", "counter_samples", "device_events", "spc_limits", "alerts", "alert_outbox",
                      "process_values", "alert_events", "alert_acks", "access_tokens"] {
            #expect(schemas[0].contains("CREATE TABLE \(table) "), "missing table \(table)")
        }
        let journalDatabase = try TemporaryDatabase()
        let journal = try StoreDatabase.openForWriting(path: journalDatabase.path).read {
            try String.fetchOne($0, sql: "PRAGMA journal_mode")
        }
        #expect(journal == "wal")
    }

    @Test("a database of a newer smtq is refused and left untouched")
    func newerSchemaRefused() throws {
        let database = try TemporaryDatabase()
        do {
            let queue = try StoreDatabase.openForWriting(path: database.path)
            try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
            try queue.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: database.path))
        let walBefore = try? Data(contentsOf: URL(fileURLWithPath: database.path + "-wal"))
        let errors = [
            #expect(throws: StoreError.self) { _ = try StoreDatabase.openForWriting(path: database.path) },
            #expect(throws: StoreError.self) { _ = try StoreDatabase.openReadOnly(path: database.path) },
        ]
        for error in errors {
            #expect(error?.code == .newerSchema)
            #expect(error?.description.contains("v99") == true)
            #expect(error?.description.contains("upgrade smtq") == true)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: database.path)) == before)
        // SQLite may create an empty -wal side file for the read-only look; it must hold nothing.
        let walAfter = try? Data(contentsOf: URL(fileURLWithPath: database.path + "-wal"))
        #expect(walAfter == walBefore || walAfter?.isEmpty == true)
    }

    @Test("a file that is not SQLite is refused with a pointer to 'smtq db check', and not changed")
    func garbageFileRefused() throws {
        let database = try TemporaryDatabase()
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        try garbage.write(to: URL(fileURLWithPath: database.path))
        let error = try #require(throws: StoreError.self) { _ = try StoreDatabase.openForWriting(path: database.path) }
        #expect(error.code == .notADatabase)
        #expect(error.description.hasPrefix(database.path + ": "))
        #expect(error.description.contains("smtq db check"))
        #expect(!error.description.contains("\n"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: database.path)) == garbage)
        let verdict = DatabaseCheck.check(path: database.path)
        #expect(!verdict.healthy)
    }

    @Test func foreignAndMissingDatabases() throws {
        let database = try TemporaryDatabase()
        let other = try DatabaseQueue(path: database.path)
        try other.write { try $0.execute(sql: "CREATE TABLE customers (id INTEGER PRIMARY KEY)") }
        try other.close()
        let writing = #expect(throws: StoreError.self) { _ = try StoreDatabase.openForWriting(path: database.path) }
        #expect(writing?.code == .foreignDatabase)
        let reading = #expect(throws: StoreError.self) { _ = try StoreDatabase.openReadOnly(path: database.path) }
        #expect(reading?.code == .foreignDatabase)
        let missing = #expect(throws: StoreError.self) {
            _ = try StoreDatabase.openReadOnly(path: database.folder.appendingPathComponent("none.sqlite").path)
        }
        #expect(missing?.code == .missing)
        #expect(missing?.description.contains("--db") == true)
        #expect(!FileManager.default.fileExists(atPath: database.folder.appendingPathComponent("none.sqlite").path),
                "a read command must not create the file")
    }

    @Test("the report and writer queries use their indexes")
    func queryPlans() throws {
        let database = try TemporaryDatabase()
        let queue = try StoreDatabase.openForWriting(path: database.path)
        func plan(_ sql: String) throws -> String {
            try queue.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: " | ")
            }
        }
        let cases: [(String, String)] = [
            ("SELECT id, time FROM units WHERE serial = 'X' AND station_id = 1 ORDER BY time", "units_serial_station_time"),
            ("SELECT * FROM units WHERE serial = 'X'", "units_serial_station_time"),
            ("SELECT * FROM units WHERE time >= 1 AND time < 2 ORDER BY time", "units_time"),
            ("SELECT count(*) FROM units WHERE station_id = 1 AND time >= 1 AND time < 2", "units_station_time"),
            ("SELECT * FROM defects WHERE unit_id = 5", "PRIMARY KEY"),
            ("SELECT unit_id FROM defects WHERE refdes = 'C12'", "defects_refdes"),
            ("SELECT value FROM measurements m WHERE name = 'VCC'", "measurements_name"),
            ("SELECT sum(units), sum(first_pass_units) FROM rollups WHERE station_id = 1 AND bucket >= 10 AND bucket < 20 GROUP BY program_id", "PRIMARY KEY"),
            ("SELECT station_id, sum(event_fails) FROM rollups WHERE bucket >= 10 AND bucket < 20 GROUP BY station_id", "rollups_bucket"),
            ("DELETE FROM units WHERE time < 5", "units_time"),
        ]
        for (sql, index) in cases {
            let detail = try plan(sql)
            #expect(detail.contains(index), "\(sql) → \(detail)")
            #expect(!detail.contains("SCAN units") && !detail.contains("SCAN defects") && !detail.contains("SCAN rollups"),
                    "\(sql) → \(detail)")
        }
    }
}
