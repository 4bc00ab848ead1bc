import GRDB

/// Facts about the SQLite library this process is linked against.
public enum SQLiteLibrary {
    /// The runtime version of SQLite, e.g. `3.40.1`, as the library itself reports it.
    public static func version() throws -> String {
        let queue = try DatabaseQueue()
        return try queue.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "unknown" }
    }
}
