import Foundation
import GRDB
import SMTQCore
import SMTQStatistics

/// Phase I limits stored for phase II: frozen chart parameters with the baseline they came from, who set
/// them and when. One active set per chart; setting a new one keeps the old ones as history.
public struct StoredLimits: Sendable, Equatable {
    public var id: Int64
    public var chart: String
    public var limits: ChartLimits
    /// The baseline's time range (microseconds) and how many subgroups it had.
    public var baselineFrom: Int64?
    public var baselineTo: Int64?
    public var baselinePoints: Int
    public var createdBy: String
    public var createdAt: Int64
    public var active: Bool
}

public enum SPCLimitsStore {
    /// Stores `limits` as the chart's active limits; earlier sets of the chart become inactive. Returns the id.
    @discardableResult
    public static func activate(_ db: Database, chart: String, limits: ChartLimits, baselineFrom: Int64?, baselineTo: Int64?,
                                baselinePoints: Int, createdBy: String, createdAt: Date = Date()) throws -> Int64 {
        try db.execute(sql: "UPDATE spc_limits SET active = 0 WHERE chart_key = ? AND active = 1", arguments: [chart])
        try db.execute(sql: """
            INSERT INTO spc_limits (chart_key, chart_type, limits, baseline_from, baseline_to, baseline_points, created_by, created_at, active)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)
            """, arguments: [chart, limits.type, encode(limits), baselineFrom, baselineTo, baselinePoints, createdBy,
                             createdAt.storeMicroseconds])
        return db.lastInsertedRowID
    }

    /// Makes the chart go back to phase I (no active limits). Returns whether it had any.
    @discardableResult
    public static func deactivate(_ db: Database, chart: String) throws -> Bool {
        try db.execute(sql: "UPDATE spc_limits SET active = 0 WHERE chart_key = ? AND active = 1", arguments: [chart])
        return db.changesCount > 0
    }

    /// The active limits by chart name (the newest set where several hosts of a central database have one).
    /// `site`: only the sets of that site's line hosts (a central database).
    public static func active(_ db: any SQLReader, site: String? = nil) throws -> [String: StoredLimits] {
        Dictionary(try list(db, activeOnly: true, site: site).map { ($0.chart, $0) }, uniquingKeysWith: { newest, _ in newest })
    }

    /// Every stored set (or only the active ones), by chart, newest first.
    public static func list(_ db: any SQLReader, activeOnly: Bool = false, site: String? = nil) throws -> [StoredLimits] {
        var conditions = activeOnly ? ["active = 1"] : []
        if site != nil { conditions.append("host_id IN (SELECT id FROM hosts WHERE site = ?)") }
        let rows = try db.rows("""
            SELECT id, chart_key, chart_type, limits, baseline_from, baseline_to, baseline_points, created_by, created_at, active
            FROM spc_limits \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY chart_key, created_at DESC, id DESC
            """, site.map { [.text($0)] } ?? [])
        return rows.map { row in
            StoredLimits(id: row[0], chart: row[1], limits: decode(type: row[2], json: row[3]), baselineFrom: row[4],
                         baselineTo: row[5], baselinePoints: row[6] ?? 0, createdBy: row[7], createdAt: row[8], active: row[9] as Bool)
        }
    }

    /// A fingerprint of the active limits (ids of the active sets): the live engine reloads when it changes.
    public static func version(_ db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT coalesce(group_concat(id), '') FROM (SELECT id FROM spc_limits WHERE active = 1 ORDER BY id)") ?? ""
    }

    static func encode(_ limits: ChartLimits) -> String {
        let fields: [(String, Double?)] = [("center", limits.center), ("target", limits.target), ("sigma", limits.sigma),
                                           ("L", limits.limitSigmas)]
        return "{" + fields.compactMap { key, value in value.map { "\"\(key)\":\(InterchangeJSON.number($0))" } }
            .joined(separator: ",") + "}"
    }

    static func decode(type: String, json: String) -> ChartLimits {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        func number(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        return ChartLimits(type: type, center: number("center"), target: number("target"), sigma: number("sigma"),
                           limitSigmas: number("L") ?? 3)
    }
}
