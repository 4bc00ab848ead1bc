import ArgumentParser
import Foundation
import SMTQConfig
import SMTQCore
import SMTQReports

/// `smtq report scorecard --customer NAME`: the customer's contract targets against the measured figures.
struct ScorecardReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scorecard",
        abstract: "A customer's products: each contract target (FPY, final yield, DPMO, false-call rate, Cpk) against the figure, met or missed, by week.",
        discussion: """
            The customer and its products come from customers: in the configuration, the targets from \
            products.NAME.targets. Yield figures are the yield report's (per station, cohort view), Cpk the \
            capability report's (per station and specified measurement), over the same window; each row then \
            shows the figure per local week (Monday to Monday). Default window: the four whole weeks before \
            this one and this week so far. Exit 0 whether targets are met or not.
            """
    )

    @Option(help: "The customer (a name under customers: in the configuration).") var customer: String
    @Option(help: "Start of the window: \(TimeWindow.expected).") var since: String?
    @Option(help: "End of the window (exclusive), same forms.") var until: String?
    @Option(help: "table, json or html.") var format: Format = .table
    @Option(name: .shortAndLong, help: "Write the output to this file instead of standard output.") var output: String?
    @OptionGroup var source: ConfigurationOptions

    enum Format: String, ExpressibleByArgument {
        case table, json, html
    }

    func run() throws {
        let configuration = try ReportOptions.configuration(source)
        let customer = try CustomerCommands.customer(self.customer, in: configuration, command: "smtq report scorecard")
        let now = Date()
        let (from, to) = try SPCCommands.window(since, until, TimeWindow(time: configuration.time, now: now))
        let start = from ?? ScorecardQuery.defaultSince(now: now, time: configuration.time)
        let end = to ?? now.storeMicroseconds
        guard end > start else {
            Console.error("smtq report scorecard: the window ends before it starts; give --until after --since")
            throw ExitCode(64)
        }
        let card = try ReportOptions.read(configuration, command: "smtq report scorecard") { db in
            try ScorecardQuery.run(db, customer: customer, since: start, until: end, configuration: configuration)
        }
        let text: String
        switch format {
        case .table: text = ScorecardRender.table(card)
        case .json:
            text = ScorecardRender.json(card, header: [("report", .string("scorecard")), ("time_zone", .string(configuration.time.timeZone))])
        case .html: text = ScorecardRender.page(card, generated: RFC3339.string(from: now))
        }
        if let output {
            try ReportFiles.write(text, to: output, command: "report scorecard")
        } else {
            print(text, terminator: "")
        }
    }
}
