import Foundation
import SMTQConfig
import SMTQCore
import SMTQSimulator
#if canImport(Glibc)
import Glibc
#endif

/// The demo's line: simulated machines on loopback (and an RTU bus over a socat pty pair when socat is
/// there), and the configuration that points smtq at them, written into the demo's folder.
struct DemoLine {
    /// One simulated machine: how it is simulated and where the daemon finds it.
    struct Machine {
        var device: String
        var station: String
        var options: SimulatorOptions
        var endpoint: Simulator.Endpoint
        /// The device's `tcp:` or `rtu:` value in the configuration.
        var transport: String
        var profile: String
        var pollInterval: String
    }

    let folder: URL
    var machines: [Machine] = []
    /// socat, when the RTU tester runs.
    var socat: Socat?
    /// Why the RTU tester is left out, when it is.
    var rtuSkipped: String?
    /// The record number (of the AOI) from which the feeder fault shows.
    let faultFrom: Int

    var configPath: String { folder.appendingPathComponent("smtq.yaml").path }
    var databasePath: String { folder.appendingPathComponent("smtq.sqlite").path }
    var alertFile: String { folder.appendingPathComponent("alerts.jsonl").path }
    var reportPath: String { folder.appendingPathComponent("report.html").path }
    /// The dashboard's port on 127.0.0.1.
    let httpPort: Int
    /// The demo's customer (a brand buying PCB-A), to show the brand's own view.
    static let customer = "acme"

    /// Sets up the machines for a run of `seconds` at `speed` (records per second scale with it).
    init(folder: URL, seconds: Double, speed: Double, httpPort: Int? = nil) throws {
        self.httpPort = try httpPort ?? Self.freePort()
        self.folder = folder
        let rate = 4 * speed
        faultFrom = max(2, Int(seconds * rate / 2))
        func options(_ profile: String, kind: DeviceKind, mode: AcquisitionMode, rate: Double, defectRate: Double,
                     station: String, device: String, seed: UInt64) throws -> SimulatorOptions {
            guard let text = ReferenceProfiles.all[profile + ".yaml"],
                  let found = try ConfigLoader.loadProfiles(text: text, file: profile + ".yaml")[profile] else {
                throw DemoError("the built-in profile \(profile) is missing")
            }
            var options = SimulatorOptions(profile: found)
            options.kind = kind
            options.mode = mode
            options.rate = rate
            options.defectRate = defectRate
            options.seed = seed
            options.station = station
            options.deviceName = device
            options.program = "PCB-A"
            // The same serials at every station of the route: one board passes AOI, then ICT, then FCT.
            options.serialPrefix = "PCB-"
            options.logPath = folder.appendingPathComponent("sim-\(device).jsonl").path
            return options
        }
        var aoi = try options("aoi-reference", kind: .aoi, mode: .fifo, rate: rate, defectRate: 0.04, station: "AOI-1",
                              device: "aoi1", seed: 7)
        // The feeder fault: C12 goes missing on ten boards in a row from halfway.
        aoi.burst = DefectBurst(refdes: "C12", code: "MISSING", first: faultFrom, count: 10)
        let ict = try options("tester-reference", kind: .tester, mode: .fifo, rate: rate, defectRate: 0.02,
                              station: "ICT-1", device: "ict1", seed: 11)
        var counters = try options("aoi-counters", kind: .aoi, mode: .counters, rate: rate, defectRate: 0.04,
                                   station: "AOI-2", device: "aoi2", seed: 13)
        counters.logPath = nil
        for (device, station, simulation, profile, interval) in [("aoi1", "AOI-1", aoi, "aoi-reference", "200ms"),
                                                                  ("ict1", "ICT-1", ict, "tester-reference", "200ms"),
                                                                  ("aoi2", "AOI-2", counters, "aoi-counters", "1s")] {
            let port = try Self.freePort()
            machines.append(Machine(device: device, station: station, options: simulation,
                                    endpoint: .tcp(host: "127.0.0.1", port: port), transport: "tcp: \"127.0.0.1:\(port)\"",
                                    profile: profile, pollInterval: interval))
        }
        let searched = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/socat" }
            + ["/usr/bin/socat", "/usr/local/bin/socat"]
        guard let socatPath = searched.first(where: FileManager.default.isExecutableFile) else {
            rtuSkipped = "socat is not installed: the RTU tester is left out (apt-get install socat to add it)"
            return
        }
        do {
            let (pid, machineEnd, smtqEnd) = try Self.ptyPair(socat: socatPath, folder: folder)
            socat = Socat(pid: pid, folder: folder)
            let fct = try options("tester-reference", kind: .tester, mode: .fifo, rate: rate / 2, defectRate: 0.02,
                                  station: "FCT-1", device: "fct1", seed: 17)
            let settings = SerialLineSettings(port: machineEnd, baud: 19_200, parity: .even, dataBits: 8, stopBits: 1, mode: .rs232)
            machines.append(Machine(device: "fct1", station: "FCT-1", options: fct, endpoint: .serial(settings),
                                    transport: "rtu: {port: \(smtqEnd), baud: 19200, parity: even}", profile: "tester-reference",
                                    pollInterval: "250ms"))
        } catch {
            rtuSkipped = "\(error): the RTU tester is left out"
        }
    }

    /// Ends socat and removes its pty links (they point at nothing once it is gone); once.
    func stopBus() {
        socat?.stop()
    }

    /// The socat process of the RTU bus.
    final class Socat: @unchecked Sendable {
        let pid: pid_t
        let folder: URL
        private let stopped = Locked(false)

        init(pid: pid_t, folder: URL) {
            self.pid = pid
            self.folder = folder
        }

        func stop() {
            guard !stopped.withLock({ done in defer { done = true }; return done }) else { return }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            for name in ["tty-machine", "tty-smtq"] { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
        }
    }

    /// Writes the profiles, the alert hook and the configuration; returns the configuration's text.
    func write() throws -> String {
        let profiles = folder.appendingPathComponent("profiles")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        for (name, text) in ReferenceProfiles.all {
            try text.write(to: profiles.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let hook = folder.appendingPathComponent("alert-hook.sh").path
        try "#!/bin/sh\n# smtq's exec hook: the alert JSON arrives on standard input.\n{ cat; echo; } >> \"\(alertFile)\"\n"
            .write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let route = machines.map(\.station).filter { $0 != "AOI-2" }
        let devices = machines.map { machine in
            let kind = machine.options.kind.rawValue
            let line = machine.station == "AOI-2" ? "L2" : "L1"
            return "  - {name: \(machine.device), line: \(line), station: \(machine.station), kind: \(kind), profile: \(machine.profile), "
                + "\(machine.transport), unit_id: 1, poll_interval: \(machine.pollInterval)}"
        }
        let text = """
            # Written by `smtq demo`: \(machines.count) simulated machines on loopback, polled by the same pipeline
            # smtqd runs. Point `devices` at real machines (and their profiles) and this is a working configuration.
            site: demo
            storage:
              database: \(databasePath)
            include: [profiles/*.yaml]          # the reference register maps (config/profiles/ in the repository)
            lines:
              L1: {route: [\(route.joined(separator: ", "))]}
              L2: {route: [AOI-2]}                # an older AOI that only counts boards (counters)
            products:
              PCB-A:
                opportunities: 1250
                targets: {fpy: 95%, final_yield: 99%}
                measurements:
                  VCC: {unit: V, lsl: 3.2, usl: 3.4, target: 3.3}
            devices:
            \(devices.joined(separator: "\n"))
            spc:
              charts:
                - {name: aoi-p, chart: p, line: L1, station: AOI-1, subgroup: {units: 20}, rules: [nelson1, nelson2]}
                - {name: ict-vcc, chart: imr, line: L1, station: ICT-1, measurement: VCC, rules: [nelson1]}
            customers:
              \(Self.customer): {products: [PCB-A]}    # a brand: its token sees PCB-A only (smtq customer token \(Self.customer))
            http:
              listen: 127.0.0.1:\(httpPort)          # the dashboard, /metrics and /api/status (loopback: no token needed)
            alerts:
              retry: {initial: 1s, max: 10s}
              hooks:
                alert-file: {exec: [\(hook)], timeout: 5s}   # appends each alert's JSON to alerts.jsonl
              rules:
                - {name: feeder-repeat, type: repeated_defect, line: L1, station: AOI-1, count: 3, within_units: 20,
                   severity: critical, hooks: [alert-file]}
                - {name: aoi-p-signal, type: spc_signal, chart: aoi-p, rules: [nelson1], hooks: [alert-file]}

            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        return text
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    static func freePort() throws -> Int {
        guard let port = LoopbackPort.free() else { throw DemoError("cannot find a free TCP port on 127.0.0.1") }
        return port
    }

    /// A pty pair through socat: one end for the simulated tester, the other for smtq. socat starts with no
    /// signal blocked and default handling (whatever smtq's threads block), in smtq's process group, so a
    /// Ctrl-C on the terminal ends it with the demo whenever it comes.
    static func ptyPair(socat: String, folder: URL) throws -> (pid_t, String, String) {
        let machineEnd = folder.appendingPathComponent("tty-machine").path
        let smtqEnd = folder.appendingPathComponent("tty-smtq").path
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        SpawnSignals.reset(&attributes)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        SpawnSignals.closeOthers(&actions)
        let words: [String] = [socat, "pty,raw,echo=0,link=\(machineEnd)", "pty,raw,echo=0,link=\(smtqEnd)"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, socat, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw DemoError("socat could not start (\(String(cString: strerror(spawned))))") }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !(FileManager.default.fileExists(atPath: machineEnd) && FileManager.default.fileExists(atPath: smtqEnd)) {
            usleep(20_000)
        }
        guard FileManager.default.fileExists(atPath: smtqEnd) else {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw DemoError("socat did not create its pty pair within 5 s")
        }
        return (pid, machineEnd, smtqEnd)
    }
}

/// Why the demo could not run, in one line.
struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
