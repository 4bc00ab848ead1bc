import Foundation
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStore

/// What the demo prints at the end: yield by station with RTY (as `smtq report yield` prints it), the top
/// defects, the alerts with their figures, where the report and (with --keep) the data are.
struct DemoSummary {
    let line: DemoLine
    let run: DemoRun

    /// The firings the exec hook wrote, as JSON objects, in order.
    static func firings(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == "firing" }
    }

    func print() throws {
        let configuration = run.pipeline.configuration
        let scope = ReportScope()
        let database = try StoreDatabase.openReadOnly(path: line.databasePath)
        let (yield, pareto, alerts, page) = try database.read { db in
            (try YieldQuery.run(db, scope: scope, by: [], configuration: configuration),
             try ParetoQuery.run(db, scope: scope, key: .code),
             try AlertStore.list(since: nil, limit: 50, db),
             try HTMLReportCommand.page(db, configuration: configuration, scope: scope, line: nil, station: nil,
                                        title: "smtq demo: line L1", period: "the demo run"))
        }
        try page.render().write(toFile: line.reportPath, atomically: true, encoding: .utf8)
        var out = "\n== yield by station (smtq report yield) ==\n"
        out += YieldRender.table(yield, keys: ["line", "station"], products: configuration.products)
        out += "\n== top defects (smtq report pareto) ==\n"
        out += pareto.isEmpty ? "no real defects\n" : ParetoRender.table(Array(pareto.prefix(5)), key: "code")
        out += "\n== alerts (smtq alerts) ==\n"
        if alerts.isEmpty {
            out += "none fired (a run shorter than about 10 s may end before the feeder fault shows)\n"
        } else {
            out += AlertsRender.table(alerts.reversed())
            for firing in Self.firings(line.alertFile) {
                let figures = (firing["figures"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                out += "hook got: \(firing["rule"] as? String ?? "?") \(firing["summary"] as? String ?? "") [\(figures)]\n"
            }
        }
        for (device, problem) in run.failures.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            out += "\(device) did not run: \(problem)\n"
        }
        out += "\n== files ==\n"
        out += "HTML report:   \(line.reportPath)\n"
        out += "alert hook:    \(line.alertFile) (what the exec hook received)\n"
        out += "configuration: \(line.configPath)\n"
        out += "database:      \(line.databasePath)\n"
        out += "next: smtq report yield --config \(line.configPath) --by program   |   smtq alerts --config \(line.configPath)\n"
        Swift.print(out, terminator: "")
    }
}
