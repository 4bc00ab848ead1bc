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
    /// Whether the folder stays (--keep): only then are the configuration and database worth pointing at.
    let kept: Bool

    /// The firings the exec hook wrote, as JSON objects, in order.
    static func firings(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == "firing" }
    }

    /// A figure of the alert JSON as a person reads it: whole numbers without decimals, others to 4 digits.
    static func number(_ value: Any) -> String {
        guard let number = value as? Double else { return value is NSNull ? "n/a" : "\(value)" }
        return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(format: "%.4g", number)
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
            out += "none fired (the feeder fault starts halfway through the run: a run stopped early may end before it)\n"
        } else {
            out += AlertsRender.table(alerts.reversed())
            for firing in Self.firings(line.alertFile) {
                let figures = (firing["figures"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
                    .map { "\($0.key)=\(Self.number($0.value))" }.joined(separator: ", ")
                out += "hook got: \(firing["rule"] as? String ?? "?") \(firing["summary"] as? String ?? "") [\(figures)]\n"
            }
        }
        for (device, problem) in run.failures.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            out += "\(device) did not run: \(problem)\n"
        }
        out += "\n== files ==\n"
        out += "HTML report:   \(line.reportPath)\n"
        out += "alert hook:    \(line.alertFile) (what the exec hook received)\n"
        if kept {
            out += "configuration: \(line.configPath)\n"
            out += "database:      \(line.databasePath)\n"
            out += "next: smtq report yield --config \(line.configPath) --by program   |   smtq alerts --config \(line.configPath)\n"
        }
        Swift.print(out, terminator: "")
    }
}
