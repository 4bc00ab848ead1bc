import ArgumentParser
import CPollBaseline
import Foundation
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
    @Option(help: "Seconds of the many-device collector run.") var seconds = 10.0
    @Option(help: "Rounds (alternating).") var rounds = 3

    func run() throws {
        let port = 16_000 + Int.random(in: 0..<2000)
        let simulator = Process()
        simulator.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("smtq")
        simulator.arguments = ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "0"]
            + (1...max(1, devices)).flatMap { ["--unit-id", String($0)] }
        simulator.standardError = FileHandle.nullDevice
        try simulator.run()
        defer { simulator.terminate() }
        Thread.sleep(forTimeInterval: 0.5)
        print("polling: \(reads) reads of \(registers) registers, loopback TCP, simulator in its own process")
        var results: [String: [Double]] = [:]
        for round in 1...rounds {
            for (name, measure) in [("c-loop", { try self.cLoop(port, devices: 1) }), ("swift-read", { try self.swiftReads(port) }),
                                    ("swift-fifo-poll", { try self.fifoPolls(port) })] as [(String, () throws -> (Double, Double))] {
                let (wall, cpu) = try measure()
                results[name, default: []].append(cpu / Double(reads) * 1e6)
                print(String(format: "round %d  %-16@ %8.0f reads/s  %6.2f µs CPU/read", round, name, Double(reads) / wall, cpu / Double(reads) * 1e6))
            }
        }
        let c = Bench.median(results["c-loop"]!)
        for name in ["swift-read", "swift-fifo-poll"] {
            let value = Bench.median(results[name]!)
            print(String(format: "median %-16@ %6.2f µs CPU/read = %.2fx the C loop (%.2f µs)", name, value, value / c, c))
        }
        try manyDevices(port)
    }

    private func cLoop(_ port: Int, devices: Int) throws -> (Double, Double) {
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

    /// `devices` devices polled every 10 ms by the collector (a thread each), against the C loop over as many
    /// connections; CPU per read from the process's CPU time.
    private func manyDevices(_ port: Int) throws {
        let configuration = try writeConfiguration(port: port, devices: devices)
        let writer = try StoreWriter(options: configuration.storage)
        let collector = Collector(configuration: configuration, writer: writer)
        let (wallStart, cpuStart) = (Self.clock(CLOCK_MONOTONIC), Self.processCPU())
        collector.start()
        Thread.sleep(forTimeInterval: seconds)
        collector.stop()
        let (wall, cpu) = (Self.clock(CLOCK_MONOTONIC) - wallStart, Self.processCPU() - cpuStart)
        writer.shutdown()
        let polls = collector.statuses.reduce(0) { $0 + $1.polls }
        let behind = collector.statuses.filter { Double($0.polls) < seconds * 100 * 0.9 }.count
        print(String(format: "%d devices, collector: %.0f polls/s (target %d), %.2f µs CPU/poll, %.1f %% of one core; %d devices below 90 %% of their rate",
                     devices, Double(polls) / wall, devices * 100, cpu / Double(polls) * 1e6, 100 * cpu / wall, behind))
        var cWall = 0.0, cCPU = 0.0
        _ = smtq_baseline_poll("127.0.0.1", Int32(port), Int32(devices), Int32(reads), 123, &cWall, &cCPU)
        print(String(format: "%d devices, C loop of 123-register reads: %.0f reads/s, %.2f µs CPU/read; collector/C = %.2fx",
                     devices, Double(reads) / cWall, cCPU / Double(reads) * 1e6, (cpu / Double(polls)) / (cCPU / Double(reads))))
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

    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
