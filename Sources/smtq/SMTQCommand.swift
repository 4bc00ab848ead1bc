import ArgumentParser
import SMTQCore

/// The `smtq` command tree. Each subcommand lives in its own file under Commands/.
@main
struct SMTQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtq",
        abstract: "SMT line quality data: collect, report, chart, trace, import/export, simulate, and look into smtqd.",
        discussion: """
            smtq reads the configuration and the SQLite database that the smtqd daemon writes. \
            Run 'smtq help SUBCOMMAND' for the details of a subcommand.
            """,
        version: SMTQVersion.current,
        subcommands: [
            DemoCommand.self, CheckConfigCommand.self, CollectCommand.self, ChartCommand.self, SimulateCommand.self, ImportCommand.self, ExportCommand.self,
            ReportCommand.self, TraceCommand.self, EventsCommand.self, AlertsCommand.self, CustomerCommand.self, StatusCommand.self, DatabaseCommand.self, SPCCommand.self,
            CentralCommand.self,
            VersionCommand.self,
        ]
    )
}
