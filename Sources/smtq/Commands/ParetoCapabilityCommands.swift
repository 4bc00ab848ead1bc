import ArgumentParser
import Foundation
import SMTQReports

/// `smtq report pareto`.
struct ParetoReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pareto",
        abstract: "Defects counted by code, category, reference designator, part or station: count, %, cumulative %."
    )

    @Option(help: "Count by: code, category, refdes, part or station, or several joined by commas (refdes,code: as the dashboard does).")
    var key: String = "code"
    @Flag(help: "Count false calls instead of real defects.") var falseCalls = false
    @Option(help: "Also draw the Pareto (bars and cumulative line) as SVG into this file.") var svg: String?
    @OptionGroup var options: ReportOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        var keys: [ParetoKey] = []
        for name in key.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let paretoKey = ParetoKey(rawValue: name) else {
                Console.error("smtq report pareto: --key '\(name)' is not one of \(ParetoKey.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(64)
            }
            if !keys.contains(paretoKey) { keys.append(paretoKey) }
        }
        guard !keys.isEmpty else {
            Console.error("smtq report pareto: --key is empty; give one of \(ParetoKey.allCases.map(\.rawValue).joined(separator: ", "))")
            throw ExitCode(64)
        }
        let format = try output.resolve()
        let (configuration, scope) = try options.context()
        let rows = try options.read(configuration) { try ParetoQuery.run($0, scope: scope, keys: keys, falseCalls: falseCalls) }
        if let svg {
            let title = "\(falseCalls ? "False calls" : "Real defects") by \(key)"
            try ReportFiles.write(ParetoRender.svg(rows, key: key, title: title), to: svg, command: "report pareto")
        }
        switch format {
        case .json:
            var header = options.header("pareto", configuration, scope)
            header.append(("verdict", .string(falseCalls ? "false_call" : "real")))
            print(ParetoRender.json(rows, key: key, header: header), terminator: "")
        case .csv: print(ParetoRender.csv(rows, key: key), terminator: "")
        case .table: print(rows.isEmpty ? "no \(falseCalls ? "false calls" : "defects") in this window and scope\n" : ParetoRender.table(rows, key: key),
                           terminator: "")
        }
    }
}

/// `smtq report capability`.
struct CapabilityReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capability",
        abstract: "Cp, Cpk, Pp, Ppk, mean, sigmas and % out of spec of a measurement, per program.",
        discussion: """
            Spec limits come from products.PROGRAM.measurements in the configuration, else from the limits \
            stored with the values. Within sigma is MR-bar/d2(2) over the values in time order; overall sigma \
            is the sample standard deviation. The product's Cpk target is shown beside Cpk.
            """
    )

    @Option(help: "The measurement's name, e.g. VCC.") var measurement: String
    @OptionGroup var options: ReportOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let format = try output.resolve()
        let (configuration, scope) = try options.context()
        let rows = try options.read(configuration) {
            try CapabilityQuery.run($0, scope: scope, measurement: measurement, configuration: configuration)
        }
        switch format {
        case .json:
            var header = options.header("capability", configuration, scope)
            header.append(("measurement", .string(measurement)))
            print(CapabilityRender.json(rows, header: header), terminator: "")
        case .csv: print(CapabilityRender.csv(rows), terminator: "")
        case .table: print(rows.isEmpty ? "no values of \(measurement) in this window and scope\n" : CapabilityRender.table(rows), terminator: "")
        }
    }
}

/// Writing an output file (SVG, HTML); a failure is one line with the system's reason.
enum ReportFiles {
    static func write(_ text: String, to path: String, command: String) throws {
        guard let file = fopen(path, "w") else {
            Console.error("smtq \(command): cannot write \(path): \(String(cString: strerror(errno)))")
            throw ExitCode.failure
        }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, file)
        let reason = String(cString: strerror(errno))
        if fclose(file) != 0 || written != bytes.count {
            Console.error("smtq \(command): cannot write \(path): \(reason)")
            throw ExitCode.failure
        }
    }
}
