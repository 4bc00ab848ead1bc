import Foundation
import Logging
import NIOCore
import PostgresNIO
import SMTQStore

/// Report SQL on the central database, from a thread that may block (the command line): `?` placeholders
/// become `$1…`, each column comes back as the engine-neutral `SQLValue` the reports read.
public struct PostgresReader: SQLReader {
    let connection: PostgresConnection
    let logger: Logger

    public var dialect: SQLDialect { .postgres }

    public func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        let result = try connection.query(Self.query(sql, arguments), logger: logger).wait()
        for row in result {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for cell in row { values.append(try Self.value(cell)) }
            try body(SQLRow(values))
        }
    }

    /// The statement with `$n` placeholders and its bindings.
    static func query(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case let .integer(value): bindings.append(value)
            case let .real(value): bindings.append(value)
            case let .text(value): bindings.append(value)
            case let .blob(bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return PostgresQuery(unsafeSQL: numbered(sql), binds: bindings)
    }

    /// `?` → `$1`, `$2` … outside quoted text.
    static func numbered(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        var quoted = false
        for character in sql {
            if character == "'" { quoted.toggle() }
            if character == "?", !quoted {
                index += 1
                output += "$\(index)"
            } else {
                output.append(character)
            }
        }
        return output
    }

    /// One cell as the value SQLite would have given: integers (and booleans as 0/1), reals, text, bytes.
    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .numeric:
            // sum() of bigint is numeric: whole sums stay integers, as in SQLite.
            let decimal = try cell.decode(Decimal.self)
            var rounded = Decimal()
            var copy = decimal
            NSDecimalRound(&rounded, &copy, 0, .plain)
            if rounded == decimal, let integer = Int64(exactly: NSDecimalNumber(decimal: decimal).int64Value),
               Decimal(integer) == decimal {
                return .integer(integer)
            }
            return .real(NSDecimalNumber(decimal: decimal).doubleValue)
        case .bytea: return .blob(Array(buffer: try cell.decode(ByteBuffer.self)))
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// The central database as a source of report readers: each read is one read-only transaction (one
/// consistent view, as a SQLite read is).
public final class PostgresSource: SQLSource, @unchecked Sendable {
    // One connection, used from one thread at a time (the command line's).
    let connection: PostgresConnection
    let logger: Logger
    public let target: CentralTarget

    public init(target: CentralTarget, logger: Logger = Logger(label: "smtq.central")) throws {
        self.target = target
        self.logger = logger
        connection = try target.connectBlocking(logger: logger)
        do {
            try CentralSchema.requireCurrent(PostgresReader(connection: connection, logger: logger), target: target)
        } catch {
            try? connection.close().wait()
            throw error
        }
    }

    public func withReader<T>(_ body: (any SQLReader) throws -> T) throws -> T {
        let reader = PostgresReader(connection: connection, logger: logger)
        do {
            try reader.forEachRow("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", []) { _ in }
            let result = try body(reader)
            try reader.forEachRow("COMMIT", []) { _ in }
            return result
        } catch let error as PSQLError {
            try? reader.forEachRow("ROLLBACK", []) { _ in }
            throw CentralError(target.describe(error))
        } catch {
            try? reader.forEachRow("ROLLBACK", []) { _ in }
            throw error
        }
    }

    public func close() {
        try? connection.close().wait()
    }
}
