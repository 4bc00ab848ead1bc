import ArgumentParser
import Foundation
import SMTQCore
import SMTQStore

/// `smtq export units|defects|measurements`: stored records out, streamed.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export units, defects or measurements as JSON Lines or CSV, in time order.",
        discussion: """
            'units' as jsonl is exactly the record interchange schema, so 'smtq import' reads it back \
            unchanged. 'defects' and 'measurements' write one row per defect or measurement with its unit's \
            line, station, device, program, serial, position, result, time and cycle_ms. Output streams to \
            standard output in constant memory; the database is opened read-only.
            """
    )

    @Argument(help: "What to export: units, defects or measurements.")
    var table: Exporter.Table

    @Option(help: "jsonl or csv.")
    var format: Exporter.Format = .jsonl

    @Option(help: "Only units at or after this RFC 3339 time.")
    var since: String?

    @Option(help: "Only units before this RFC 3339 time.")
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
        do {
            let queue = try StoreDatabase.openReadOnly(path: database.path())
            let exporter = Exporter(queue: queue, since: since.flatMap(RFC3339.date(from:)),
                                    until: until.flatMap(RFC3339.date(from:)))
            try exporter.write(table, as: format, to: OutputBuffer())
        } catch let error as StoreError {
            Console.error("smtq: \(error)")
            throw ExitCode.failure
        }
    }
}

extension Exporter.Table: ExpressibleByArgument {}
extension Exporter.Format: ExpressibleByArgument {}
