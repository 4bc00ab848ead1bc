import ArgumentParser
import Foundation
import GRDB
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStatistics
import SMTQStore

/// `smtq spc baseline|limits|clear`: phase I limits frozen for phase II.
struct SPCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spc",
        abstract: "Freeze control limits from a baseline (phase I) for judging new points (phase II).",
        subcommands: [SPCBaselineCommand.self, SPCLimitsCommand.self, SPCClearCommand.self]
    )
}

struct SPCBaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Compute a chart's limits from its stored subgroups in a period and store them as its active limits.",
        discussion: """
            The chart is a name from spc.charts. Its subgroups in [--since, --until) give the center (p-bar, \
            c-bar, u-bar) or the target and process sigma, exactly as 'smtq chart' estimates them; they are \
            stored with the period, the number of subgroups, who set them and when. smtqd and 'smtq report spc' \
            then judge new points against them. Earlier limits of the chart are kept as history.
            """
    )

    @Argument(help: "The chart's name in spc.charts.") var chart: String
    @Option(help: "Baseline start: \(TimeWindow.expected).") var since: String?
    @Option(help: "Baseline end (exclusive), same forms.") var until: String?
    @Option(help: "Who sets the limits (default: the login name).") var by: String?
    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        let configuration = try options.load()
        let config = try SPCCommands.chart(named: chart, in: configuration)
        let (from, to) = try SPCCommands.window(since, until, TimeWindow(time: configuration.time))
        let stored = StoredChart(config, time: configuration.time)
        let path = configuration.storage.databasePath
        let subgroups = try SPCCommands.withStore(path) {
            try StoreDatabase.openReadOnly(path: path).read { try stored.subgroups($0, since: from, until: to) }
        }
        guard let subgroups, !subgroups.isEmpty else {
            Console.error("smtq spc baseline: chart \(chart) has no stored data in that period; choose --since/--until where \(config.station) has results")
            throw ExitCode(65)
        }
        let limits: ChartLimits
        do {
            limits = try ChartLimits.baseline(config.type.rawValue, Subgroup.chartInput(subgroups, type: config.type.rawValue), stored.options)
        } catch {
            Console.error("smtq spc baseline: chart \(chart): \(error)")
            throw ExitCode(65)
        }
        if let center = limits.center, center == 0 || (["p", "np"].contains(limits.type) && center == 1) {
            Console.error("smtq spc baseline: chart \(chart): the baseline's center is \(center) (no variation in \(subgroups.count) subgroups), "
                + "so its limits would have no width; choose a longer or more typical period")
            throw ExitCode(65)
        }
        let who = by ?? SPCCommands.loginName()
        let first = subgroups.first!.start, last = subgroups.last!.end
        let id = try SPCCommands.withStore(path) {
            try StoreDatabase.openForWriting(path: path).write { db in
                try SPCLimitsStore.activate(db, chart: chart, limits: limits, baselineFrom: from ?? first, baselineTo: to ?? last,
                                            baselinePoints: subgroups.count, createdBy: who)
            }
        }
        print("chart \(chart) (\(config.type.rawValue)): \(SPCCommands.describe(limits)) from \(subgroups.count) subgroups, "
            + "\(RFC3339.string(from: Date(storeMicroseconds: first))) to \(RFC3339.string(from: Date(storeMicroseconds: last))); "
            + "stored as limits #\(id) by \(who)")
        if subgroups.count < 20 {
            Console.error("smtq spc baseline: warning: only \(subgroups.count) subgroups; limits from fewer than 20–25 are unreliable")
        }
    }
}

struct SPCLimitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "List the stored limits: each chart's active set, or with --history every set ever stored."
    )

    @Flag(help: "Include inactive (replaced or cleared) limits.") var history = false
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let path = try database.path()
        let all = try SPCCommands.withStore(path) {
            try StoreDatabase.openReadOnly(path: path).read { try SPCLimitsStore.list($0, activeOnly: !history) }
        }
        guard !all.isEmpty else {
            print(history ? "no limits stored" : "no active limits (every chart is in phase I); set some with 'smtq spc baseline CHART'")
            return
        }
        let rows = all.map { stored in
            [String(stored.id), stored.chart, stored.limits.type, stored.active ? "yes" : "no", SPCCommands.describe(stored.limits),
             stored.baselineFrom.map { RFC3339.string(from: Date(storeMicroseconds: $0)) } ?? "-",
             stored.baselineTo.map { RFC3339.string(from: Date(storeMicroseconds: $0)) } ?? "-",
             String(stored.baselinePoints), stored.createdBy, RFC3339.string(from: Date(storeMicroseconds: stored.createdAt / 1_000_000 * 1_000_000))]
        }
        print(TextTable.render(header: ["id", "chart", "type", "active", "limits", "baseline from", "baseline to", "subgroups", "by", "at"],
                               rows: rows), terminator: "")
    }
}

struct SPCClearCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Deactivate a chart's limits: it goes back to phase I (limits estimated from its data)."
    )

    @Argument(help: "The chart's name.") var chart: String
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let path = try database.path()
        let (changed, active) = try SPCCommands.withStore(path) {
            try StoreDatabase.openForWriting(path: path).write { db in
                (try SPCLimitsStore.deactivate(db, chart: chart), try SPCLimitsStore.active(db).keys.sorted())
            }
        }
        guard changed else {
            Console.error("smtq spc clear: chart '\(chart)' has no active limits (charts with limits: \(active.isEmpty ? "none" : active.joined(separator: ", ")))")
            throw ExitCode.failure
        }
        print("chart \(chart): limits cleared; it is in phase I again")
    }
}

enum SPCCommands {
    static func chart(named name: String, in configuration: SMTQConfig.Configuration) throws -> ChartConfig {
        guard let chart = configuration.spc.charts.first(where: { $0.name == name }) else {
            let names = configuration.spc.charts.map(\.name)
            Console.error("smtq spc: no chart '\(name)' in \(configuration.file) (charts: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
            throw ExitCode(64)
        }
        return chart
    }

    static func instant(_ text: String?, _ option: String, _ window: TimeWindow) throws -> Int64? {
        guard let text else { return nil }
        guard let date = window.instant(text) else {
            Console.error("smtq: \(option) '\(text)' is not \(TimeWindow.expected)")
            throw ExitCode(64)
        }
        return date.storeMicroseconds
    }

    /// `--since` and `--until`, refusing a window that ends before it starts.
    static func window(_ since: String?, _ until: String?, _ window: TimeWindow) throws -> (Int64?, Int64?) {
        let from = try instant(since, "--since", window), to = try instant(until, "--until", window)
        if let from, let to, to <= from {
            Console.error("smtq: --until \(until!) is not after --since \(since!); the window would be empty")
            throw ExitCode(64)
        }
        return (from, to)
    }

    /// Runs a store operation; a store problem is one line and exit 1.
    static func withStore<T>(_ path: String, _ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as StoreError {
            Console.error("smtq: \(error)")
            throw ExitCode.failure
        } catch let error as DatabaseError {
            Console.error("smtq: \(path): \(error.message ?? "\(error)")")
            throw ExitCode.failure
        }
    }

    /// Who runs the command: the sudo caller, else the account's name.
    static func loginName() -> String {
        if let user = ProcessInfo.processInfo.environment["SUDO_USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
    }

    static func describe(_ limits: ChartLimits) -> String {
        var parts: [String] = []
        if let center = limits.center {
            parts.append("\(["p": "p-bar", "np": "p-bar", "c": "c-bar", "u": "u-bar"][limits.type] ?? "center") \(format(center))")
        }
        if let target = limits.target { parts.append("center \(format(target))") }
        if let sigma = limits.sigma { parts.append("sigma \(format(sigma))") }
        parts.append("L \(format(limits.limitSigmas))")
        return parts.joined(separator: ", ")
    }

    static func format(_ value: Double) -> String {
        String(format: "%.6g", value)
    }
}
