import Foundation
import SMTQCore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Device faults against the running smtqd, each between the real daemon and the real simulator: a proxy
/// that breaks the Modbus TCP exchange (FaultProxy) or a noisy RTU line (NoisyLine). Each scenario waits for
/// every produced record and then compares the store with the simulator's log: exactly once, same content.
@Suite(.serialized)
struct DeviceFaultTests {
    /// One FIFO machine (the reference AOI), reached through a FaultProxy when `fault` or `flap` is given;
    /// returns the figures, the device's status at the end and the proxy.
    @discardableResult
    func fifo(_ name: String, count: Int = 150, rate: Int = 50, simulator extra: [String] = [], timeout: String = "300ms",
              startSimulatorAfter delay: Double = 0, fault: FaultProxy.Fault? = nil, flap: Bool = false, unit: Int = 1,
              whileRunning: ((Rig, Int) -> Void)? = nil) throws -> (ScenarioFigures, [String: Any], FaultProxy?) {
        let rig = try Rig()
        let port = TestNetwork.freePort(), http = TestNetwork.freePort()
        let simulatorArguments = ["--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "\(rate)", "--count", "\(count)",
                                  "--defect-rate", "0.3", "--serial-prefix", "D-"] + extra
        var simulator: (RunningProduct, URL)?
        if delay == 0 { simulator = try rig.simulator("aoi1", simulatorArguments) }
        var proxy: FaultProxy?
        if fault != nil || flap {
            let front = try FaultProxy(upstreamPort: port)
            if let fault { front.fault = fault }
            if flap { front.flap(period: 1) }
            proxy = front
        }
        defer { proxy?.stop() }
        let devicePort = proxy?.port ?? port
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(devicePort)", unit_id: \#(unit), poll_interval: 20ms, timeout: \#(timeout), retries: 1, backoff: {initial: 50ms, max: 500ms}}"#,
        ], extra: "http: {listen: \"127.0.0.1:\(http)\"}")
        let daemon = try rig.daemon()
        defer { daemon.stop() }
        if delay > 0 {
            usleep(UInt32(delay * 1_000_000))
            whileRunning?(rig, http)
            simulator = try rig.simulator("aoi1", simulatorArguments)
        } else {
            whileRunning?(rig, http)
        }
        let (process, log) = try #require(simulator)
        defer { process.stop() }
        let complete = Rig.wait(seconds: 120) {
            rig.units(device: "aoi1") >= count && ((try? SimulatorLog.records(log).count) ?? 0) >= count
        }
        usleep(300_000)
        let status = rig.deviceStatus(httpPort: http)["aoi1"] ?? [:]
        #expect(daemon.stop().status == 0, "\(rig.daemonLog.suffix(2000))")
        #expect(complete, "\(name): stored \(rig.units(device: "aoi1")) of \(count)")
        var figures = ScenarioFigures(name)
        figures.add(produced: try SimulatorLog.records(log), stored: try rig.storedUnits()["aoi1"] ?? [])
        figures.report()
        #expect(figures.clean && figures.produced == count, "\(figures)")
        return (figures, status, proxy)
    }

    func number(_ status: [String: Any], _ key: String) -> Int { status[key] as? Int ?? 0 }

    @Test("connection refused until the machine starts: smtqd shows it down, then stores everything once")
    func connectionRefused() throws {
        let (_, status, _) = try fifo("connection refused", startSimulatorAfter: 2, whileRunning: { rig, http in
            let device = rig.deviceStatus(httpPort: http)["aoi1"] ?? [:]
            #expect(device["up"] as? Bool == false)
            #expect((device["last_error"] as? String ?? "").localizedCaseInsensitiveContains("refused"), "\(device)")
        })
        #expect(status["up"] as? Bool == true)
    }

    @Test("the connection dropped in the middle of an answer, every 7th answer")
    func droppedMidResponse() throws {
        let (_, status, proxy) = try fifo("dropped mid-response", fault: .dropMidResponse(every: 7))
        #expect((proxy?.responsesFaulted ?? 0) > 5)
        #expect(number(status, "reconnects") > 5, "\(status)")
    }

    /// 0.3 s against a 200 ms timeout and one retry: the late answer arrives while the retry waits for its
    /// own, on the same connection, and must be recognised as the answer to the abandoned request.
    @Test("every 5th answer slower than the timeout (it arrives late, during the retry)")
    func slowerThanTimeout() throws {
        let (_, status, proxy) = try fifo("answers slower than the timeout", count: 60, timeout: "200ms",
                                          fault: .delay(seconds: 0.3, every: 5))
        #expect((proxy?.responsesFaulted ?? 0) > 5)
        #expect(number(status, "timeouts") > 5, "\(status)")
    }

    @Test("Modbus exceptions: illegal data address and device busy", arguments: [UInt8(2), UInt8(6)])
    func exceptions(code: UInt8) throws {
        let (_, status, _) = try fifo("exception \(code) on every 5th request", fault: .exception(code: code, every: 5))
        #expect(number(status, "exceptions") > 5, "\(status)")
    }

    @Test("an answer from the wrong unit id, every 5th")
    func wrongUnit() throws {
        let (_, status, _) = try fifo("answer from the wrong unit id", fault: .wrongUnit(every: 5))
        #expect(number(status, "other_errors") > 5, "answers from another unit are refused and counted: \(status)")
    }

    @Test("a block one register short, every 4th read")
    func wrongLength() throws {
        let (_, status, _) = try fifo("block of the wrong length", fault: .wrongLength(every: 4))
        #expect(number(status, "other_errors") + number(status, "bad_records") > 5, "\(status)")
    }

    @Test("a Modbus TCP gateway addressing its serial device by unit id 0 or 255", arguments: [0, 255])
    func gatewayUnit(unit: Int) throws {
        try fifo("gateway unit id \(unit)", count: 60, simulator: ["--unit-id", "\(unit)"], unit: unit)
    }

    @Test("a machine that reboots: its queue survives, SEQ restarts at 1")
    func reboot() throws {
        try fifo("device reboots (SEQ restarts)", simulator: ["--reboot-after", "40"])
    }

    @Test("SEQ wraps past 65535")
    func sequenceWrap() throws {
        try fifo("SEQ wrap past 65535", count: 200, simulator: ["--first-seq", "65450"])
    }

    @Test("a flapping machine: up and down every second")
    func flapping() throws {
        let (_, status, proxy) = try fifo("flapping every second", count: 160, rate: 20, flap: true)
        #expect((proxy?.flaps ?? 0) >= 6)
        #expect(number(status, "reconnects") >= 3, "\(status)")
    }

    /// The RTU bus of three testers through a noise injector, the testers' own figures compared each.
    @Test("CRC errors, garbage bytes and lost frames on an RTU line (a noise injector between two pty pairs)")
    func noisyLine() throws {
        let rig = try Rig()
        let line = try NoisyLine(folder: rig.folder.appendingPathComponent("line"), seed: 17,
                                 noise: .init(flipRate: 0.04, garbageRate: 0.03, dropRate: 0.02))
        defer { line.stop() }
        let http = TestNetwork.freePort()
        let count = 60
        let (simulator, log) = try rig.simulator("ict", [
            "--kind", "tester", "--serial", line.devicePath, "--baud", "115200", "--parity", "none",
            "--unit-id", "3", "--unit-id", "5", "--rate", "10", "--count", "\(count)", "--defect-rate", "0.2"])
        defer { simulator.stop() }
        try rig.writeConfig(devices: [
            "{name: ict1, line: L1, station: ICT-1, kind: tester, profile: tester-reference, rtu: {bus: rs485}, unit_id: 3, poll_interval: 20ms, timeout: 200ms, retries: 1}",
            "{name: ict2, line: L1, station: ICT-2, kind: tester, profile: tester-reference, rtu: {bus: rs485}, unit_id: 5, poll_interval: 20ms, timeout: 200ms, retries: 1}",
        ], extra: """
            http: {listen: "127.0.0.1:\(http)"}
            serial_buses:
              rs485: {port: \(line.collectorPath), baud: 115200, parity: none}
            """)
        let daemon = try rig.daemon()
        defer { daemon.stop() }
        let complete = Rig.wait(seconds: 120) { rig.units(device: "ict1") >= count && rig.units(device: "ict2") >= count }
        let status = rig.deviceStatus(httpPort: http)
        #expect(daemon.stop().status == 0, "\(rig.daemonLog.suffix(2000))")
        #expect(complete, "stored \(rig.count()) of \(2 * count)")
        let produced = try SimulatorLog.records(log), stored = try rig.storedUnits()
        var figures = ScenarioFigures("noisy RTU line")
        figures.add(produced: produced.filter { $0.unit == 3 }, stored: stored["ict1"] ?? [])
        figures.add(produced: produced.filter { $0.unit == 5 }, stored: stored["ict2"] ?? [])
        figures.notes.append("\(line.bitsFlipped) bits flipped, \(line.garbageInserted) garbage bursts, \(line.chunksDropped) chunks dropped")
        figures.report()
        #expect(figures.clean && figures.produced == 2 * count, "\(figures)")
        #expect(line.bitsFlipped > 5 && line.garbageInserted > 5)
        let errors = status.values.reduce(0) { $0 + number($1, "crc_errors") + number($1, "other_errors") + number($1, "timeouts") }
        #expect(errors > 5, "the noise was seen and counted: \(status)")
    }

    /// A serial device server in transparent mode passes RTU frames over TCP: socat plays it (TCP port ↔ the
    /// simulator's serial line), and the documented bridge (systemd/smtq-serial-bridge@.service) turns it back
    /// into a local serial port that an ordinary `serial_buses` entry opens.
    @Test("RTU devices behind a serial device server in transparent mode (RTU over TCP through the socat bridge)")
    func rtuOverTCP() throws {
        let rig = try Rig()
        let device = rig.path("ttyDevice"), server = rig.path("ttyServer"), host = rig.path("ttyHost")
        let line = try RunningProduct("/usr/bin/socat", ["pty,raw,echo=0,link=\(device)", "pty,raw,echo=0,link=\(server)"])
        defer { line.stop() }
        try #require(Rig.wait(seconds: 5) { FileManager.default.fileExists(atPath: server) }, "socat made no pty pair")
        let port = TestNetwork.freePort()
        let deviceServer = try RunningProduct("/usr/bin/socat", ["tcp-listen:\(port),bind=127.0.0.1,reuseaddr,fork", "file:\(server),raw,echo=0"])
        defer { deviceServer.stop(within: 1) }
        #expect(Rig.wait(seconds: 5) { TestNetwork.canConnect(port: port) })
        let bridge = try RunningProduct("/usr/bin/socat", ["pty,raw,echo=0,link=\(host)", "tcp:127.0.0.1:\(port),nodelay"])
        defer { bridge.stop() }
        try #require(Rig.wait(seconds: 5) { FileManager.default.fileExists(atPath: host) }, "the bridge made no local port")
        let count = 60
        let (simulator, log) = try rig.simulator("ict", [
            "--kind", "tester", "--serial", device, "--baud", "19200", "--parity", "even",
            "--unit-id", "4", "--unit-id", "6", "--rate", "10", "--count", "\(count)", "--defect-rate", "0.2"])
        defer { simulator.stop() }
        try rig.writeConfig(devices: [
            "{name: ict4, line: L1, station: ICT-1, kind: tester, profile: tester-reference, rtu: {bus: ds1}, unit_id: 4, poll_interval: 20ms, timeout: 500ms}",
            "{name: ict6, line: L1, station: ICT-2, kind: tester, profile: tester-reference, rtu: {bus: ds1}, unit_id: 6, poll_interval: 20ms, timeout: 500ms}",
        ], extra: """
            serial_buses:
              ds1: {port: \(host), baud: 19200, parity: even}
            """)
        let daemon = try rig.daemon()
        defer { daemon.stop() }
        let complete = Rig.wait(seconds: 90) { rig.units(device: "ict4") >= count && rig.units(device: "ict6") >= count }
        #expect(daemon.stop().status == 0)
        #expect(complete, "stored \(rig.count()) of \(2 * count)")
        let produced = try SimulatorLog.records(log), stored = try rig.storedUnits()
        var figures = ScenarioFigures("RTU over TCP (serial device server)")
        figures.add(produced: produced.filter { $0.unit == 4 }, stored: stored["ict4"] ?? [])
        figures.add(produced: produced.filter { $0.unit == 6 }, stored: stored["ict6"] ?? [])
        figures.report()
        #expect(figures.clean && figures.produced == 2 * count, "\(figures)")
    }

    /// Polls per second of each device between two looks at smtqd's status, `seconds` apart.
    func pollRates(_ rig: Rig, http: Int, seconds: Double) -> [String: Double] {
        let before = rig.deviceStatus(httpPort: http)
        usleep(UInt32(seconds * 1_000_000))
        let after = rig.deviceStatus(httpPort: http)
        return after.reduce(into: [:]) { rates, entry in
            rates[entry.key] = Double(number(entry.value, "polls") - number(before[entry.key] ?? [:], "polls")) / seconds
        }
    }

    @Test("one dead tester on a shared RTU bus: the three live ones keep at least 80 % of their poll rate")
    func deadDeviceOnSharedBus() throws {
        let rig = try Rig()
        let tty = rig.path("ttyA"), device = rig.path("ttyB")
        let socat = try RunningProduct("/usr/bin/socat", ["pty,raw,echo=0,link=\(tty)", "pty,raw,echo=0,link=\(device)"])
        defer { socat.stop() }
        try #require(Rig.wait(seconds: 5) { FileManager.default.fileExists(atPath: device) }, "socat made no pty pair")
        let (simulator, _) = try rig.simulator("ict", [
            "--kind", "tester", "--serial", device, "--baud", "115200", "--parity", "none",
            "--unit-id", "3", "--unit-id", "5", "--unit-id", "9", "--rate", "2"])
        defer { simulator.stop() }
        let http = TestNetwork.freePort()
        func tester(_ name: String, _ unit: Int) -> String {
            "{name: \(name), line: L1, station: ICT-1, kind: tester, profile: tester-reference, rtu: {bus: rs485}, unit_id: \(unit), poll_interval: 100ms, timeout: 200ms, retries: 1, backoff: {initial: 1s, max: 10s}}"
        }
        let live = [tester("ict3", 3), tester("ict5", 5), tester("ict9", 9)]
        let extra = """
            http: {listen: "127.0.0.1:\(http)"}
            serial_buses:
              rs485: {port: \(tty), baud: 115200, parity: none}
            """
        var rates: [[String: Double]] = []
        for devices in [live, live + [tester("dead", 7)]] {
            try rig.writeConfig(devices: devices, extra: extra)
            let daemon = try rig.daemon()
            #expect(Rig.wait(seconds: 20) { rig.deviceStatus(httpPort: http)["ict9"]?["up"] as? Bool == true })
            usleep(2_000_000)
            rates.append(pollRates(rig, http: http, seconds: 8))
            #expect(daemon.stop().status == 0)
        }
        let alone = rates[0], withDead = rates[1]
        for name in ["ict3", "ict5", "ict9"] {
            let ratio = (withDead[name] ?? 0) / max(alone[name] ?? 0, 0.001)
            print("scenario dead device on a shared RTU bus: \(name) \(String(format: "%.2f", alone[name] ?? 0)) polls/s alone, \(String(format: "%.2f", withDead[name] ?? 0)) beside a dead tester (\(Int(ratio * 100)) %)")
            #expect(ratio >= 0.8, "\(name): \(alone) alone, \(withDead) with the dead one")
        }
        #expect((withDead["dead"] ?? 0) < 1, "the dead tester is polled with back-off")
    }
}
