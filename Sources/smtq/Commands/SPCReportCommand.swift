import ArgumentParser
import Foundation
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStatistics
import SMTQStore

/// `smtq report spc`.
struct SPCReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spc",
        abstract: "A control chart over stored subgroups, with stored (phase II) or computed (phase I) limits and signals.",
        discussion: """
            --chart is a chart name from spc.charts (its subgroups, rules and stored limits), or a chart type \
            (p, np, c, u, xbar-r, xbar-s, imr, ewma, cusum) with --station (and --line when several lines have \
            it), --subgroup for attribute and X-bar charts (1h, 30m, units:50 or shift; default 1h, or units:5 \
            for X-bar) and --measurement for variable charts; all run rules are then reported. The JSON is \
            the schema of 'smtq chart' (docs/charts.md) plus "subgroups" (each point's time span and size) and \
            "limits" (where the limits came from).
            """
    )

    @Option(help: "A chart name from spc.charts, or a chart type.") var chart: String
    @Option(help: "The measurement plotted by a variable chart type.") var measurement: String?
    @Option(help: "Subgroups of a chart type: a duration (1h), units:N or shift.") var subgroup: String?
    @Option(help: "Also draw the chart as SVG into this file.") var svg: String?
    @OptionGroup var options: ReportOptions

    func run() throws {
        let format = try options.outputFormat()
        let configuration = try options.configuration()
        let scope = try options.scope(configuration)
        let config = try chartConfig(configuration)
        let report: SPCReport
        do {
            // A configured chart narrowed to another program is not what its stored limits were set for.
            let storedLimits = options.program == nil || configuration.spc.charts.first { $0.name == chart }?.program == options.program
            report = try options.read(configuration) {
                try SPCReportQuery.run($0, chart: config, scope: scope, time: configuration.time, useStoredLimits: storedLimits)
            }
        } catch let error as SPCReportQuery.NoData {
            print(error.description)
            return
        } catch let error as ChartError {
            Console.error("smtq report spc: \(config.name): \(error.message)")
            throw ExitCode(65)
        }
        let labels = SPCReportRender.labels(report.subgroups, time: configuration.time)
        if let svg {
            let title = "\(config.name): \(config.type.rawValue) chart of \(config.line)/\(config.station)"
                + (config.measurement.map { " \($0)" } ?? "") + (report.limits == nil ? " (phase I limits)" : " (stored limits)")
            do {
                try ChartSVG.render(report.result, title: title, labels: labels).write(toFile: svg, atomically: true, encoding: .utf8)
            } catch {
                Console.error("smtq report spc: cannot write \(svg): \(error.localizedDescription)")
                throw ExitCode.failure
            }
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
        if !type.isAttribute, measurement == nil {
            Console.error("smtq report spc: a \(type.rawValue) chart needs --measurement NAME")
            throw ExitCode(64)
        }
        let line = try options.line ?? options.read(configuration) { db in
            try String.fetchAll(db, sql: "SELECT l.name FROM stations s JOIN lines l ON l.id = s.line_id WHERE s.name = ? ORDER BY 1",
                                arguments: [station]).first
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
        return ChartConfig(name: "\(type.rawValue) \(line)/\(station)", type: type, line: line, station: station, program: options.program,
                           measurement: type.isAttribute ? nil : measurement, subgroup: grouping, rules: RunRule.allCases)
    }
}
