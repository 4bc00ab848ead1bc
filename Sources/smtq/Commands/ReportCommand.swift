import ArgumentParser
import Foundation
import SMTQReports

/// `smtq report …`: the read-only reports over the database.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Yield, Pareto, control charts, capability and escapes from the database (read-only).",
        subcommands: [
            YieldReportCommand.self, ParetoReportCommand.self, SPCReportCommand.self, CapabilityReportCommand.self,
            EscapesReportCommand.self, HTMLReportCommand.self, ScorecardReportCommand.self,
        ]
    )
}

struct YieldReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yield",
        abstract: "Units, FPY, final yield, DPU, DPMO and false-call rate per station, and RTY per line.",
        discussion: """
            Cohorts, as DESIGN.md defines them: a serial counts in the window (and day, hour or shift) of its \
            first result at the station, with all of its results there. --by splits the rows further: line, \
            station, program, device, shift, day, hour (comma-separated or repeated). Products' targets are \
            shown beside the figures and misses are marked. Undefined ratios (no units) are n/a / null.
            """
    )

    @Option(name: .customLong("by"), help: "Split rows by: line, station, program, device, shift, day, hour.")
    var by: [String] = []
    @Flag(help: "Add figures over all stations: distinct serials, tests, DPU, DPMO (reads every unit in the window).")
    var overall = false
    @OptionGroup var options: ReportOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        var keys: [YieldKey] = []
        for name in by.flatMap({ $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }) {
            guard let key = YieldKey(rawValue: name) else {
                Console.error("smtq report yield: --by '\(name)' is not one of \(YieldKey.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(64)
            }
            if !keys.contains(key) { keys.append(key) }
        }
        let format = try output.resolve()
        let (configuration, scope) = try options.context()
        let (report, totals) = try options.read(configuration) { db in
            (try YieldQuery.run(db, scope: scope, by: keys, configuration: configuration),
             overall ? try OverallFigures.read(db, scope: scope, configuration: configuration) : nil)
        }
        let columns = ["line", "station"] + YieldKey.allCases.filter { keys.contains($0) && $0 != .line && $0 != .station }.map(\.rawValue)
        switch format {
        case .json:
            var header = options.header("yield", configuration, scope)
            header.append(("by", .array(columns.map { .string($0) })))
            if let totals { header.append(("overall", YieldRender.json(totals))) }
            print(YieldRender.json(report, keys: columns, header: header, products: configuration.products), terminator: "")
        case .csv:
            print(YieldRender.csv(report, keys: columns), terminator: "")
        case .table:
            if report.rows.isEmpty {
                print("no units in this window and scope")
            } else {
                print(YieldRender.table(report, keys: columns, products: configuration.products), terminator: "")
            }
            if let totals { print("\n" + YieldRender.table(totals), terminator: "") }
        }
    }
}
