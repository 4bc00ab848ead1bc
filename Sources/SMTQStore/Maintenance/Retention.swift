import Foundation
import GRDB

/// Deletes what is older than the retention period, a small batch per transaction so writes never wait long.
public enum Retention {
    /// Units deleted per transaction.
    public static let batchSize = 2000

    /// Deletes (inside the caller's transaction) up to `limit` units older than `cutoff` with their defects
    /// and measurements, up to 5 × `limit` process values, and the rollup rows, counter samples, device
    /// events and delivered alerts before it. Returns the units deleted (`limit` while process values are
    /// left); fewer than `limit` means nothing older is left.
    @discardableResult
    public static func prune(_ db: Database, before cutoff: Date, limit: Int = batchSize) throws -> Int {
        let time = cutoff.storeMicroseconds
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM units WHERE time < ? ORDER BY time LIMIT ?",
                                     arguments: [time, limit])
        if !ids.isEmpty {
            let list = ids.map(String.init).joined(separator: ",")
            try db.execute(sql: "DELETE FROM defects WHERE unit_id IN (\(list))")
            try db.execute(sql: "DELETE FROM measurements WHERE unit_id IN (\(list))")
            try db.execute(sql: "DELETE FROM units WHERE id IN (\(list))")
        }
        if ids.count < limit {
            let bucket = UnitInserter.bucket(time)
            try db.execute(sql: "DELETE FROM rollups WHERE bucket < ?", arguments: [bucket])
            try db.execute(sql: "DELETE FROM counter_samples WHERE time < ?", arguments: [time])
            try db.execute(sql: "DELETE FROM device_events WHERE time < ?", arguments: [time])
            try db.execute(sql: """
                DELETE FROM alert_outbox WHERE delivered_at IS NOT NULL AND alert_id IN (SELECT id FROM alerts WHERE raised_at < ?)
                """, arguments: [time])
            try db.execute(sql: """
                DELETE FROM alerts WHERE raised_at < ? AND id NOT IN (SELECT alert_id FROM alert_outbox)
                """, arguments: [time])
        }
        // Process values are the busiest table (every value every poll interval): a bounded batch too, so a
        // first prune of an old database never holds the writer long.
        let valueLimit = limit * 5
        try db.execute(sql: """
            DELETE FROM process_values WHERE id IN (SELECT id FROM process_values WHERE time < ? ORDER BY time LIMIT ?)
            """, arguments: [time, valueLimit])
        if db.changesCount >= valueLimit { return max(ids.count, limit) }
        return ids.count
    }
}
