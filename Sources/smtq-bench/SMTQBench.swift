import ArgumentParser

/// Benchmarks and test probes for smtq. Not installed; run with `swift run -c release smtq-bench …`.
@main
struct SMTQBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtq-bench",
        abstract: "smtq benchmarks (compare against plain baselines in the same run) and test probes.",
        subcommands: [AllBenchmark.self, IngestBenchmark.self, ReportBenchmark.self, PollingBenchmark.self, DrainBenchmark.self, DaemonBenchmark.self, ExportBenchmark.self, EngineBenchmark.self, AlertBenchmark.self, DashboardBenchmark.self, CentralBenchmark.self, WriteProbe.self]
    )
}
