import ArgumentParser
import SMTQCore

/// The `smtq` command tree. Each subcommand lives in its own file under Commands/.
@main
struct SMTQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtq",
        abstract: "SMT line quality data: check configuration, and (as they are built) report, chart and simulate.",
        discussion: """
            smtq reads the configuration and the SQLite database that the smtqd daemon writes. \
            Run 'smtq help SUBCOMMAND' for the details of a subcommand.
            """,
        version: SMTQVersion.current,
        subcommands: [
            CheckConfigCommand.self, CollectCommand.self, ChartCommand.self, SimulateCommand.self, ImportCommand.self, ExportCommand.self,
            ReportCommand.self, TraceCommand.self, EventsCommand.self, DatabaseCommand.self, SPCCommand.self, VersionCommand.self,
        ]
    )
}
