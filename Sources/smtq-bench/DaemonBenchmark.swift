import ArgumentParser
import Foundation
import SMTQCore

/// The installed program as a plant runs it: the built `smtqd` polling N simulated AOIs (reference profile,
/// FIFO, a record every ten seconds each) at 1 Hz over loopback TCP, each device its own connection, the
/// simulators in their own processes (200 devices each: unit ids go to 247). Measured from outside over a window after a
/// warm-up: smtqd's CPU (utime + stime from /proc/PID/stat) as a share of one core, its peak and final RSS,
/// and each device's achieved poll rate (from /api/status). `--stop-records N` instead measures how long
/// SIGTERM takes with N queued records being drained.
struct DaemonBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "smtqd's footprint with N devices at 1 Hz (CPU, RSS, worst device's poll rate), or its SIGTERM time under load."
    )

    @Option(help: "Devices.") var devices = 100
    @Option(help: "Seconds measured (after a 10 s warm-up).") var seconds = 60.0
    @Option(help: "Poll interval in milliseconds.") var intervalMs = 1000
    @Option(help: "Instead: queue this many records over 10 devices, start smtqd, SIGTERM it mid-drain, time the exit.")
    var stopRecords: Int?
    @Option(help: "The smtqd binary to measure (default: the one beside smtq-bench), e.g. one built with --static-swift-stdlib.")
    var smtqdPath: String?

    func run() throws {
        let folder = NSTemporaryDirectory() + "smtq-bench-daemon-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder + "/profiles", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try String(contentsOfFile: Self.repository + "/config/profiles/aoi-reference.yaml", encoding: .utf8)
            .write(toFile: folder + "/profiles/aoi-reference.yaml", atomically: true, encoding: .utf8)
        if let stopRecords { return try stopTime(folder: folder, records: stopRecords) }
        let perSimulator = 200
        let simulatorCount = (devices + perSimulator - 1) / perSimulator
        var simulators: [Process] = []
        defer { for simulator in simulators { simulator.terminate(); simulator.waitUntilExit() } }
        var lines: [String] = []
        for index in 0..<simulatorCount {
            let port = Bench.freePort()
            let units = (1...min(perSimulator, devices - index * perSimulator)).map { $0 }
            simulators.append(try Self.start(Self.smtq, ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "0.1",
                                                         "--serial-prefix", "S\(index)-"] + units.flatMap { ["--unit-id", String($0)] }))
            for unit in units {
                lines.append("  - {name: d\(index)-\(unit), line: L1, station: S\(index)-\(unit), kind: aoi, profile: aoi-reference, "
                             + "tcp: \"127.0.0.1:\(port)\", unit_id: \(unit), poll_interval: \(intervalMs)ms, timeout: 2s}")
            }
        }
        let metricsPort = Bench.freePort()
        let config = try writeConfig(folder: folder, devices: lines, metricsPort: metricsPort)
        Thread.sleep(forTimeInterval: 1)
        let log = folder + "/smtqd.log"
        let daemon = try Self.start(smtqdPath ?? Self.smtqd, ["--config", config, "--log-level", "warning"], log: log)
        defer { daemon.terminate(); daemon.waitUntilExit() }
        Thread.sleep(forTimeInterval: 10)
        let pid = daemon.processIdentifier
        let pollsBefore: [String: Int]
        do {
            pollsBefore = try polls(metricsPort)
        } catch {
            let state = daemon.isRunning ? "running" : "exited with \(daemon.terminationStatus)"
            let kept = NSTemporaryDirectory() + "smtq-bench-daemon-failed.log"
            try? FileManager.default.removeItem(atPath: kept)
            try? FileManager.default.copyItem(atPath: log, toPath: kept)
            throw ValidationError("smtqd (\(state)) did not answer /api/status; its log (kept at \(kept)) begins:\n\(Self.head(log))")
        }
        let cpuBefore = Self.cpuSeconds(pid)
        let start = Date()
        var peak = 0
        while Date().timeIntervalSince(start) < seconds {
            Thread.sleep(forTimeInterval: 1)
            peak = max(peak, Self.residentKB(pid))
        }
        let wall = Date().timeIntervalSince(start)
        let cpu = Self.cpuSeconds(pid) - cpuBefore
        let pollsAfter = try polls(metricsPort)
        let rates = pollsAfter.map { name, count in Double(count - (pollsBefore[name] ?? 0)) / wall }
        let asked = 1000.0 / Double(intervalMs)
        let worst = rates.min() ?? 0
        let below = rates.filter { $0 < asked * 0.95 }.count
        print("daemon: \(smtqdPath ?? Self.smtqd)")
        print(String(format: "daemon: %d devices at %.1f Hz over %.0f s: CPU %.2f %% of one core, RSS peak %.1f MB (now %.1f MB), "
                     + "worst device %.3f polls/s (%.1f %% of asked), %d devices below 95 %%, %d threads",
                     devices, asked, wall, 100 * cpu / wall, Double(peak) / 1024, Double(Self.residentKB(pid)) / 1024,
                     worst, 100 * worst / asked, below, Self.threads(pid)))
        let key = "daemon.\(devices)dev"
        Figures.record("\(key).rss_anon", Double(Self.statusField(pid, "RssAnon:")) / 1024, "MB",
                       note: "private memory; the rest of the RSS is the executable's and libraries' pages mapped from their files")
        Figures.limit("\(key).cpu", 100 * cpu / wall, unit: " % of a core", target: .atMost(devices <= 100 ? 2 : 50),
                      comparison: "\(devices) devices at \(Figures.format(asked)) Hz for \(Int(wall)) s, smtqd's utime + stime")
        if devices <= 100 {
            Figures.limit("\(key).rss_peak", Double(peak) / 1024, unit: " MB", target: .atMost(30), comparison: "VmRSS sampled every second")
        } else {
            Figures.record("\(key).rss_peak", Double(peak) / 1024, "MB", note: "\(Self.threads(pid)) threads")
        }
        Figures.limit("\(key).worst_rate", 100 * worst / asked, unit: " % of asked", target: .atLeast(95),
                      comparison: "the slowest device's polls over the window")
    }

    /// Queues `records` over 10 devices, starts smtqd, sends SIGTERM once it drains, times the exit.
    private func stopTime(folder: String, records: Int) throws {
        var simulators: [Process] = []
        defer { for simulator in simulators { simulator.terminate(); simulator.waitUntilExit() } }
        var lines: [String] = []
        let perDevice = max(1, records / 10) * 3
        for index in 0..<10 {
            let port = Bench.freePort()
            simulators.append(try Self.start(Self.smtq, ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "100000",
                                                         "--count", String(perDevice), "--serial-prefix", "T\(index)-"]))
            lines.append("  - {name: d\(index), line: L1, station: S\(index), kind: aoi, profile: aoi-reference, "
                         + "tcp: \"127.0.0.1:\(port)\", unit_id: 1, poll_interval: 100ms}")
        }
        let metricsPort = Bench.freePort()
        let config = try writeConfig(folder: folder, devices: lines, metricsPort: metricsPort)
        Thread.sleep(forTimeInterval: 2)
        let daemon = try Self.start(smtqdPath ?? Self.smtqd, ["--config", config, "--log-level", "warning"])
        var stored = 0
        let deadline = Date().addingTimeInterval(60)
        while stored < records, Date() < deadline {
            stored = (try? polls(metricsPort, key: "records").values.reduce(0, +)) ?? 0
            Thread.sleep(forTimeInterval: 0.05)
        }
        let started = Date()
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        print(String(format: "daemon: SIGTERM while draining (%d records stored so far, %d queued in all): exit %d after %.3f s",
                     stored, perDevice * 10, daemon.terminationStatus, Date().timeIntervalSince(started)))
    }

    private func writeConfig(folder: String, devices: [String], metricsPort: Int) throws -> String {
        let path = folder + "/smtq.yaml"
        try (["storage: {database: \(folder)/smtq.sqlite}", "include: [profiles/*.yaml]", "metrics: {listen: \"127.0.0.1:\(metricsPort)\"}",
              "devices:"] + devices).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A count per device from /api/status (polls by default).
    private func polls(_ port: Int, key: String = "polls") throws -> [String: Int] {
        let (_, text) = try Bench.process("/usr/bin/curl", ["-sf", "--retry", "5", "--retry-connrefused", "--retry-delay", "1",
                                                             "http://127.0.0.1:\(port)/api/status"])
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        let list = object["devices"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["name"] as? String ?? "", $0[key] as? Int ?? 0) }, uniquingKeysWith: { first, _ in first })
    }

    static var repository: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static var smtq: String { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("smtq").path }
    static var smtqd: String { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("smtqd").path }

    /// Starts a program in the background; what it writes goes to `log` (or nowhere).
    static func start(_ executable: String, _ arguments: [String], log: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        if let log, FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) {
            process.standardError = handle
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// The first lines of a log (where a crash says what happened), for a failure's message.
    static func head(_ log: String, lines: Int = 12) -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").prefix(lines).joined(separator: "\n")
    }

    /// utime + stime of a process, in seconds.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let data = FileHandle(forReadingAtPath: "/proc/\(pid)/stat").flatMap({ try? $0.readToEnd() }) else { return 0 }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func residentKB(_ pid: Int32) -> Int { statusField(pid, "VmRSS:") }
    static func threads(_ pid: Int32) -> Int { statusField(pid, "Threads:") }

    static func statusField(_ pid: Int32, _ name: String) -> Int {
        guard let data = FileHandle(forReadingAtPath: "/proc/\(pid)/status").flatMap({ try? $0.readToEnd() }) else { return 0 }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name) }
            .flatMap { Int($0.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") } ?? 0
    }
}
