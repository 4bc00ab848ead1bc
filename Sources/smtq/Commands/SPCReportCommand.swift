import ArgumentParser
import Foundation
import SMTQConfig
import SMTQCore
import SMTQReports
import GRDB
import SMTQStatistics
import SMTQStore

/// `smtq report spc`.
struct SPCReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spc",
        abstract: "A control chart over stored subgroups, with stored (phase II) or computed (phase I) limits and signals.",
        discussion: """
            --chart is a chart name from spc.charts (its scope, subgroups, rules and stored limits; --program \
            may narrow it), or a chart type (p, np, c, u, xbar-r, xbar-s, imr, ewma, cusum) with --station (and \
            --line when several lines have it), --measurement for variable charts, --subgroup (p, c, u: a \
            duration such as 1h, units:N or shift, default 1h; np, xbar-r, xbar-s: units:N, default units:5) \
            and --rules (default nelson1). The JSON is the schema of 'smtq chart' (docs/charts.md) plus \
            "subgroups" (each point's time span and size) and "limits" (where the limits came from). With \
            stored limits the series starts at the baseline's start; --since shows later points only.
            """
    )

    @Option(help: "A chart name from spc.charts, or a chart type.") var chart: String
    @Option(help: "The measurement plotted by a variable chart type.") var measurement: String?
    @Option(help: "Subgroups of a chart type: a duration (1h), units:N or shift.") var subgroup: String?
    @Option(help: "Run rules of a chart type, comma-separated: nelson1…nelson8, we1…we4 (default nelson1).") var rules: String?
    @Option(help: "Also draw the chart as SVG into this file.") var svg: String?
    @OptionGroup var options: ReportOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let format = try output.resolve()
        let (configuration, scope) = try options.context()
        let config = try chartConfig(configuration)
        let report: SPCReport
        do {
            // A configured chart narrowed to another program is not what its stored limits were set for.
            let storedLimits = options.program == nil || configuration.spc.charts.first { $0.name == chart }?.program == options.program
            report = try options.read(configuration) {
                try SPCReportQuery.run($0, chart: config, scope: scope, time: configuration.time, useStoredLimits: storedLimits)
            }
        } catch let error as SPCReportQuery.NoData {
            switch format {
            case .json: print(SPCReportRender.emptyJSON(config, header: options.header("spc", configuration, scope), message: error.description))
            case .csv: print(CSVText.row(ChartTable.header(config.type.rawValue)), terminator: "")
            case .table: print(error.description)
            }
            return
        } catch let error as ChartError {
            Console.error("smtq report spc: \(config.name): \(error.message)")
            throw ExitCode(65)
        }
        let labels = SPCReportRender.labels(report.subgroups, time: configuration.time)
        if let svg {
            let title = "\(config.name): \(config.type.rawValue) chart of \(config.line)/\(config.station)"
                + (config.measurement.map { " \($0)" } ?? "") + (report.limits == nil ? " (phase I limits)" : " (stored limits)")
            // The chart's alerts at their signal points (acknowledged ones with the note as the tooltip).
            // Alerts with their acknowledgements are the line host's (the central database holds their state only).
            let alerts = try options.read(configuration) { db in
                try (db as? Database).map {
                    try AlertStore.list(since: report.subgroups.first.map { Date(storeMicroseconds: $0.start) }, limit: 1000, $0)
                } ?? []
            }
            let annotations = ChartAnnotation.from(alerts, chart: config.name, subgroupStarts: report.subgroups.map(\.start))
            try ReportFiles.write(ChartSVG.render(report.result, title: title, labels: labels, times: report.subgroups.map(\.start),
                                                   timeZone: TimeZone(identifier: configuration.time.timeZone) ?? .gmt,
                                                   annotations: annotations),
                                  to: svg, command: "report spc")
        }
        switch format {
        case .json: print(SPCReportRender.json(report, labels: labels, header: options.header("spc", configuration, scope)))
        case .csv: print(ChartTable.csv(report.result), terminator: "")
        case .table:
            print(SPCReportRender.caption(report))
            print(SPCReportRender.table(report, labels: labels), terminator: "")
        }
    }

    /// The configured chart, or one built from a type and the filters.
    func chartConfig(_ configuration: SMTQConfig.Configuration) throws -> ChartConfig {
        if var named = configuration.spc.charts.first(where: { $0.name == chart }) {
            let ignored = [("--line", options.line), ("--station", options.station), ("--measurement", measurement),
                           ("--subgroup", subgroup), ("--rules", rules)].filter { $0.1 != nil }.map(\.0)
            if !ignored.isEmpty {
                Console.error("smtq report spc: chart \(chart) is configured for \(named.line)/\(named.station); "
                    + "\(ignored.joined(separator: ", ")) apply to chart types (e.g. --chart \(named.type.rawValue) --station …)")
                throw ExitCode(64)
            }
            if let program = options.program { named.program = program }
            return named
        }
        guard let type = ChartType(rawValue: chart) else {
            let names = configuration.spc.charts.map(\.name)
            Console.error("smtq report spc: --chart '\(chart)' is neither a chart type (\(ChartType.allCases.map(\.rawValue).joined(separator: ", "))) "
                + "nor a chart in the configuration (\(names.isEmpty ? "none" : names.joined(separator: ", ")))")
            throw ExitCode(64)
        }
        guard let station = options.station else {
            Console.error("smtq report spc: a \(type.rawValue) chart needs --station (and --line if several lines have it)")
            throw ExitCode(64)
        }
        if !type.isAttribute {
            guard let measurement else {
                Console.error("smtq report spc: a \(type.rawValue) chart needs --measurement NAME")
                throw ExitCode(64)
            }
            try options.read(configuration) { try MeasurementNames.check($0, measurement) }
        }
        let line = try options.line ?? options.read(configuration) { db in
            try db.column("SELECT l.name FROM stations s JOIN lines l ON l.id = s.line_id WHERE s.name = ? ORDER BY 1",
                          [.text(station)], as: String.self).first
        } ?? {
            Console.error("smtq report spc: --station '\(station)' is not in the database")
            return ""
        }()
        guard !line.isEmpty else { throw ExitCode(64) }
        var grouping: Subgrouping?
        if type.needsSubgroups {
            let text = subgroup ?? (type.isAttribute && type != .np ? "1h" : "units:5")
            if text == "shift" {
                grouping = .shift
            } else if text.hasPrefix("units:"), let count = Int(text.dropFirst(6)), count > 0 {
                grouping = .units(count)
            } else if let duration = DurationText.parse(text), duration >= .seconds(60) {
                grouping = .every(duration)
            } else {
                Console.error("smtq report spc: --subgroup '\(text)' is not a duration of at least 1m, units:N or shift")
                throw ExitCode(64)
            }
            if type == .np || type == .xbarR || type == .xbarS, case .units = grouping {} else if type == .np || type == .xbarR || type == .xbarS {
                Console.error("smtq report spc: a \(type.rawValue) chart needs --subgroup units:N")
                throw ExitCode(64)
            }
        }
        var chosen: [RunRule] = [.nelson1]
        if let rules {
            let names = rules.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let parsed = names.compactMap(RunRule.init(rawValue:))
            guard parsed.count == names.count, !parsed.isEmpty else {
                Console.error("smtq report spc: --rules '\(rules)' is not a list of nelson1…nelson8, we1…we4")
                throw ExitCode(64)
            }
            chosen = parsed
        }
        return ChartConfig(name: "\(type.rawValue) \(line)/\(station)", type: type, line: line, station: station, program: options.program,
                           measurement: type.isAttribute ? nil : measurement, subgroup: grouping, rules: chosen)
    }
}
