import ArgumentParser
import CPollBaseline
import Foundation
import Logging
import SMTQAcquisition
import SMTQConfig
import SMTQModbus
import SMTQStore

/// Reads per second and CPU time per read: smtq's Modbus layer and full FIFO polls next to a plain C loop
/// of `modbus_read_registers`, all against the same simulator process on loopback.
struct PollingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polling",
        abstract: "Polling CPU per read against a plain C libmodbus loop, for 1 and for N devices."
    )

    @Option(help: "Reads per measurement.") var reads = 20_000
    @Option(help: "Registers per read for the raw comparison (DESIGN.md's anchor uses 40).") var registers = 40
    @Option(help: "Devices for the many-device run (unit ids on one simulator).") var devices = 64
    @Option(help: "Seconds of the many-device collector run, and of each collectd run.") var seconds = 10.0
    @Option(help: "Rounds (alternating).") var rounds = 3
    @Flag(help: "Skip collectd's modbus plugin.") var noCollectd = false
    @Option(help: "Only this one-device contender, nothing else (for a profiler): c-loop-40, smtq-read-40, c-loop-123, smtq-fifo-poll.")
    var only: String?

    /// The reference AOI's poll: SEQ, PENDING and the record block, registers 0–122, in one request.
    static let blockRegisters = 123

    func run() throws {
        let port = 16_000 + Int.random(in: 0..<2000)
        let simulator = Process()
        simulator.executableURL = URL(fileURLWithPath: DaemonBenchmark.smtq)
        simulator.arguments = ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "0"]
            + (1...max(1, devices)).flatMap { ["--unit-id", String($0)] }
        simulator.standardError = FileHandle.nullDevice
        try simulator.run()
        defer { simulator.terminate() }
        Thread.sleep(forTimeInterval: 0.5)
        print("polling: \(reads) reads per contender and round, loopback TCP, simulator in its own process, thread CPU")
        var results: [String: [Double]] = [:]
        let contenders: [(String, () throws -> (Double, Double))] = [
            ("c-loop-\(registers)", { try self.cLoop(port, devices: 1, registers: self.registers) }),
            ("smtq-read-\(registers)", { try self.swiftReads(port) }),
            ("c-loop-\(Self.blockRegisters)", { try self.cLoop(port, devices: 1, registers: Self.blockRegisters) }),
            ("smtq-fifo-poll", { try self.fifoPolls(port) }),
        ]
        if let only {
            guard let (name, measure) = contenders.first(where: { $0.0 == only }) else { throw ValidationError("--only: no contender \(only)") }
            let (wall, cpu) = try measure()
            return print(String(format: "%@: %.0f reads/s, %.2f µs CPU/read", name, Double(reads) / wall, cpu / Double(reads) * 1e6))
        }
        // User time (this thread's getrusage) apart: the kernel's share (send, select, recv: the same calls for
        // every contender) moves with the machine's noise, the user-space share is what smtq adds.
        var user: [String: [Double]] = [:]
        for round in 1...rounds {
            for (name, measure) in contenders {
                let before = Self.threadUserTime()
                let (wall, cpu) = try measure()
                let userPerRead = (Self.threadUserTime() - before) / Double(reads) * 1e6
                results[name, default: []].append(cpu / Double(reads) * 1e6)
                user[name, default: []].append(userPerRead)
                print(String(format: "round %d  %-16@ %8.0f reads/s  %6.2f µs CPU/read (%.2f µs user)", round, name, Double(reads) / wall,
                             cpu / Double(reads) * 1e6, userPerRead))
            }
        }
        for name in contenders.map(\.0) {
            print(String(format: "median %-16@ %6.2f µs CPU/read, %.2f µs of it user time", name, Bench.median(results[name]!), Bench.median(user[name]!)))
        }
        let median = { (name: String) in Bench.median(results[name]!) }
        let (c40, read40) = (median("c-loop-\(registers)"), median("smtq-read-\(registers)"))
        let (c123, poll) = (median("c-loop-\(Self.blockRegisters)"), median("smtq-fifo-poll"))
        Figures.record("polling.1dev.c_loop_\(registers)reg", c40, "µs CPU/read")
        Figures.record("polling.1dev.smtq_read_\(registers)reg", read40, "µs CPU/read")
        Figures.record("polling.1dev.c_loop_\(Self.blockRegisters)reg", c123, "µs CPU/read")
        Figures.record("polling.1dev.smtq_poll", poll, "µs CPU/poll", note: "full FIFO poll: plan, 123 registers in one request, decode")
        Figures.ratio("polling.1dev.smtq_read/c_loop", read40 / c40, target: .atMost(1.1), comparison: "\(registers)-register reads, one device")
        Figures.ratio("polling.1dev.smtq_poll/c_loop", poll / c123, target: .atMost(1.1), comparison: "123-register block, one device")
        let many = try manyDevices(port)
        guard !noCollectd else { return }
        for (count, smtqPerRequest) in [(1, poll), (devices, many)] {
            let peer = try CollectdPeer.run(devices: count, registers: Self.blockRegisters, interval: 0.001, seconds: seconds)
            let key = "polling.\(count)dev"
            print(String(format: "collectd modbus, %d device(s), interval 1 ms: %.0f requests/s (%d per 123-register block), %.2f s CPU",
                         count, peer.requestsPerSecond, peer.requestsPerBlock, peer.cpu))
            Figures.record("\(key).collectd_request", peer.cpuPerRequest * 1e6, "µs CPU/request", note: "≤ 4 registers a request")
            Figures.record("\(key).collectd_block", peer.cpuPerBlock * 1e6, "µs CPU/123-register block")
            Figures.ratio("\(key).smtq/collectd_request", smtqPerRequest / (peer.cpuPerRequest * 1e6), target: .below(1),
                          comparison: "smtq's 123-register request against collectd's ≤ 4-register request; "
                              + (count == 1 ? "smtq's poll loop thread against collectd's whole process" : "both whole processes"))
            Figures.ratio("\(key).smtq/collectd_block", smtqPerRequest / (peer.cpuPerBlock * 1e6), target: .below(1),
                          comparison: "the same 123 registers")
        }
    }

    private func cLoop(_ port: Int, devices: Int, registers: Int) throws -> (Double, Double) {
        var wall = 0.0, cpu = 0.0
        let failed = smtq_baseline_poll("127.0.0.1", Int32(port), Int32(devices), Int32(reads), Int32(registers), &wall, &cpu)
        guard failed == 0 else { throw ValidationError("the C loop failed (\(failed))") }
        return (wall, cpu)
    }

    private func swiftReads(_ port: Int) throws -> (Double, Double) {
        let connection = try ModbusConnection(endpoint: .tcp(host: "127.0.0.1", port: port), responseTimeout: .seconds(1), name: "bench")
        try connection.connect(name: "bench")
        connection.setUnit(1)
        let (wallStart, cpuStart) = (Self.clock(CLOCK_MONOTONIC), Self.clock(CLOCK_THREAD_CPUTIME_ID))
        for _ in 0..<reads { _ = try connection.read(.holding, address: 0, count: registers, name: "bench") }
        return (Self.clock(CLOCK_MONOTONIC) - wallStart, Self.clock(CLOCK_THREAD_CPUTIME_ID) - cpuStart)
    }

    /// Full FIFO polls of the reference AOI profile on an idle device: plan, read SEQ/PENDING/block (123
    /// registers, one request), decode the registers, see nothing is pending.
    private func fifoPolls(_ port: Int) throws -> (Double, Double) {
        let configuration = try writeConfiguration(port: port, devices: 1)
        let writer = try StoreWriter(options: configuration.storage)
        defer { writer.shutdown() }
        let poller = DevicePoller(device: configuration.devices[0], profile: configuration.profiles["aoi-reference"]!,
                                  products: [:], writer: writer, logger: .init(label: "bench"))
        let connection = try ModbusConnection(endpoint: .tcp(host: "127.0.0.1", port: port), responseTimeout: .seconds(1), name: "bench")
        try connection.connect(name: "bench")
        connection.setUnit(1)
        _ = try poller.poll(connection)
        let (wallStart, cpuStart) = (Self.clock(CLOCK_MONOTONIC), Self.clock(CLOCK_THREAD_CPUTIME_ID))
        for _ in 0..<reads { _ = try poller.poll(connection) }
        return (Self.clock(CLOCK_MONOTONIC) - wallStart, Self.clock(CLOCK_THREAD_CPUTIME_ID) - cpuStart)
    }

    /// `devices` devices polled at full speed by the collector (a connection and a thread each, no pause between
    /// polls), against the C loop over as many connections; CPU per poll from the process's CPU time, all threads.
    /// Returns the collector's µs of CPU per poll.
    private func manyDevices(_ port: Int) throws -> Double {
        var configuration = try writeConfiguration(port: port, devices: devices)
        for index in configuration.devices.indices { configuration.devices[index].pollInterval = .zero }
        let writer = try StoreWriter(options: configuration.storage)
        var quiet = Logger(label: "smtq.acquisition")
        quiet.logLevel = .warning
        let collector = Collector(configuration: configuration, writer: writer, logger: quiet)
        let (wallStart, cpuStart) = (Self.clock(CLOCK_MONOTONIC), Self.processCPU())
        collector.start()
        Thread.sleep(forTimeInterval: seconds)
        collector.stop()
        let (wall, cpu) = (Self.clock(CLOCK_MONOTONIC) - wallStart, Self.processCPU() - cpuStart)
        writer.shutdown()
        let counts = collector.statuses.map(\.polls)
        let polls = counts.reduce(0, +)
        let perPoll = cpu / Double(max(1, polls)) * 1e6
        print(String(format: "%d devices at full speed, collector: %.0f polls/s (slowest device %.0f/s), %.2f µs CPU/poll, %.1f %% of one core",
                     devices, Double(polls) / wall, Double(counts.min() ?? 0) / wall, perPoll, 100 * cpu / wall))
        var cWall = 0.0, cCPU = 0.0
        let failed = smtq_baseline_poll("127.0.0.1", Int32(port), Int32(devices), Int32(reads), Int32(Self.blockRegisters), &cWall, &cCPU)
        guard failed == 0 else { throw ValidationError("the C loop over \(devices) connections failed (\(failed))") }
        let cPerRead = cCPU / Double(reads) * 1e6
        print(String(format: "%d devices, C loop of 123-register reads round robin: %.0f reads/s", devices, Double(reads) / cWall))
        Figures.record("polling.\(devices)dev.c_loop_\(Self.blockRegisters)reg", cPerRead, "µs CPU/read")
        Figures.record("polling.\(devices)dev.smtq_poll", perPoll, "µs CPU/poll", note: "collector, all threads, \(Int(Double(polls) / wall)) polls/s")
        Figures.ratio("polling.\(devices)dev.smtq_poll/c_loop", perPoll / cPerRead, target: .atMost(1.2),
                      comparison: "\(devices) devices, 123-register block")
        return perPoll
    }

    /// A configuration of `devices` reference AOIs at unit ids 1…devices on the simulator, polled every 10 ms.
    private func writeConfiguration(port: Int, devices: Int) throws -> Configuration {
        let folder = NSTemporaryDirectory() + "/smtq-bench-poll-\(port)-\(devices)"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder + "/profiles", withIntermediateDirectories: true)
        try referenceAOI().write(toFile: folder + "/profiles/aoi-reference.yaml", atomically: true, encoding: .utf8)
        let lines = (1...devices).map {
            "  - {name: d\($0), line: L1, station: S\($0), kind: aoi, profile: aoi-reference, tcp: \"127.0.0.1:\(port)\", unit_id: \($0), poll_interval: 10ms}"
        }
        try (["storage: {database: \(folder)/smtq.sqlite}", "include: [profiles/*.yaml]", "devices:"] + lines)
            .joined(separator: "\n").write(toFile: folder + "/smtq.yaml", atomically: true, encoding: .utf8)
        return try ConfigLoader.load(path: folder + "/smtq.yaml")
    }

    private func referenceAOI() -> String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/profiles/aoi-reference.yaml").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    static func clock(_ id: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(id, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// This thread's user CPU time in seconds.
    static func threadUserTime() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD (glibc, _GNU_SOURCE: not imported)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    }

    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
