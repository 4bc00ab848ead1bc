import Foundation
import GRDB
import SMTQCore

/// `smtq db check` and `smtq db vacuum`.
public enum DatabaseCheck {
    public struct Verdict: Sendable {
        public var healthy: Bool
        public var lines: [String]
    }

    /// Runs SQLite's integrity check and smtq's own schema checks, read-only, on any file.
    public static func check(path: String) -> Verdict {
        guard FileManager.default.fileExists(atPath: path) else {
            return Verdict(healthy: false, lines: ["\(path): no such file"])
        }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard problems == ["ok"] else {
                    return Verdict(healthy: false, lines: ["\(path): DAMAGED, SQLite's integrity check found:"]
                        + problems.prefix(50).map { "  \($0)" }
                        + ["restore it from a backup, or copy what can be read with 'sqlite3 \(path) .recover'"])
                }
                guard try db.tableExists("grdb_migrations") else {
                    return Verdict(healthy: false, lines: ["\(path): a healthy SQLite file, but not an smtq database"])
                }
                let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
                let unknown = Set(applied).subtracting(StoreSchema.knownMigrations)
                let units = try Int.fetchOne(db, sql: "SELECT count(*) FROM units") ?? 0
                let first = try Int64.fetchOne(db, sql: "SELECT min(time) FROM units").map(Date.init(storeMicroseconds:))
                let last = try Int64.fetchOne(db, sql: "SELECT max(time) FROM units").map(Date.init(storeMicroseconds:))
                var lines = ["\(path): OK, integrity check passed",
                             "schema: " + applied.joined(separator: ", ")
                                 + (unknown.isEmpty ? "" : " (newer than this smtq: \(unknown.sorted().joined(separator: ", ")))"),
                             "units: \(units)"]
                if let first, let last {
                    lines.append("from \(RFC3339.string(from: first)) to \(RFC3339.string(from: last))")
                }
                return Verdict(healthy: true, lines: lines)
            }
        } catch {
            return Verdict(healthy: false, lines: ["\(path): \(StoreError.from(error, path: path, doing: "checking").message)"
                .replacingOccurrences(of: "; run 'smtq db check --db \(path)' for details", with: "")])
        }
    }

    /// Rebuilds the file to reclaim free pages (takes the write lock while it runs).
    public static func vacuum(path: String) throws(StoreError) -> (before: Int64, after: Int64) {
        let queue = try StoreDatabase.openForWriting(path: path)
        let size = { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0 }
        let before = size()
        do {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw StoreError.from(error, path: path, doing: "vacuuming")
        }
        return (before, size())
    }
}
