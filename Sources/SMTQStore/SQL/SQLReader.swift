import Foundation
import GRDB

/// The engine a report query runs on. Report SQL is written once, in the subset both engines read alike
/// (`?` placeholders, `1=1`, standard joins and aggregates); the few differences are named here.
public enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// One bound value or column value, independent of the engine.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// What report queries read through: the local SQLite store (GRDB) or the central PostgreSQL database.
/// Queries are read-only; rows come in the order the SQL asks for.
public protocol SQLReader {
    var dialect: SQLDialect { get }
    /// Runs `sql` with `arguments` bound to its `?` placeholders and calls `body` for each row.
    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws
}

extension SQLReader {
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql, arguments) { rows.append($0) }
        return rows
    }

    public func row(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row (nil: no row or NULL).
    public func value<T: SQLColumnValue>(_ sql: String, _ arguments: [SQLValue] = [], as type: T.Type = T.self) throws -> T? {
        guard let row = try row(sql, arguments), row.count > 0, row.values[0] != .null else { return nil }
        return T(sqlValue: row.values[0])
    }

    /// The first column of every row.
    public func column<T: SQLColumnValue>(_ sql: String, _ arguments: [SQLValue] = [], as type: T.Type = T.self) throws -> [T] {
        try rows(sql, arguments).compactMap { $0.count > 0 ? T(sqlValue: $0.values[0]) : nil }
    }
}

/// One result row. `row[i]` reads column `i` as the type asked for; a NULL read as a non-optional type is
/// its zero value (the report SQL asks for NULL only into optionals).
public struct SQLRow: Sendable {
    public var values: [SQLValue]

    public init(_ values: [SQLValue]) { self.values = values }

    public var count: Int { values.count }

    public subscript<T: SQLColumnValue>(_ index: Int) -> T {
        T(sqlValue: values[index]) ?? T.zero
    }

    public subscript<T: SQLColumnValue>(_ index: Int) -> T? {
        values[index] == .null ? nil : T(sqlValue: values[index])
    }
}

/// A Swift type a column can be read as.
public protocol SQLColumnValue {
    init?(sqlValue: SQLValue)
    static var zero: Self { get }
}

extension Int64: SQLColumnValue {
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case let .integer(value): self = value
        case let .real(value): self = Int64(value)
        case let .text(text): guard let value = Int64(text) else { return nil }; self = value
        default: return nil
        }
    }
    public static var zero: Int64 { 0 }
}

extension Int: SQLColumnValue {
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(value)
    }
    public static var zero: Int { 0 }
}

extension Double: SQLColumnValue {
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case let .integer(value): self = Double(value)
        case let .real(value): self = value
        case let .text(text): guard let value = Double(text) else { return nil }; self = value
        default: return nil
        }
    }
    public static var zero: Double { 0 }
}

extension Bool: SQLColumnValue {
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = value != 0
    }
    public static var zero: Bool { false }
}

extension String: SQLColumnValue {
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case let .text(value): self = value
        case let .integer(value): self = String(value)
        case let .real(value): self = String(value)
        case let .blob(bytes): self = String(decoding: bytes, as: UTF8.self)
        case .null: return nil
        }
    }
    public static var zero: String { "" }
}

/// Builds the `?` list of an `IN (…)` for `count` values (`NULL` for none, which matches nothing).
public func sqlPlaceholders(_ count: Int) -> String {
    count == 0 ? "NULL" : Array(repeating: "?", count: count).joined(separator: ",")
}

extension SQLValue {
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    public init(_ value: Int) { self = .integer(Int64(value)) }
    public init(_ value: Double?) { self = value.map { .real($0) } ?? .null }
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
}

// The local store: GRDB's database connection reads report SQL directly.
extension Database: SQLReader {
    public var dialect: SQLDialect { .sqlite }

    public func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        let bound = StatementArguments(arguments.map { value -> DatabaseValue in
            switch value {
            case .null: return .null
            case let .integer(integer): return integer.databaseValue
            case let .real(real): return real.databaseValue
            case let .text(text): return text.databaseValue
            case let .blob(bytes): return Data(bytes).databaseValue
            }
        })
        let cursor = try Row.fetchCursor(self, sql: sql, arguments: bound)
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for value in row.databaseValues {
                switch value.storage {
                case .null: values.append(.null)
                case let .int64(integer): values.append(.integer(integer))
                case let .double(real): values.append(.real(real))
                case let .string(text): values.append(.text(text))
                case let .blob(data): values.append(.blob([UInt8](data)))
                }
            }
            try body(SQLRow(values))
        }
    }
}

/// A database reports can read: the local store (a GRDB queue or pool) or a central PostgreSQL database.
public protocol SQLSource: Sendable {
    /// Runs `body` with a reader over one consistent view of the database.
    func withReader<T>(_ body: (any SQLReader) throws -> T) throws -> T
}

extension DatabaseQueue: SQLSource {
    public func withReader<T>(_ body: (any SQLReader) throws -> T) throws -> T {
        try read { try body($0) }
    }
}

extension DatabasePool: SQLSource {
    public func withReader<T>(_ body: (any SQLReader) throws -> T) throws -> T {
        try read { try body($0) }
    }
}
