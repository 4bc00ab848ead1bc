import ArgumentParser
import Foundation

/// Every benchmark in one run, next to its peers and limits, in a fixed order and with fixed sizes: prints each
/// figure as `name: value unit` and each comparison as a ratio or limit line, then (unless `--quick`) rewrites
/// the table at the top of docs/benchmarks.md with the date, the machine and the command. `--quick` runs the
/// same steps at toy sizes so that CI notices when a benchmark or a peer stops working; its figures mean little.
struct AllBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "All benchmarks in one run; rewrites the table in docs/benchmarks.md (not with --quick)."
    )

    @Flag(help: "Toy sizes (under 2 minutes): checks that every benchmark and peer still runs; the docs are left alone.")
    var quick = false
    @Option(help: "Where the generated databases go.") var folder = NSTemporaryDirectory() + "smtq-bench-all"
    @Option(help: "The Markdown file whose table is rewritten.") var docs = DaemonBenchmark.repository + "/docs/benchmarks.md"
    @Option(help: "The command line to quote in the table (scripts/bench passes its own).") var command = "smtq-bench all"

    /// One benchmark of the run with its arguments.
    private struct Step {
        var name: String
        /// nil: the shared results database is generated here.
        var type: ParsableCommand.Type?
        var arguments: [String]
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let results = folder + "/results.sqlite"
        let resultCount = quick ? 200_000 : 10_000_000
        let started = Date()
        var failed: [String] = []
        let steps = plan(results: results, resultCount: resultCount)
        for step in steps {
            print("\n== \(step.name): smtq-bench \(([step.type?.configuration.commandName ?? "(generate)"] + step.arguments).joined(separator: " ")) ==")
            do {
                guard let type = step.type else {
                    // One file for the reports and the dashboard: one serial every 3 s, about 2.7 results a serial,
                    // ending now (the dashboard shows the current shift and hour).
                    let start = Date().addingTimeInterval(-Double(resultCount) / 2.7 * 3)
                    try ReportBenchmark.generate(db: results, units: resultCount, start: start)
                    continue
                }
                var benchmark = try type.parseAsRoot(step.arguments)
                try benchmark.run()
            } catch {
                let message = (error as? ExitCode).map { "exit \($0.rawValue)" } ?? "\(error)"
                print("FAILED \(step.name): \(message)")
                failed.append(step.name)
            }
        }
        Bench.removeDatabase(results)
        let elapsed = Date().timeIntervalSince(started)
        print("\n== figures ==")
        for figure in Figures.figures { print("\(figure.name): \(Figures.format(figure.value)) \(figure.unit)") }
        print("\n== ratios and limits ==")
        for ratio in Figures.ratios { print(ratio.line) }
        let missed = Figures.ratios.filter { $0.isMet == false }.map(\.name)
        print(String(format: "\n%d figures, %d comparisons, %d missed%@; %d of %d steps failed%@; %.0f s in all",
                     Figures.figures.count, Figures.ratios.count, missed.count, missed.isEmpty ? "" : " (\(missed.joined(separator: ", ")))",
                     failed.count, steps.count, failed.isEmpty ? "" : " (\(failed.joined(separator: ", ")))", elapsed))
        if !quick {
            try BenchTable.rewrite(docs: docs, command: command, seconds: elapsed, failed: failed)
            print("rewrote the table in \(docs)")
        }
        if !failed.isEmpty { throw ExitCode.failure }
    }

    private func plan(results: String, resultCount: Int) -> [Step] {
        let units = String(resultCount)
        if quick {
            return [
                Step(name: "ingest", type: IngestBenchmark.self, arguments: ["--units", "5000", "--rounds", "1", "--folder", folder]),
                Step(name: "polling", type: PollingBenchmark.self, arguments: ["--reads", "2000", "--devices", "4", "--seconds", "2", "--rounds", "1"]),
                Step(name: "drain", type: DrainBenchmark.self, arguments: ["--records", "100", "--devices", "1,2", "--rounds", "1"]),
                Step(name: "generate", type: nil, arguments: [units]),
                Step(name: "reports", type: ReportBenchmark.self, arguments: ["--db", results, "--reuse", "--units", units, "--commands-only", "--rounds", "1"]),
                Step(name: "dashboard", type: DashboardBenchmark.self,
                     arguments: ["--db", results, "--reuse", "--units", units, "--paints", "3", "--clients", "5", "--seconds", "3"]),
                Step(name: "alerts", type: AlertBenchmark.self, arguments: ["--alerts", "5", "--units", "5000"]),
                Step(name: "engine", type: EngineBenchmark.self, arguments: ["--units", "10000"]),
                Step(name: "daemon", type: DaemonBenchmark.self, arguments: ["--devices", "10", "--seconds", "5"]),
                Step(name: "forwarding", type: CentralBenchmark.self,
                     arguments: ["--units", "5000", "--backlog", "20000", "--rounds", "1", "--folder", folder + "/central"]),
            ]
        }
        return [
            Step(name: "ingest", type: IngestBenchmark.self, arguments: ["--units", "100000", "--rounds", "5", "--folder", folder]),
            Step(name: "polling", type: PollingBenchmark.self, arguments: ["--reads", "20000", "--devices", "64", "--seconds", "10", "--rounds", "3"]),
            Step(name: "drain", type: DrainBenchmark.self, arguments: ["--records", "1000", "--devices", "1,16", "--rounds", "3"]),
            Step(name: "generate", type: nil, arguments: [units]),
            Step(name: "reports", type: ReportBenchmark.self,
                 arguments: ["--db", results, "--reuse", "--units", units, "--commands-only", "--rounds", "3", "--pandas-rounds", "1"]),
            Step(name: "dashboard", type: DashboardBenchmark.self,
                 arguments: ["--db", results, "--reuse", "--units", units, "--clients", "50", "--rate", "10", "--seconds", "20"]),
            Step(name: "alerts", type: AlertBenchmark.self, arguments: ["--alerts", "100", "--units", "200000"]),
            Step(name: "engine", type: EngineBenchmark.self, arguments: ["--units", "200000"]),
            Step(name: "daemon-100", type: DaemonBenchmark.self, arguments: ["--devices", "100", "--seconds", "60"]),
            Step(name: "daemon-1000", type: DaemonBenchmark.self, arguments: ["--devices", "1000", "--seconds", "30"]),
            Step(name: "forwarding", type: CentralBenchmark.self,
                 arguments: ["--units", "100000", "--backlog", "1000000", "--rounds", "3", "--folder", folder + "/central"]),
        ]
    }
}
