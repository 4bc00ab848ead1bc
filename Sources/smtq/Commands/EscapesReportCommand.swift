import ArgumentParser
import Foundation
import SMTQReports

/// `smtq report escapes`.
struct EscapesReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escapes",
        abstract: "Units AOI passed that a later station on the route failed, with the defects found there.",
        discussion: """
            An escape is a serial whose last result at an AOI station was a pass and that failed at a later \
            station of its line's route (the lines in the configuration). The window applies to the AOI result. \
            The table lists the escapes, then counts them by reference designator and defect code.
            """
    )

    @OptionGroup var options: ReportOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let format = try output.resolve()
        let (configuration, scope) = try options.context()
        let escapes: [Escape]
        do {
            escapes = try options.read(configuration) { try EscapesQuery.run($0, scope: scope, configuration: configuration) }
        } catch let error as EscapesQuery.NoRoutes {
            Console.error("smtq report escapes: \(error)")
            throw ExitCode(64)
        }
        switch format {
        case .json: print(EscapesRender.json(escapes, header: options.header("escapes", configuration, scope)), terminator: "")
        case .csv: print(EscapesRender.csv(escapes), terminator: "")
        case .table: print(escapes.isEmpty ? "no escapes in this window and scope\n" : EscapesRender.table(escapes), terminator: "")
        }
    }
}
