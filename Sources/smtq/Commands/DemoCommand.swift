import ArgumentParser
import Foundation
import Logging
import SMTQConfig
import SMTQCore
import SMTQDashboard
import SMTQDaemon
import SMTQSimulator
import SMTQStore

/// `smtq demo`: a whole line on one machine: simulated machines on loopback, the daemon's real pipeline
/// (`SMTQDaemon.Pipeline`, what smtqd runs) polling them into a database, a feeder fault halfway through that
/// fires an alert through a real exec hook and a signal on the p chart, then the reports.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a simulated SMT line through smtq for a minute: collection, SPC, an alert, then the reports.",
        discussion: """
            Starts an AOI (FIFO, defect calls), an ICT (FIFO, measurements), a counters-only AOI and, when socat \
            is installed, a functional tester on a Modbus RTU bus over a pty pair; writes a configuration for them \
            (printed: it is a worked example) and runs the same pipeline as smtqd against them with a new \
            database. Halfway through, the AOI's feeder for C12 fails: a repeated_defect alert fires through an \
            exec hook and the p chart signals. At the end: yield by station with RTY, the top defects, the alerts, \
            and an HTML report. Ctrl-C ends it early and still reports. With --keep the folder stays for \
            'smtq report … --config DIR/smtq.yaml'.
            """
    )

    @Option(help: "How long to collect, in seconds.") var seconds: Double = 60
    @Option(help: "Keep the configuration, database, logs and report in this folder (created if needed).") var keep: String?
    @Option(help: "Record rates times this factor (4 boards/s per machine at 1).") var speed: Double = 1
    @Option(help: "Serve the dashboard on this port of 127.0.0.1 (default: a free one).") var port: Int?

    func validate() throws {
        // One line and exit 64, as for every other bad argument of smtq.
        guard seconds > 0, seconds <= 86_400 else {
            Console.error("smtq demo: --seconds must be above 0 and at most 86400 (a day)")
            throw ExitCode(64)
        }
        if let port, !(1...65_535).contains(port) {
            Console.error("smtq demo: --port must be from 1 to 65535")
            throw ExitCode(64)
        }
        guard speed > 0, speed <= 50 else {
            Console.error("smtq demo: --speed must be above 0 and at most 50")
            throw ExitCode(64)
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .critical
            return handler
        }
        let folder = try makeFolder()
        var finished = false
        defer {
            // A temporary folder goes (all but the report of a finished run); a kept one stays as it is.
            if keep == nil, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) {
                for name in names where !(finished && name == "report.html") {
                    try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
                }
                if !finished { try? FileManager.default.removeItem(at: folder) }
            }
        }
        let line: DemoLine
        do {
            line = try DemoLine(folder: folder, seconds: seconds, speed: speed, httpPort: port)
        } catch {
            Console.error("smtq demo: \(error)")
            throw ExitCode.failure
        }
        defer { line.stopBus() }
        if let skipped = line.rtuSkipped { print(skipped) }
        let text = try line.write()
        print("== configuration (\(line.configPath)) ==\n" + text)
        let run = try DemoRun(line: line, seconds: seconds)
        run.announceDashboard()
        try await run.collect()
        line.stopBus()
        try DemoSummary(line: line, run: run, kept: keep != nil).print()
        finished = true
        if keep == nil {
            print("(the configuration, database and logs are removed: run with --keep DIR to keep them and go on "
                + "with 'smtq report … --config DIR/smtq.yaml')")
        }
    }

    private func makeFolder() throws -> URL {
        let url: URL
        if let keep {
            url = URL(fileURLWithPath: keep)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: keep, isDirectory: &isFolder) {
                let empty = (try? FileManager.default.contentsOfDirectory(atPath: keep).isEmpty) ?? false
                guard isFolder.boolValue, empty else {
                    Console.error("smtq demo: --keep \(keep) is \(isFolder.boolValue ? "a folder that is not empty" : "a file"); "
                        + "give an empty or new folder")
                    throw ExitCode(64)
                }
            }
        } else {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("smtq-demo-\(UUID().uuidString.prefix(8))")
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            Console.error("smtq demo: cannot create the folder \(url.path): \(error.localizedDescription)")
            throw ExitCode.failure
        }
        return url
    }
}

/// The collection: the simulators on threads of their own, the daemon's pipeline, and the progress line.
final class DemoRun: @unchecked Sendable {
    let line: DemoLine
    let seconds: Double
    let pipeline: Pipeline
    private let stop = Locked(false)
    private var threads: [Thread] = []
    private var simulators: [SimulatorBox] = []
    private let simulatorsDone = DispatchGroup()
    /// Machines whose simulator failed, with why.
    let failures = Locked<[String: String]>([:])
    private(set) var elapsed: Double = 0

    init(line: DemoLine, seconds: Double) throws {
        self.line = line
        self.seconds = seconds
        let configuration: Configuration
        do {
            configuration = try ConfigLoader.load(path: line.configPath)
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(ConfigError.exitCode)
        }
        var options = PipelineOptions(configPath: line.configPath)
        options.serveHTTP = true
        do {
            pipeline = try Pipeline(configuration: configuration, options: options, logger: Logger(label: "smtq.demo"))
        } catch {
            Console.error("smtq demo: \(error.message)")
            throw ExitCode.failure
        }
    }

    /// Starts the machines, runs the pipeline for `seconds` (or until Ctrl-C), then stops the machines.
    func collect() async throws {
        for machine in line.machines {
            let simulator: Simulator
            do {
                simulator = try Simulator(options: machine.options, endpoint: machine.endpoint)
            } catch {
                failures.withLock { $0[machine.device] = "\(error)" }
                print("\(machine.device): its simulator could not start (\(error)); the demo goes on without it")
                continue
            }
            simulatorsDone.enter()
            let box = SimulatorBox(simulator, device: machine.device)
            simulators.append(box)
            let thread = Thread { [stop, simulatorsDone] in
                box.simulator.run { stop.withLock { $0 } }
                simulatorsDone.leave()
            }
            thread.name = "demo.\(machine.device)"
            thread.start()
            threads.append(thread)
        }
        let started = ContinuousClock.now
        let progress = Task { [self] in
            let terminal = isatty(STDOUT_FILENO) != 0
            var tick = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                tick += 1
                let line = progressLine(elapsed: (ContinuousClock.now - started).totalSeconds)
                if terminal {
                    // Unbuffered, so the line is redrawn in place at once.
                    FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
                } else if tick % 5 == 0 {
                    Swift.print(line)
                }
            }
        }
        defer {
            stop.withLock { $0 = true }
            simulatorsDone.wait()
        }
        // At the end the machines stop producing and the pipeline reads what they still queue before it
        // stops: every record a machine made is stored (Ctrl-C stops at once instead).
        let ending = Task { [self] in
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            guard !Task.isCancelled else { return }
            for box in simulators { box.simulator.halt() }
            // A machine that is down keeps its queue: only connected ones are waited for.
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, simulators.contains(where: { box in
                box.simulator.queuedRecords > 0 && pipeline.statuses.contains { $0.device == box.device && $0.connected }
            }) {
                try? await Task.sleep(for: .milliseconds(100))
            }
            // The last record read is stored and acknowledged within a poll interval or two.
            try? await Task.sleep(for: .milliseconds(600))
            await pipeline.requestStop()
        }
        try await pipeline.run()
        ending.cancel()
        progress.cancel()
        elapsed = (ContinuousClock.now - started).totalSeconds
        Swift.print((isatty(STDOUT_FILENO) != 0 ? "\r\u{1B}[K" : "") + progressLine(elapsed: elapsed))
    }

    /// `23s/60s units AOI-1 92 ICT-1 91 FCT-1 45, counts AOI-2 23, alerts 1` (and machines down): short
    /// enough for an 80-column terminal to redraw in place.
    func progressLine(elapsed: Double) -> String {
        let statuses = Dictionary(pipeline.statuses.map { ($0.device, $0) }, uniquingKeysWith: { first, _ in first })
        var units: [String] = []
        var counts: [String] = []
        var down: [String] = []
        for machine in line.machines {
            guard let status = statuses[machine.device] else { continue }
            if machine.options.mode == .counters {
                counts.append("\(machine.station) \(status.counterSamples)")
            } else {
                units.append("\(machine.station) \(status.recordsRead)")
            }
            if elapsed > 3, !status.connected { down.append(machine.device) }
        }
        var text = String(format: "%.0fs/%.0fs", min(elapsed, seconds), seconds) + " units " + units.joined(separator: " ")
        if !counts.isEmpty { text += ", counts " + counts.joined(separator: " ") }
        text += ", alerts \(DemoSummary.firings(line.alertFile).count)"
        if !down.isEmpty { text += ", DOWN " + down.joined(separator: " ") }
        return text
    }
}

/// A simulator handed to the one thread that runs it.
private final class SimulatorBox: @unchecked Sendable {
    let simulator: Simulator
    let device: String

    init(_ simulator: Simulator, device: String) {
        self.simulator = simulator
        self.device = device
    }
}

extension DemoRun {
    /// Prints where the dashboard is while the demo runs: the plant's view, and the brand's with a token made
    /// for the demo's customer (as `smtq customer token` makes one).
    func announceDashboard() {
        let base = "http://127.0.0.1:\(line.httpPort)"
        var text = "== dashboard, live while the demo runs ==\nplant view:    \(base)/lines/L1\n"
        let token = AccessToken.generate()
        do {
            _ = try pipeline.writer.write { db in
                try AccessTokenStore.add(customer: DemoLine.customer, sha256: AccessToken.hash(token), by: "smtq demo", at: Date(), db)
            }
            text += "brand's view:  \(base)/?token=\(token)  (customer \(DemoLine.customer): PCB-A only)\n"
        } catch {
            text += "(no customer token: \(error))\n"
        }
        print(text)
        // Shown at once also when the output is a pipe or a file (a newcomer's `| tee`).
        fflush(nil)
    }
}
