import ArgumentParser
import Foundation
import SMTQReports

/// `smtq trace SERIAL`.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "A unit's whole history across stations: results, retests, defects and measurements.",
        discussion: "Exit 1 when the database has no result for the serial."
    )

    @Argument(help: "The unit's serial number.") var serial: String
    @Option(help: "table, csv or json (default: table on a terminal, csv otherwise).") var format: String?
    @Option(help: "Only this site's results (a central database, --db postgresql://…).") var site: String?
    @OptionGroup var source: ConfigurationOptions

    func run() throws {
        let output = try ReportOptions.outputFormat(format)
        let configuration = try ReportOptions.configuration(source)
        let entries = try ReportOptions.read(configuration) { try TraceQuery.run($0, serial: serial, site: site) }
        guard !entries.isEmpty else {
            Console.error("smtq trace: no results for serial '\(serial)' in \(configuration.storage.databasePath)")
            throw ExitCode.failure
        }
        switch output {
        case .json: print(TraceRender.json(entries, serial: serial), terminator: "")
        case .csv: print(TraceRender.csv(entries), terminator: "")
        case .table: print(TraceRender.text(entries, serial: serial), terminator: "")
        }
    }
}
