import Foundation
import GRDB
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStatistics
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

    /// Records a simulated machine logged as made.
    static func madeRecords(_ path: String?) -> Int {
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").filter { $0.contains("\"serial\"") }.count
    }

    /// Every point of the configured charts that carries a signal, as one line each (at most 10).
    static func signals(_ db: Database, configuration: SMTQConfig.Configuration) throws -> [String] {
        var lines: [String] = []
        for chart in configuration.spc.charts {
            guard let report = try? SPCReportQuery.run(db, chart: chart, scope: ReportScope(), time: configuration.time) else {
                continue
            }
            let series: [(String, ChartSeries)]
            switch report.result {
            case let .attribute(_, points): series = [("", points)]
            case let .subgroups(_, _, xbar, spread): series = [("x̄ ", xbar), ("spread ", spread)]
            case let .imr(_, individuals, movingRange): series = [("", individuals), ("moving range ", movingRange)]
            case let .ewma(_, points): series = [("", points)]
            case .cusum, .capability: series = []
            }
            for (name, points) in series {
                for point in points.points where !point.signals.isEmpty {
                    let value = point.value.map { String(format: "%.4g", $0) } ?? "n/a"
                    lines.append("\(chart.name) \(name)point \(point.index): \(value) (limits \(String(format: "%.4g", point.lcl))–"
                        + "\(String(format: "%.4g", point.ucl))): " + point.signals.joined(separator: ", "))
                }
            }
        }
        return Array(lines.prefix(10))
    }

    func print() throws {
        let configuration = run.pipeline.configuration
        let scope = ReportScope()
        let database = try StoreDatabase.openReadOnly(path: line.databasePath)
        let (yield, pareto, alerts, page, stored, signals) = try database.read { db in
            (try YieldQuery.run(db, scope: scope, by: [], configuration: configuration),
             try ParetoQuery.run(db, scope: scope, key: .code),
             try AlertStore.list(since: nil, limit: 50, db),
             try HTMLReportCommand.page(db, configuration: configuration, scope: scope, line: nil, station: nil,
                                        title: "smtq demo: line L1", period: "the demo run"),
             try Dictionary(Row.fetchAll(db, sql: """
                SELECT d.name, count(*) FROM units u JOIN devices d ON d.id = u.device_id GROUP BY d.name
                """).map { ($0[0] as String, $0[1] as Int) }, uniquingKeysWith: { first, _ in first }),
             try Self.signals(db, configuration: configuration))
        }
        try page.render().write(toFile: line.reportPath, atomically: true, encoding: .utf8)
        var out = "\n== yield by station (smtq report yield) ==\n"
        out += YieldRender.table(yield, keys: ["line", "station"], products: configuration.products)
        out += "\n== top defects (smtq report pareto) ==\n"
        out += pareto.isEmpty ? "no real defects\n" : ParetoRender.table(Array(pareto.prefix(5)), key: "code")
        out += "\n== control chart signals (smtq report spc) ==\n"
        out += signals.isEmpty ? "none\n" : signals.joined(separator: "\n") + "\n"
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
        out += "\n== machines ==\n"
        let failures = run.failures.withLock { $0 }
        let statuses = Dictionary(run.pipeline.statuses.map { ($0.device, $0) }, uniquingKeysWith: { first, _ in first })
        for machine in line.machines {
            let name = "\(machine.device) (\(machine.station))"
            if let problem = failures[machine.device] {
                out += "\(name): did not run: \(problem)\n"
            } else if machine.options.mode == .counters {
                out += "\(name): \(statuses[machine.device]?.counterSamples ?? 0) counter readings stored\n"
            } else {
                let made = Self.madeRecords(machine.options.logPath)
                let kept = stored[machine.device] ?? 0
                out += "\(name): \(made) boards made, \(kept) stored"
                if kept < made {
                    out += "; \(made - kept) still in its queue (it was down at the end: "
                        + "\(statuses[machine.device]?.lastError ?? "no answer"))"
                }
                out += "\n"
            }
        }
        out += "\n== files ==\n"
        out += "HTML report:   \(line.reportPath)\n"
        if kept {
            out += "alert hook:    \(line.alertFile) (what the exec hook received)\n"
            out += "configuration: \(line.configPath)\n"
            out += "database:      \(line.databasePath)\n"
            out += "next: smtq report yield --config \(line.configPath) --by program   |   smtq alerts --config \(line.configPath)\n"
        }
        Swift.print(out, terminator: "")
    }
}
