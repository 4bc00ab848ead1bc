import ArgumentParser
import Foundation
import SMTQConfig
import SMTQReports
import SMTQStore
import GRDB
import SMTQCore

/// The options every `smtq report` takes: configuration and database, window, filters, output format.
struct ReportOptions: ParsableArguments {
    @Option(help: "Start of the window: \(TimeWindow.expected).") var since: String?
    @Option(help: "End of the window (exclusive), same forms.") var until: String?
    @Option(help: "Only this line.") var line: String?
    @Option(help: "Only this station.") var station: String?
    @Option(help: "Only this program (product).") var program: String?
    @Option(help: "Only this site's lines (a central database, --db postgresql://…).") var site: String?
    @OptionGroup var source: ConfigurationOptions

    typealias Format = FormatOption.Format

    static func outputFormat(_ format: String?) throws -> Format {
        guard let format else { return isatty(STDOUT_FILENO) != 0 ? .table : .csv }
        guard let parsed = Format(rawValue: format) else {
            Console.error("smtq: --format '\(format)' is not one of table, csv, json")
            throw ExitCode(64)
        }
        return parsed
    }

    /// The configuration (for products, routes, time zone); a bare `--db` without `--config` uses defaults.
    func configuration() throws -> SMTQConfig.Configuration {
        try Self.configuration(source)
    }

    static func configuration(_ source: ConfigurationOptions) throws -> SMTQConfig.Configuration {
        if source.config == nil, let db = source.db,
           ReportSource.isCentral(db) || !FileManager.default.fileExists(atPath: DatabaseOptions.defaultConfig) {
            return SMTQConfig.Configuration.standalone(databasePath: db)
        }
        return try source.load()
    }

    /// The configuration and the resolved window and filters: what every report starts from.
    func context() throws -> (SMTQConfig.Configuration, ReportScope) {
        let configuration = try configuration()
        return (configuration, try scope(configuration))
    }

    func scope(_ configuration: SMTQConfig.Configuration) throws -> ReportScope {
        let (from, to) = try SPCCommands.window(since, until, TimeWindow(time: configuration.time))
        return ReportScope(site: site, line: line, station: station, program: program, since: from, until: to)
    }

    /// The JSON header every report starts with.
    func header(_ report: String, _ configuration: SMTQConfig.Configuration, _ scope: ReportScope) -> [(String, JSONValue)] {
        func time(_ value: Int64?) -> JSONValue { .string(value.map { RFC3339.string(from: Date(storeMicroseconds: $0)) }) }
        return [("report", .string(report)), ("time_zone", .string(configuration.time.timeZone)), ("since", time(scope.since)),
                ("until", time(scope.until)), ("line", .string(line)), ("station", .string(station)), ("program", .string(program))]
    }

    /// Opens the database read-only (the local store, or the central one for `--db postgresql://…`) and runs
    /// `work`; store problems and unknown filter values are one line.
    func read<T>(_ configuration: SMTQConfig.Configuration, _ work: (any SQLReader) throws -> T) throws -> T {
        try Self.read(configuration, work)
    }

    static func read<T>(_ configuration: SMTQConfig.Configuration, command: String = "smtq report",
                        _ work: (any SQLReader) throws -> T) throws -> T {
        do {
            return try ReportSource.read(configuration.storage.databasePath, configuration: configuration, command: command, work)
        } catch let error as UnknownFilterValue {
            Console.error("\(command): \(error)")
            throw ExitCode(64)
        } catch let error as SiteNeedsCentral {
            Console.error("\(command): \(error)")
            throw ExitCode(64)
        }
    }

    /// As `read`, on the local store only (what the central database does not hold: acknowledgements, tokens).
    static func readLocal<T>(_ configuration: SMTQConfig.Configuration, command: String,
                             _ work: (GRDB.Database) throws -> T) throws -> T {
        let path = configuration.storage.databasePath
        try ReportSource.requireLocal(path, command: command)
        do {
            return try SPCCommands.withStore(path) { try StoreDatabase.openReadOnly(path: path).read(work) }
        } catch let error as UnknownFilterValue {
            Console.error("\(command): \(error)")
            throw ExitCode(64)
        }
    }
}

/// `--format table|csv|json` of the reports that print rows.
struct FormatOption: ParsableArguments {
    @Option(help: "table, csv or json (default: table on a terminal, csv otherwise).") var format: String?

    enum Format: String {
        case table, csv, json
    }

    func resolve() throws -> Format {
        try ReportOptions.outputFormat(format)
    }
}
