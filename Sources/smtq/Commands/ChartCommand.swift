import ArgumentParser
import Foundation
import SMTQReports
import SMTQStatistics

/// `smtq chart TYPE`: a control chart or capability study of any data, from CSV.
struct ChartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart",
        abstract: "Compute a control chart or a capability study from CSV (a file or standard input).",
        discussion: """
            TYPE is p, np, c, u, xbar-r, xbar-s, imr, ewma, cusum or capability. Input columns: defectives,size \
            (p, np); count (c); count,size (u); x1,…,xn (xbar-r, xbar-s, capability of subgroups); value (imr, \
            ewma, cusum, capability of individuals). Conventions and the JSON schema: docs/charts.md. Run rules \
            nelson1–8 and we1–4 are reported per point.
            """
    )

    @Argument(help: "The chart type.") var type: String
    @Option(help: "The CSV file (default: standard input).") var input: String?
    @Option(name: .customLong("L"), help: "Limit width in sigmas.") var limitSigmas = 3.0
    @Option(help: "EWMA weight.") var lambda = 0.2
    @Option(help: "CUSUM reference value in sigmas.") var k = 0.5
    @Option(help: "CUSUM decision interval in sigmas.") var h = 5.0
    @Option(help: "Known center (target) of a variable chart.") var target: Double?
    @Option(help: "Known center of an attribute chart: p-bar (p, np), c-bar (c) or u-bar (u).") var center: Double?
    @Option(help: "Known process sigma.") var sigma: Double?
    @Option(help: "Lower spec limit (capability).") var lsl: Double?
    @Option(help: "Upper spec limit (capability).") var usl: Double?
    @Option(help: "Within-subgroup sigma: rbar, sbar or mr (capability).") var within: String?
    @Option(help: "json, table or csv.") var format = "table"
    @Option(help: "Also draw the chart as SVG into this file.") var svg: String?

    func validate() throws {
        guard Charts.types.contains(type) else {
            throw ValidationError("unknown chart type '\(type)' (one of \(Charts.types.joined(separator: ", ")))")
        }
        guard ["json", "table", "csv"].contains(format) else { throw ValidationError("--format is json, table or csv") }
        if let within, !["rbar", "sbar", "mr"].contains(within) { throw ValidationError("--within is rbar, sbar or mr") }
        if limitSigmas <= 0 || k <= 0 || h <= 0 { throw ValidationError("--L, --k and --h must be above 0") }
        if let sigma, sigma <= 0 { throw ValidationError("--sigma must be above 0") }
        if let center, center < 0 || (["p", "np"].contains(type) && center > 1) {
            throw ValidationError("--center \(center) is out of range (p-bar is 0…1, c-bar and u-bar are ≥ 0)")
        }
        if center != nil, !["p", "np", "c", "u"].contains(type) {
            throw ValidationError("--center is for p, np, c and u charts; variable charts take --target")
        }
    }

    func run() throws {
        let text: String
        if let input {
            guard let contents = try? String(contentsOfFile: input, encoding: .utf8) else {
                Console.error("smtq chart: cannot read \(input)")
                throw ExitCode.failure
            }
            text = contents
        } else {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        var options = ChartOptions()
        options.limitSigmas = limitSigmas
        options.lambda = lambda
        options.k = k
        options.h = h
        options.target = target
        options.sigma = sigma
        options.center = center
        options.lsl = lsl
        options.usl = usl
        options.within = within
        let result: ChartResult
        do {
            result = try Charts.compute(type, try ChartCSV.parse(text), options)
        } catch {
            Console.error("smtq chart \(type): \(input ?? "standard input"): \(error.message)")
            throw ExitCode(65)
        }
        if let svg {
            let title = "\(type) chart of \(input.map { ($0 as NSString).lastPathComponent } ?? "standard input")"
            try ReportFiles.write(ChartSVG.render(result, title: title), to: svg, command: "chart")
        }
        switch format {
        case "json": print(ChartJSON.render(result))
        case "csv": print(ChartTable.csv(result), terminator: "")
        default: print(ChartTable.text(result), terminator: "")
        }
    }
}
