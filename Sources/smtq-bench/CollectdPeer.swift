import ArgumentParser
import Foundation

/// collectd's modbus plugin (Debian's `collectd-core`) polling the same registers from its own simulator: what a
/// plant would otherwise run to read Modbus values. The plugin reads one `<Data>` block per request, at most four
/// registers (a 64-bit type), so a 123-register block takes 32 requests (30 × 4, 2, 1). Its CPU is the whole process's
/// (utime + stime from /proc/PID/stat, read after SIGSTOP so no request is missed); its requests are the ones the
/// simulator answered (only collectd talks to it).
enum CollectdPeer {
    static let binary = "/usr/sbin/collectd"

    struct Result {
        var requests: Int
        var seconds: Double
        var cpu: Double
        var requestsPerBlock: Int

        var cpuPerRequest: Double { cpu / Double(max(1, requests)) }
        var cpuPerBlock: Double { cpuPerRequest * Double(requestsPerBlock) }
        var requestsPerSecond: Double { Double(requests) / seconds }
    }

    /// Requests covering registers 0..<count, four registers (`Uint64`) where they fit, then two and one.
    static func dataBlocks(registers count: Int) -> [(base: Int, type: String)] {
        var blocks: [(Int, String)] = []
        var base = 0
        while base < count {
            let left = count - base
            let (size, type) = left >= 4 ? (4, "Uint64") : left >= 2 ? (2, "Uint32") : (1, "Uint16")
            blocks.append((base, type))
            base += size
        }
        return blocks
    }

    /// Polls `devices` simulated AOIs (unit ids 1…devices behind one listener, a connection and a read thread each)
    /// every `interval` seconds for `seconds` seconds.
    static func run(devices: Int, registers: Int, interval: Double, seconds: Double) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("\(binary) is missing: install Debian's collectd-core (scripts/bootstrap --bench does)")
        }
        let folder = NSTemporaryDirectory() + "smtq-bench-collectd-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = Bench.freePort()
        let simulator = Process()
        simulator.executableURL = URL(fileURLWithPath: DaemonBenchmark.smtq)
        simulator.arguments = ["simulate", "--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "0"]
            + (1...devices).flatMap { ["--unit-id", String($0)] }
        let simulatorErrors = Pipe()
        simulator.standardError = simulatorErrors
        try simulator.run()
        let collectd = Process()
        defer {
            // Nothing left running when a step fails half-way.
            if collectd.isRunning { kill(collectd.processIdentifier, SIGKILL) }
            if simulator.isRunning { simulator.terminate() }
        }
        Thread.sleep(forTimeInterval: 0.3 + Double(devices) * 0.002)
        let blocks = dataBlocks(registers: registers)
        try configuration(folder: folder, port: port, devices: devices, blocks: blocks, interval: interval)
            .write(toFile: folder + "/collectd.conf", atomically: true, encoding: .utf8)
        collectd.executableURL = URL(fileURLWithPath: binary)
        collectd.arguments = ["-f", "-B", "-C", folder + "/collectd.conf"]
        collectd.standardOutput = FileHandle.nullDevice
        collectd.standardError = FileHandle.nullDevice
        let start = ContinuousClock.now
        try collectd.run()
        Thread.sleep(forTimeInterval: seconds)
        kill(collectd.processIdentifier, SIGSTOP)
        let wall = (ContinuousClock.now - start).totalSeconds
        let cpu = DaemonBenchmark.cpuSeconds(collectd.processIdentifier)
        kill(collectd.processIdentifier, SIGKILL)
        collectd.waitUntilExit()
        simulator.terminate()
        let said = String(decoding: simulatorErrors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        simulator.waitUntilExit()
        guard let requests = answered(said), requests > 0 else {
            let log = (try? String(contentsOfFile: folder + "/collectd.log", encoding: .utf8)) ?? ""
            throw ValidationError("collectd made no request to the simulator; its log: \(log.suffix(600))")
        }
        return Result(requests: requests, seconds: wall, cpu: cpu, requestsPerBlock: blocks.count)
    }

    /// The count in the simulator's last line, "… answered N requests".
    private static func answered(_ stderr: String) -> Int? {
        guard let line = stderr.split(separator: "\n").last(where: { $0.contains("answered") }) else { return nil }
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "answered"), index + 1 < words.count else { return nil }
        return Int(words[index + 1])
    }

    private static func configuration(folder: String, port: Int, devices: Int, blocks: [(base: Int, type: String)],
                                      interval: Double) -> String {
        var text = """
            Hostname "bench"
            FQDNLookup false
            BaseDir "\(folder)"
            PIDFile "\(folder)/collectd.pid"
            PluginDir "/usr/lib/collectd"
            TypesDB "/usr/share/collectd/types.db"
            Interval \(interval)
            ReadThreads \(devices)
            WriteThreads 1
            LoadPlugin logfile
            <Plugin logfile>
              LogLevel "warning"
              File "\(folder)/collectd.log"
            </Plugin>
            LoadPlugin modbus
            <Plugin modbus>

            """
        for block in blocks {
            text += """
                  <Data "r\(block.base)">
                    RegisterBase \(block.base)
                    RegisterType \(block.type)
                    RegisterCmd ReadHolding
                    Type "gauge"
                    Instance "r\(block.base)"
                  </Data>

                """
        }
        for device in 1...devices {
            text += """
                  <Host "d\(device)">
                    Address "127.0.0.1"
                    Port "\(port)"
                    Interval \(interval)
                    <Slave \(device)>
                      Instance "d\(device)"
                \(blocks.map { "      Collect \"r\($0.base)\"" }.joined(separator: "\n"))
                    </Slave>
                  </Host>

                """
        }
        return text + "</Plugin>\n"
    }
}
