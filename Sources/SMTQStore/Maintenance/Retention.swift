import Foundation
import GRDB

/// Deletes what is older than the retention period, a small batch per transaction so writes never wait long.
public enum Retention {
    /// Units deleted per transaction.
    public static let batchSize = 2000

    /// Deletes (inside the caller's transaction) up to `limit` units older than `cutoff` with their defects
    /// and measurements, and (once no such units are left) up to `limit` rollup rows and device events and
    /// 5 × `limit` counter samples and process values before it, and delivered alerts. Returns the units
    /// deleted, or `limit` while any table may have more; fewer than `limit` means nothing older is left.
    ///
    /// The row with the highest id of each table that forwarding reads by id stays, so SQLite never hands a
    /// deleted id out again (a reused id at or below the forwarding cursor would never be forwarded). `hold`
    /// (forwarding is on): what the central database has not confirmed stays, with the rollup rows from its
    /// first quarter hour on, and units it refused as conflicts stay for good.
    @discardableResult
    public static func prune(_ db: Database, before cutoff: Date, limit: Int = batchSize, hold: ForwardHold? = nil) throws -> Int {
        let time = cutoff.storeMicroseconds
        let conflicts = hold == nil ? "" : " AND id NOT IN (SELECT local_id FROM forward_conflicts WHERE stream = 'units')"
        let ids = try Int64.fetchAll(db, sql: """
            SELECT id FROM units WHERE time < ? AND id <= ? AND id < (SELECT max(id) FROM units)\(conflicts) ORDER BY time LIMIT ?
            """, arguments: [time, hold?.units ?? Int64.max, limit])
        if !ids.isEmpty {
            let list = ids.map(String.init).joined(separator: ",")
            try db.execute(sql: "DELETE FROM defects WHERE unit_id IN (\(list))")
            try db.execute(sql: "DELETE FROM measurements WHERE unit_id IN (\(list))")
            try db.execute(sql: "DELETE FROM units WHERE id IN (\(list))")
        }
        var more = false
        if ids.count < limit {
            let bucket = min(StoreSchema.bucket(time), hold?.firstUnforwardedBucket ?? Int64.max)
            // Every table in bounded batches, so a first prune of an old database never holds the writer long.
            more = try deleteBatch(db, "rollups WHERE (station_id, program_id, bucket) IN (SELECT station_id, program_id, bucket FROM rollups WHERE bucket < ? LIMIT ?)",
                                   [bucket, limit], limit)
            more = try deleteBatch(db, "counter_samples WHERE id IN (SELECT id FROM counter_samples WHERE time < ? LIMIT ?)",
                                   [time, limit * 5], limit * 5) || more
            more = try deleteBatch(db, """
                device_events WHERE id IN (SELECT id FROM device_events WHERE time < ? AND id <= ?
                                           AND id < (SELECT max(id) FROM device_events) LIMIT ?)
                """, [time, hold?.events ?? Int64.max, limit], limit) || more
            try AlertSchema.prune(db, before: time)
        }
        // Process values are the busiest table (every value every poll interval).
        more = try deleteBatch(db, """
            process_values WHERE id IN (SELECT id FROM process_values WHERE time < ? AND id <= ?
                                        AND id < (SELECT max(id) FROM process_values) ORDER BY time LIMIT ?)
            """, [time, hold?.processValues ?? Int64.max, limit * 5], limit * 5) || more
        return more ? max(ids.count, limit) : ids.count
    }

    /// Deletes one batch; returns whether it was full (more may be left).
    private static func deleteBatch(_ db: Database, _ what: String, _ arguments: StatementArguments, _ limit: Int) throws -> Bool {
        try db.execute(sql: "DELETE FROM " + what, arguments: arguments)
        return db.changesCount >= limit
    }
}
