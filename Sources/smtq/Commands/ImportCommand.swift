import ArgumentParser
import Foundation
import SMTQStore

/// `smtq import FILE.jsonl`: records in the interchange schema into the database.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import units and process values from JSON Lines files in the record interchange schema.",
        discussion: """
            Each line is one unit, or one process value with "type":"process_value" (see README, "Record \
            interchange schema"). Importing is idempotent: a unit already stored (same serial, station and \
            time), or a process value (same station, device, name and time), is counted as a duplicate and not \
            stored again. \
            By default the whole file is checked first and, if any line is bad, every bad line is reported as \
            FILE:LINE: what is wrong and nothing from that file is stored (exit 65). With --skip-bad the good \
            lines are stored and the bad ones reported. The database is created if it does not exist.
            """
    )

    @Argument(help: "JSON Lines files to import.")
    var files: [String]

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Store the good lines of a file that has bad ones.")
    var skipBad = false

    static let maxProblemsShown = 100

    func run() throws {
        let writer: StoreWriter
        do {
            writer = try StoreWriter(options: database.storage())
        } catch let error as StoreError {
            Console.error("smtq: \(error)")
            throw ExitCode.failure
        }
        defer { writer.shutdown() }
        var failedFiles = 0
        for file in files {
            let report: JSONLImporter.Report
            do {
                report = try JSONLImporter(path: file).run(into: writer, skipBad: skipBad, batchSize: 500)
            } catch {
                Console.error("smtq: \(error)")
                failedFiles += 1
                continue
            }
            for problem in report.problems.prefix(Self.maxProblemsShown) { Console.error(problem.description) }
            if report.problems.count > Self.maxProblemsShown {
                Console.error("\(file): … and \(report.problems.count - Self.maxProblemsShown) more bad lines")
            }
            if !report.problems.isEmpty, !skipBad {
                Console.error("\(file): \(report.problems.count) bad line\(report.problems.count == 1 ? "" : "s"); nothing from this file was stored (fix them, or use --skip-bad)")
                failedFiles += 1
                continue
            }
            var summary = "\(file): \(report.stored - report.storedProcessValues) units"
                + (report.storedProcessValues > 0 ? " and \(report.storedProcessValues) process values" : "")
                + " stored, \(report.duplicates) already present"
            if !report.problems.isEmpty { summary += ", \(report.problems.count) bad lines skipped" }
            print(summary)
        }
        if failedFiles > 0 { throw ExitCode(65) }
    }
}
