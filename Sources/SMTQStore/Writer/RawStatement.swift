import GRDB
import GRDBSQLite

/// Binds and steps one of GRDB's cached statements through the SQLite C API.
///
/// Only the writer's per-unit statements use it: GRDB's `StatementArguments` boxes every value in an
/// existential and allocates per call, which `smtq-bench ingest` measured at about a third of the writer's
/// time. The statements are still prepared and cached by GRDB on its connection; this only binds values and
/// steps, and always resets the statement afterwards so GRDB finds it as it left it.
struct RawStatement {
    private let handle: OpaquePointer
    private let db: Database
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        self.db = db
        self.handle = try db.cachedStatement(sql: sql).sqliteStatement
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int?) {
        bind(index, value.map(Int64.init))
    }

    func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { sqlite3_bind_text(handle, index, value, -1, Self.transient) } else { sqlite3_bind_null(handle, index) }
    }

    /// Steps once: `true` when a row is available, `false` when done.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            reset()
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    /// Steps to the end (an INSERT or UPDATE) and resets.
    func execute() throws {
        while try step() {}
        reset()
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
}
