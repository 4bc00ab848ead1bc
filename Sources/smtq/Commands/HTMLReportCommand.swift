import ArgumentParser
import Foundation
import SMTQConfig
import GRDB
import SMTQCore
import SMTQReports
import SMTQStatistics
import SMTQStore

/// `smtq report html`.
struct HTMLReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "html",
        abstract: "One self-contained HTML page: yield, RTY, defect Pareto, escapes and the configured control charts.",
        discussion: """
            No external assets: styles and charts (SVG) are inline, so the file can be mailed or archived as \
            it is. It adapts to a phone's width and prints one section after another.
            """
    )

    @Option(help: "The HTML file to write.") var out: String
    @Option(help: "The page's title.") var title = "SMT line quality report"
    @OptionGroup var options: ReportOptions

    func run() throws {
        let (configuration, scope) = try options.context()
        let page = try options.read(configuration) { db in
            try Self.page(db, configuration: configuration, scope: scope, line: options.line, station: options.station,
                          title: title, period: period(scope))
        }
        try ReportFiles.write(page.render(), to: out, command: "report html")
        print("wrote \(out): \(page.yield.rows.count) station rows, \(page.pareto.count) defect codes, \(page.charts.filter { $0.svg != nil }.count) charts")
    }

    /// The page for a scope (what `smtq demo` writes too): yield, Pareto, escapes, the charts within `line` and
    /// `station` with their alerts marked, and the alerts.
    static func page(_ db: any SQLReader, configuration: SMTQConfig.Configuration, scope: ReportScope, line: String?,
                     station: String?, title: String, period: String) throws -> HTMLReport {
        let yield = try YieldQuery.run(db, scope: scope, by: [], configuration: configuration)
        let pareto = try ParetoQuery.run(db, scope: scope, key: .code)
        let escapes = configuration.lines.isEmpty ? [] : try EscapesQuery.run(db, scope: scope, configuration: configuration)
        // Alerts with their acknowledgements are the line host's (the central database holds their state only).
        let alerts = try (db as? Database).map { try AlertStore.list(since: scope.since.map(Date.init(storeMicroseconds:)) ?? .distantPast, limit: 500, $0) } ?? []
            .filter { alert in scope.until.map { alert.startedAt.storeMicroseconds < $0 } ?? true }
        var charts: [(name: String, caption: String, svg: String?)] = []
        for chart in configuration.spc.charts
        where (line ?? chart.line) == chart.line && (station ?? chart.station) == chart.station {
            do {
                let report = try SPCReportQuery.run(db, chart: chart, scope: scope, time: configuration.time)
                let labels = SPCReportRender.labels(report.subgroups, time: configuration.time)
                let title = "\(chart.name): \(chart.type.rawValue) chart, \(chart.line)/\(chart.station)" + (chart.measurement.map { " \($0)" } ?? "")
                let annotations = ChartAnnotation.from(alerts, chart: chart.name, subgroupStarts: report.subgroups.map(\.start))
                charts.append((chart.name, SPCReportRender.caption(report),
                               ChartSVG.render(report.result, title: title, labels: labels, times: report.subgroups.map(\.start),
                                               timeZone: TimeZone(identifier: configuration.time.timeZone) ?? .gmt,
                                               annotations: annotations)))
            } catch let error as SPCReportQuery.NoData {
                charts.append((chart.name, error.description, nil))
            } catch let error as ChartError {
                charts.append((chart.name, error.message, nil))
            }
        }
        return HTMLReport(title: title, period: period, generated: RFC3339.string(from: Date()).prefix(19) + "Z",
                          yield: yield, products: configuration.products, pareto: pareto, escapes: escapes, charts: charts,
                          alerts: alerts)
    }

    func period(_ scope: ReportScope) -> String {
        func time(_ value: Int64?) -> String? { value.map { RFC3339.string(from: Date(timeIntervalSince1970: Double($0) / 1e6)) } }
        let filters = [options.line.map { "line \($0)" }, options.station.map { "station \($0)" }, options.program.map { "program \($0)" }]
            .compactMap { $0 }
        let window: String
        switch (time(scope.since), time(scope.until)) {
        case let (since?, until?): window = "\(since) to \(until)"
        case let (since?, nil): window = "since \(since)"
        case let (nil, until?): window = "until \(until)"
        case (nil, nil): window = "all stored data"
        }
        return ([window] + filters).joined(separator: ", ")
    }
}
