import ArgumentParser
import Foundation
import Logging
import SMTQAcquisition
import SMTQConfig
import SMTQStore

/// How fast a FIFO backlog drains: each device (its own `smtq simulate` process on loopback TCP) holds
/// `records` queued records before the collector starts; the collector (the daemon's pollers and writer,
/// `synchronous: normal`, the default batch of 500 records / 50 ms) reads, stores and ACKs them one by one.
/// Reported: records/s per device until the last one is stored, for 1 device and for N at once.
struct DrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "FIFO backlog drain rate per device (1 and N devices) through the collector and writer."
    )

    @Option(help: "Queued records per device.") var records = 1000
    @Option(help: "Device counts to measure, comma-separated.") var devices = "1,16"
    @Option(help: "Rounds per device count.") var rounds = 3
    @Option(help: "The writer's batch max_delay (the delay group commit skips when every write is awaited).") var maxDelay = "50ms"

    func run() throws {
        let counts = devices.split(separator: ",").compactMap { Int($0) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--devices: e.g. 1,16") }
        print("drain: \(records) queued FIFO records per device, loopback TCP, one simulator process per device, synchronous normal, batch 500 / \(maxDelay)")
        for count in counts {
            var rates: [Double] = []
            for round in 1...rounds {
                let (seconds, slowest) = try drain(devices: count)
                let rate = Double(records) / seconds
                rates.append(rate)
                print(String(format: "round %d  %2d device(s): all %d records stored in %.2f s = %.0f records/s per device (slowest device %.0f records/s)",
                             round, count, count * records, seconds, rate, slowest))
            }
            print(String(format: "median %2d device(s): %.0f records/s per device (target >= 300)", count, Bench.median(rates)))
            Figures.limit("drain.\(count)dev", Bench.median(rates), unit: " records/s a device", target: .atLeast(300),
                          comparison: "FIFO backlog of \(records) records a device, median of \(rounds)")
        }
    }

    /// Starts `devices` simulators, waits until each has queued `records`, then times the collector until
    /// every record is stored. Returns the wall time and the slowest device's own rate.
    private func drain(devices: Int) throws -> (Double, Double) {
        let folder = NSTemporaryDirectory() + "/smtq-bench-drain-\(getpid())-\(devices)"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder + "/profiles", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let smtq = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("smtq")
        var simulators: [Process] = []
        defer { for simulator in simulators { simulator.terminate(); simulator.waitUntilExit() } }
        var ports: [Int] = []
        for index in 0..<devices {
            let port = 20_000 + Int.random(in: 0..<20_000)
            let simulator = Process()
            simulator.executableURL = smtq
            simulator.arguments = ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "100000",
                                   "--count", String(records), "--serial-prefix", "D\(index)-", "--defect-rate", "0.3",
                                   "--log", folder + "/sim\(index).jsonl"]
            simulator.standardError = FileHandle.nullDevice
            try simulator.run()
            simulators.append(simulator)
            ports.append(port)
        }
        let queued = Date().addingTimeInterval(60)
        while (0..<devices).contains(where: { lineCount(folder + "/sim\($0).jsonl") < records }) {
            guard Date() < queued else { throw ValidationError("the simulators did not queue their records within 60 s") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try String(contentsOfFile: profilePath(), encoding: .utf8)
            .write(toFile: folder + "/profiles/aoi-reference.yaml", atomically: true, encoding: .utf8)
        let lines = ports.enumerated().map { index, port in
            "  - {name: d\(index), line: L1, station: S\(index), kind: aoi, profile: aoi-reference, tcp: \"127.0.0.1:\(port)\", unit_id: 1, poll_interval: 100ms}"
        }
        try (["storage: {database: \(folder)/smtq.sqlite, synchronous: normal, batch: {max_records: 500, max_delay: \(maxDelay)}}",
              "include: [profiles/*.yaml]", "devices:"] + lines)
            .joined(separator: "\n").write(toFile: folder + "/smtq.yaml", atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.load(path: folder + "/smtq.yaml")
        let writer = try StoreWriter(options: configuration.storage)
        var logger = Logger(label: "smtq.bench.drain")
        logger.logLevel = .warning
        let collector = Collector(configuration: configuration, writer: writer, logger: logger)
        let start = ContinuousClock.now
        var finished: [Int: Double] = [:]
        collector.start()
        let deadline = Date().addingTimeInterval(300)
        while finished.count < devices, Date() < deadline {
            for (index, status) in collector.statuses.enumerated() where finished[index] == nil && status.recordsRead >= records {
                finished[index] = (ContinuousClock.now - start).totalSeconds
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        let seconds = (ContinuousClock.now - start).totalSeconds
        collector.stop()
        writer.shutdown()
        guard finished.count == devices else { throw ValidationError("only \(finished.count) of \(devices) devices drained within 300 s") }
        return (seconds, Double(records) / (finished.values.max() ?? seconds))
    }

    private func lineCount(_ path: String) -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        return data.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }

    private func profilePath() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/profiles/aoi-reference.yaml").path
    }
}
