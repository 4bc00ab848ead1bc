import ArgumentParser
import Foundation
import SMTQCore
import SMTQStore

/// `smtq export units|defects|measurements|events`: stored records out, streamed.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export units, defects, measurements, process values or device events as JSON Lines or CSV, in time order.",
        discussion: """
            'units' as jsonl is exactly the record interchange schema, so 'smtq import' reads it back \
            unchanged. 'defects' and 'measurements' write one row per defect or measurement with its unit's \
            line, station, device, program, serial, position, result, time and cycle_ms. 'process-values' \
            writes the sampled process values as interchange lines ("type":"process_value", which 'smtq \
            import' reads back) or CSV rows. 'events' writes the \
            device events (as 'smtq events' lists them): time, device, line, station, kind, count, detail. \
            Output streams to standard output in constant memory; the database is opened read-only.
            """
    )

    @Argument(help: "What to export.")
    var subject: Subject

    @Option(help: "jsonl or csv.")
    var format: Exporter.Format = .jsonl

    @Option(help: "Only records (or events) at or after this RFC 3339 time.")
    var since: String?

    @Option(help: "Only records (or events) before this RFC 3339 time.")
    var until: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, RFC3339.date(from: value) == nil {
                throw ValidationError("\(name) '\(value)' is not an RFC 3339 time such as 2026-11-24T08:00:00Z")
            }
        }
    }

    func run() throws {
        let (from, to) = (since.flatMap(RFC3339.date(from:)), until.flatMap(RFC3339.date(from:)))
        // The local store, or the central database (--db postgresql://…): the same lines either way.
        try ReportSource.withSource(try database.path(), command: "smtq export") { source in
            switch subject {
            case let .records(table):
                try Exporter(source: source, since: from, until: to).write(table, as: format, to: OutputBuffer())
            case .events:
                let filter = EventExporter.Filter(since: from?.storeMicroseconds, until: to?.storeMicroseconds)
                try EventExporter(source: source, filter: filter).write(as: format, to: OutputBuffer())
            }
        }
    }
}

extension Exporter.Format: ExpressibleByArgument {}

extension ExportCommand {
    /// What `smtq export` writes: one of the exporter's record tables, or the device events.
    enum Subject: ExpressibleByArgument {
        case records(Exporter.Table)
        case events

        init?(argument: String) {
            if let table = Exporter.Table(rawValue: argument) {
                self = .records(table)
            } else if argument == "events" {
                self = .events
            } else {
                return nil
            }
        }

        static var allValueStrings: [String] { Exporter.Table.allCases.map(\.rawValue) + ["events"] }
    }
}
