import ArgumentParser
import Foundation
import Logging
import SMTQAlerts
import SMTQConfig
import SMTQCore
import SMTQStore

/// Alert latency end to end (simulator record → poll → store → rule → outbox → exec hook started) through
/// the built smtqd and `smtq simulate`, and the evaluation cost per committed unit with 20 rules.
struct AlertBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alert latency p50/p99 from the simulator's record to the exec hook's start, and rule cost per unit."
    )

    @Option(help: "Alerts to time.") var alerts = 200
    @Option(help: "The device's poll interval in milliseconds.") var pollMs = 200
    @Option(help: "Records per second the simulator produces (three per alert).") var rate = 10.0
    @Option(help: "Units fed to the evaluator for the cost per unit (20 rules).") var units = 200_000
    @Option(help: "Only this part: latency or cost.") var only: String?

    func run() throws {
        if only != "cost" { try latency() }
        if only != "latency" { try cost() }
    }

    private func latency() throws {
        let folder = NSTemporaryDirectory() + "smtq-bench-alerts-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder + "/profiles", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try String(contentsOfFile: DaemonBenchmark.repository + "/config/profiles/aoi-reference.yaml", encoding: .utf8)
            .write(toFile: folder + "/profiles/aoi-reference.yaml", atomically: true, encoding: .utf8)
        // bash's $EPOCHREALTIME reads the clock without starting another process: the hook's first act.
        let hook = folder + "/hook.sh"
        try "#!/bin/bash\nstarted=$EPOCHREALTIME\nbody=$(cat)\nprintf '%s %s\\n' \"$started\" \"$body\" >> \(folder)/hook.log\n"
            .write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let port = Bench.freePort()
        let config = folder + "/smtq.yaml"
        try """
            storage: {database: \(folder)/smtq.sqlite}
            include: [profiles/*.yaml]
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\(port)", unit_id: 1, poll_interval: \(pollMs)ms}
            alerts:
              hooks:
                bench: {exec: [\(hook)], timeout: 5s}
              rules:
                - {name: feeder, type: repeated_defect, line: L1, station: AOI-1, count: 2, within_units: 2, cooldown: 0s, hooks: [bench]}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let records = alerts * 3 + 3
        let log = folder + "/sim.jsonl"
        // C12 BRIDGE on two records of every three: the second of each pair trips 2-of-2, the third clears it.
        let simulator = try DaemonBenchmark.start(DaemonBenchmark.smtq, [
            "simulate", "--listen", "127.0.0.1:\(port)", "--rate", String(rate), "--count", String(records),
            "--defect-rate", "0", "--burst", "C12:BRIDGE:1:2:3", "--program", "PCB-A", "--serial-prefix", "L", "--log", log])
        defer { simulator.terminate(); simulator.waitUntilExit() }
        let daemon = try DaemonBenchmark.start(DaemonBenchmark.smtqd, ["--config", config, "--log-level", "warning"])
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let deadline = Date().addingTimeInterval(Double(records) / rate + 60)
        var firings: [(started: Double, serial: String)] = []
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 1)
            firings = Self.firings(folder + "/hook.log")
            if firings.count >= alerts { break }
        }
        let produced = Self.produced(log)
        let latencies = firings.compactMap { firing in produced[firing.serial].map { (firing.started - $0) * 1000 } }.sorted()
        guard !latencies.isEmpty else {
            print("alerts: no alert reached the hook")
            return
        }
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)] }
        print(String(format: "alerts: %d alerts at a %d ms poll interval: latency record → exec hook started p50 %.1f ms, "
                     + "p90 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 ≤ %d ms)", latencies.count, pollMs,
                     percentile(0.5), percentile(0.9), percentile(0.99), latencies.last!, pollMs + 50))
        Figures.record("alerts.latency_p50", percentile(0.5), "ms", note: "\(latencies.count) alerts, poll every \(pollMs) ms")
        Figures.limit("alerts.latency_p99", percentile(0.99), unit: " ms", target: .atMost(Double(pollMs + 50)),
                      comparison: "record written into the machine's registers → exec hook started, \(latencies.count) alerts")
    }

    /// (hook start, last serial) of each firing the hook logged.
    static func firings(_ path: String) -> [(started: Double, serial: String)] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let space = line.firstIndex(of: " "), let started = Double(line[..<space]),
                  let object = try? JSONSerialization.jsonObject(with: Data(line[line.index(after: space)...].utf8)) as? [String: Any],
                  object["event"] as? String == "firing", let serial = object["last_serial"] as? String else { return nil }
            return (started, serial)
        }
    }

    /// When the simulator put each record into its registers, by serial.
    static func produced(_ path: String) -> [String: Double] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var times: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let serial = object["serial"] as? String, let at = object["produced_at"] as? Double else { continue }
            times[serial] = at
        }
        return times
    }

    /// Twenty rules over one station fed committed batches of 100 units (5 % with a defect): CPU per unit.
    private func cost() throws {
        let folder = NSTemporaryDirectory() + "smtq-bench-alert-cost-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rules: [String] = []
        for index in 0..<8 {
            rules.append("  - {name: repeat-\(index), type: repeated_defect, line: L1, station: AOI-1, count: \(3 + index % 3), within_units: \(20 * (index + 1)), hooks: [h]}")
        }
        for (index, metric) in ["fpy", "final_yield", "dpu", "dpmo", "false_call_rate", "fpy"].enumerated() {
            let window = index % 2 == 0 ? "window: 1h" : "window_units: 500"
            let limit = ["fpy", "final_yield"].contains(metric) ? "below: 50%" : metric == "false_call_rate" ? "above: 90%" : "above: 100000"
            rules.append("  - {name: threshold-\(index), type: threshold, line: L1, station: AOI-1, metric: \(metric), \(limit), \(window), hooks: [h]}")
        }
        for index in 0..<4 {
            rules.append("  - {name: spike-\(index), type: spike, line: L1, station: AOI-1, factor: \(3 + index), window: \(15 * (index + 1))m, baseline: 8h, hooks: [h]}")
        }
        for index in 0..<2 {
            rules.append("  - {name: spc-\(index), type: spc_signal, chart: p\(index), hooks: [h]}")
        }
        let text = """
            storage: {database: \(folder)/smtq.sqlite}
            lines: {L1: {route: [AOI-1]}}
            products: {PCB-A: {opportunities: 500}}
            devices: []
            spc:
              charts:
                - {name: p0, chart: p, line: L1, station: AOI-1, subgroup: {every: 1h}}
                - {name: p1, chart: p, line: L1, station: AOI-1, subgroup: {every: 15m}}
            alerts:
              hooks: {h: {exec: [/bin/true]}}
              rules:
            \(rules.joined(separator: "\n"))
            """
        let configuration: SMTQConfig.Configuration
        do {
            configuration = try ConfigLoader.load(text: text, file: "bench.yaml", directory: folder)
        } catch {
            print("alerts: benchmark configuration: \(error.description)")
            throw ExitCode.failure
        }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let writer = try StoreWriter(options: configuration.storage, logger: logger)
        defer { writer.shutdown() }
        let evaluator = AlertEvaluator(configuration: configuration, writer: writer,
                                       reader: try StoreDatabase.openReadOnly(path: configuration.storage.databasePath), logger: logger)
        evaluator.start(tick: .seconds(3600))
        defer { evaluator.stop() }
        var random = SeededRandom(seed: 11)
        let start = Date(timeIntervalSince1970: 1_795_132_800)
        let refdes = (1...200).map { "C\($0)" }
        var batches: [CommittedBatch] = []
        for batchStart in stride(from: 0, to: units, by: 100) {
            batches.append(CommittedBatch(units: (batchStart..<min(units, batchStart + 100)).map { index in
                let faulty = Double.random(in: 0..<1, using: &random) < 0.05
                let defects = faulty ? [DefectRecord(refdes: refdes.randomElement(using: &random)!, code: "BRIDGE",
                                                     verdict: Double.random(in: 0..<1, using: &random) < 0.3 ? .falseCall : .real)] : []
                let record = UnitRecord(line: "L1", station: "AOI-1", device: "aoi1", program: "PCB-A", serial: "U\(index)",
                                        result: defects.contains { $0.verdict == .real } ? .fail : .pass,
                                        time: start.addingTimeInterval(Double(index) * 0.5), defects: defects)
                return StoredUnit(id: Int64(index + 1), record: record, isFirstPass: true)
            }))
        }
        let cpuBefore = PollingBenchmark.processCPU()
        let wall = Bench.seconds {
            for batch in batches { evaluator.receive(batch) }
            evaluator.drain()
        }
        let cpu = PollingBenchmark.processCPU() - cpuBefore
        let measured = evaluator.evaluationCost
        print(String(format: "alerts: 20 rules (8 repeated_defect, 6 threshold, 4 spike, 2 spc_signal) over %d units in batches "
                     + "of 100: process CPU %.2f s, %.2f µs per unit; evaluator's own time %.2f µs per unit; wall %.2f s; "
                     + "%d alerts open at the end", units, cpu, cpu / Double(units) * 1e6, measured.perUnit / 1000, wall,
                     evaluator.openAlertCount))
        Figures.record("alerts.cost", cpu / Double(units) * 1e6, "µs CPU/unit", note: "20 rules, process CPU")
    }
}
