import Foundation
import GRDB
import GRDBSQLite
import SMTQConfig

/// Opening the database: for writing (creating and migrating it) or for reading (read-only, never changed).
public enum StoreDatabase {
    /// Opens the database for the single writer, creating it if needed and migrating it to this build's
    /// schema. A database of a newer smtq or of another program is refused before anything is written.
    public static func openForWriting(path: String, synchronous: SynchronousMode = .normal) throws(StoreError) -> DatabaseQueue {
        if FileManager.default.fileExists(atPath: path) {
            try inspect(path: path, allowOlder: true)
        } else {
            // Created 0640 whatever the umask (SQLite gives its -wal and -shm files the database's mode): the
            // quality records are the plant's, readable by the smtq group, never by everyone.
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
            if descriptor >= 0 {
                fchmod(descriptor, 0o640)
                close(descriptor)
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue.uppercased())")
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try StoreSchema.migrator.migrate(queue)
            // SQLite opens a file it may not write read-only without a word; the writer would then hold every
            // record in memory, so a database that cannot be written is refused here.
            if queue.inDatabase({ sqlite3_db_readonly($0.sqliteConnection, "main") }) == 1 {
                throw StoreError(.storageUnavailable, path: path,
                                 message: "cannot be written (its mode, owner, immutable attribute or a read-only file system); smtqd must be able to write the database and its folder")
            }
            return queue
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.from(error, path: path, doing: "opening the database")
        }
    }

    /// Opens an existing database read-only: the file is never written, and reads work while smtqd writes.
    public static func openReadOnly(path: String) throws(StoreError) -> DatabaseQueue {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw StoreError(.missing, path: path, message: "is a folder, not a database file; give the file with --db PATH")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.missing, path: path,
                             message: "no database here; give the right one with --db PATH (or --config FILE), or create it with smtqd or 'smtq import'")
        }
        try inspect(path: path, allowOlder: false)
        return try readOnlyQueue(path: path)
    }

    private static func readOnlyQueue(path: String) throws(StoreError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StoreError.from(error, path: path, doing: "opening the database read-only")
        }
    }

    /// Checks, read-only, that `path` is an smtq database this build understands.
    private static func inspect(path: String, allowOlder: Bool) throws(StoreError) {
        let queue = try readOnlyQueue(path: path)
        let applied: Set<String>
        do {
            applied = try queue.read { db -> Set<String> in
                guard try db.tableExists("grdb_migrations") else {
                    let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
                    return tables == 0 ? [] : ["<foreign>"]
                }
                return Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
            }
        } catch {
            throw StoreError.from(error, path: path, doing: "reading the database")
        }
        if applied == ["<foreign>"] {
            throw StoreError(.foreignDatabase, path: path,
                             message: "is an SQLite database that smtq did not create; point --db at an smtq database")
        }
        let known = Set(StoreSchema.knownMigrations)
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty {
            throw StoreError(.newerSchema, path: path,
                             message: "was written by a newer smtq (schema \(unknown.sorted().joined(separator: ", ")) is unknown to this build \(knownDescription)); upgrade smtq, the file was not changed")
        }
        if !allowOlder, !known.isSubset(of: applied) {
            throw StoreError(.olderSchema, path: path,
                             message: "has an older schema; start smtqd (or run 'smtq import') once to upgrade it")
        }
    }

    private static var knownDescription: String {
        "(which knows " + StoreSchema.knownMigrations.joined(separator: ", ") + ")"
    }
}
