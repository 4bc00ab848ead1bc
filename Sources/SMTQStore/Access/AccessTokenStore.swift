import Foundation
import GRDB

/// A customer's dashboard token as stored: its SHA-256, never the token itself.
public struct AccessTokenRow: Sendable, Equatable {
    public var id: Int64
    public var customer: String
    public var createdAt: Date
    public var createdBy: String
    public var revokedAt: Date?
}

/// Customers' tokens (migration `v4-access-tokens`): `smtq customer token` adds one, `smtq customer revoke`
/// ends them, and the dashboard looks a presented token's hash up here. The token is shown once, when it is
/// made; the database keeps only its SHA-256 (a 256-bit random token needs no slow hash).
public enum AccessTokenStore {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE access_tokens (
              id INTEGER PRIMARY KEY,
              customer TEXT NOT NULL,
              sha256 TEXT NOT NULL UNIQUE,
              created_at INTEGER NOT NULL,
              created_by TEXT NOT NULL,
              revoked_at INTEGER);
            CREATE INDEX access_tokens_customer ON access_tokens(customer);
            """)
    }

    /// Stores a new token's hash for `customer`; returns its id.
    public static func add(customer: String, sha256: String, by: String, at: Date, _ db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT INTO access_tokens (customer, sha256, created_at, created_by) VALUES (?, ?, ?, ?)",
                       arguments: [customer, sha256, at.storeMicroseconds, by])
        return db.lastInsertedRowID
    }

    /// Revokes a customer's live tokens (all, or the one with `id`); returns how many.
    public static func revoke(customer: String, id: Int64?, at: Date, _ db: Database) throws -> Int {
        var sql = "UPDATE access_tokens SET revoked_at = ? WHERE customer = ? AND revoked_at IS NULL"
        var arguments: StatementArguments = [at.storeMicroseconds, customer]
        if let id {
            sql += " AND id = ?"
            _ = arguments.append(contentsOf: [id])
        }
        try db.execute(sql: sql, arguments: arguments)
        return db.changesCount
    }

    /// Every token, newest first.
    public static func list(_ db: Database) throws -> [AccessTokenRow] {
        try Row.fetchAll(db, sql: "SELECT id, customer, created_at, created_by, revoked_at FROM access_tokens ORDER BY id DESC").map { row in
            AccessTokenRow(id: row[0], customer: row[1], createdAt: Date(storeMicroseconds: row[2]), createdBy: row[3],
                           revokedAt: (row[4] as Int64?).map(Date.init(storeMicroseconds:)))
        }
    }

    /// The live tokens' hashes with their customers.
    public static func live(_ db: Database) throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT sha256, customer FROM access_tokens WHERE revoked_at IS NULL") {
            result[row[0]] = row[1]
        }
        return result
    }
}
