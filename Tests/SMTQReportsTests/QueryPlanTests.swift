import Foundation
import GRDB
import SMTQConfig
import SMTQReports
import SMTQStatistics
import SMTQStore
import SMTQTestSupport
import Testing

/// Every statement the reports run with a window or a station filter reaches units, defects and measurements
/// through an index (EXPLAIN QUERY PLAN), so they stay fast over 10 million units.
struct QueryPlanTests {
    @Test func reportQueriesUseIndexes() throws {
        let (folder, path, _, configuration) = try YieldQueryTests.store(seed: 3)
        defer { _ = folder }
        var configured = configuration
        configured.products = [:]
        let queue = try StoreDatabase.openReadOnly(path: path)
        let since = Date(timeIntervalSince1970: 1_795_132_800 + 3600).storeMicroseconds
        let scope = ReportScope(station: "AOI-1", since: since, until: since + 7_200_000_000)
        let window = ReportScope(since: since, until: since + 7_200_000_000)
        var statements: [String] = []
        try queue.read { db in
            db.trace(options: .statement) { event in
                if case let .statement(statement) = event { statements.append(statement.sql) }
            }
            _ = try YieldQuery.run(db, scope: scope, by: [.station], configuration: configured)
            _ = try YieldQuery.run(db, scope: scope, by: [.device], configuration: configured)
            _ = try YieldQuery.run(db, scope: window, by: [.program], configuration: configured, unitsOnly: true)
            _ = try OverallFigures.read(db, scope: window, configuration: configured)
            _ = try ParetoQuery.run(db, scope: window, key: .refdes)
            _ = try CapabilityQuery.run(db, scope: window, measurement: "VCC", configuration: configured)
            _ = try EscapesQuery.run(db, scope: window, configuration: configured)
            _ = try TraceQuery.run(db, serial: "S42")
            let chart = ChartConfig(name: "p", type: .p, line: "L1", station: "AOI-1", subgroup: .units(5))
            _ = try SPCReportQuery.run(db, chart: chart, scope: window, time: configured.time)
            db.trace(options: [], nil)
        }
        let big = ["units", "defects", "measurements", "rollups"]
        var checked = 0
        for sql in Set(statements) where sql.uppercased().hasPrefix("SELECT") || sql.uppercased().hasPrefix("WITH") {
            let plan = try queue.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(
                    Array(repeating: DatabaseValue.null, count: sql.filter { $0 == "?" }.count)) ?? [])
                    .map { $0["detail"] as String }
            }
            for line in plan where line.hasPrefix("SCAN ") {
                let table = line.dropFirst(5).split(separator: " ").first.map(String.init) ?? ""
                #expect(!big.contains(table) || line.contains("USING"), "full scan: \(line)\n  in: \(sql)")
            }
            checked += 1
        }
        #expect(checked >= 10, "\(checked) statements checked")
    }
}
