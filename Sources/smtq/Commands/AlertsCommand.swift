import ArgumentParser
import Foundation
import Logging
import SMTQAlerts
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStore

/// `smtq alerts`: what the alert rules raised, with delivery state and acknowledgements; `ack` records who
/// dealt with one and how; `test` sends a sample through a rule's hooks.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Recent alerts with their delivery state and acknowledgements; acknowledge one; test a rule's hooks.",
        discussion: "Alert JSON, hooks and delivery: docs/alerts.md.",
        subcommands: [AlertsList.self, AlertsAck.self, AlertsTest.self],
        defaultSubcommand: AlertsList.self
    )
}

struct AlertsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Alerts that started in the window (or are still firing), newest first. Read-only.",
        discussion: """
            Columns: the alert id (for 'smtq alerts ack'), state (firing or resolved), severity, rule, scope, \
            when it started, deliveries done of all (with the last error of one not done), the latest \
            acknowledgement, and the summary. Default window: the last 7 days.
            """
    )

    @Option(help: "Start of the window: \(TimeWindow.expected) (default: 7 days ago).") var since: String?
    @Option(help: "Only this rule.") var rule: String?
    @Option(help: "At most this many alerts.") var limit = 200
    @Option(help: "table or json (default: table).") var format = "table"
    @OptionGroup var source: ConfigurationOptions

    func run() throws {
        guard ["table", "json"].contains(format) else {
            Console.error("smtq alerts: --format '\(format)' is not one of table, json")
            throw ExitCode(64)
        }
        guard limit > 0 else {
            Console.error("smtq alerts: --limit must be at least 1")
            throw ExitCode(64)
        }
        let configuration = try ReportOptions.configuration(source)
        let from = try SPCCommands.window(since, nil, TimeWindow(time: configuration.time)).0
        let start = from.map(Date.init(storeMicroseconds:)) ?? Date().addingTimeInterval(-7 * 86_400)
        let alerts = try ReportOptions.readLocal(configuration, command: "smtq alerts") { db in
            try AlertStore.list(since: start, rule: rule, limit: limit, db)
        }
        if format == "json" {
            print(AlertsRender.json(alerts, since: start))
        } else {
            print(alerts.isEmpty ? "no alerts since \(RFC3339.string(from: start))" : AlertsRender.table(alerts), terminator: alerts.isEmpty ? "\n" : "")
        }
    }
}

struct AlertsAck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge an alert: who, when, and the assignable cause or corrective action.",
        discussion: """
            The one write the CLI makes besides 'smtq spc baseline': one short transaction with a 5-second busy \
            timeout. The database is in WAL mode and smtqd's writer holds its transactions for milliseconds, so \
            neither waits noticeably for the other and acquisition is never disturbed. An alert can be \
            acknowledged more than once (notes add up).
            """
    )

    @Argument(help: "The alert id (from 'smtq alerts').") var id: Int64
    @Option(help: "What was found and done, e.g. \"replaced nozzle 4\".") var note: String
    @Option(help: "Who (default: the login name; the sudo caller under sudo).") var by: String?
    @OptionGroup var source: ConfigurationOptions

    func run() throws {
        let note = self.note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty else {
            Console.error("smtq alerts ack: --note is empty; say what was found or done")
            throw ExitCode(64)
        }
        let who = (by ?? SPCCommands.loginName()).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !who.isEmpty else {
            Console.error("smtq alerts ack: --by is empty")
            throw ExitCode(64)
        }
        let path = try ReportOptions.configuration(source).storage.databasePath
        let now = Date()
        let found = try SPCCommands.withStore(path) {
            _ = try StoreDatabase.openReadOnly(path: path)
            return try StoreDatabase.openForWriting(path: path).write { db in
                try AlertStore.acknowledge(id, by: who, note: note, at: now, db)
            }
        }
        guard found else {
            Console.error("smtq alerts ack: there is no alert \(id) in \(path); 'smtq alerts' lists them")
            throw ExitCode(65)
        }
        print("alert \(id) acknowledged by \(who) at \(RFC3339.string(from: now)): \(note)")
    }
}

struct AlertsTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a sample alert (event \"test\") through a rule's real hooks and say how each did.",
        discussion: "Stores nothing. Exit 0 when every hook took it, 1 otherwise."
    )

    @Argument(help: "The rule name (alerts.rules[].name).") var rule: String
    @OptionGroup var source: ConfigurationOptions

    func run() async throws {
        let configuration = try source.load()
        guard let rule = configuration.alerts.rules.first(where: { $0.name == rule }) else {
            let names = configuration.alerts.rules.map(\.name)
            Console.error("smtq alerts test: no rule '\(self.rule)' in \(configuration.file)"
                + (names.isEmpty ? " (it has no alert rules)" : "; its rules: " + names.joined(separator: ", ")))
            throw ExitCode(64)
        }
        var logger = Logger(label: "smtq.alerts")
        logger.logLevel = .warning
        let hooks = AlertHooks.make(configuration.alerts, rules: configuration.alerts.rules, logger: logger)
        let payload = AlertPayload.sample(rule: rule, configuration: configuration)
        var failed = false
        for name in rule.hooks {
            guard let hook = hooks[name] else { continue }
            let result = await hook.deliver(payload.json(), event: .test)
            switch result {
            case .delivered:
                print("\(name): delivered")
            case let .failed(problem):
                failed = true
                print("\(name): failed: \(problem)")
            }
        }
        if failed { throw ExitCode.failure }
    }
}
