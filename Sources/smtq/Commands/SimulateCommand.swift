import ArgumentParser
import Foundation
import SMTQConfig
import SMTQCore
import Logging
import SMTQSimulator

/// `smtq simulate`: device simulators speaking Modbus TCP or RTU, for tests, demos and benchmarks.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate an AOI machine or a test rig (or several, one per unit id) over Modbus TCP or RTU.",
        discussion: """
            Serves the reference profiles of config/profiles/ (or --profile-file/--profile) and produces records \
            at --rate per second per unit id: FIFO with ACK, mailbox, or counters. --log writes every record it \
            produced as a JSON line in the interchange schema plus its "seq" and "unit_id". Runs until stopped \
            (Ctrl-C or SIGTERM). Faults: --drop-connection-every, --delay, --exception-rate (exception 6, busy), \
            --garbage-rate (random bytes instead of an answer), --reboot-after (counters and SEQ restart).
            """
    )

    @Option(help: "aoi or tester.") var kind: DeviceKind = .aoi
    @Option(help: "fifo, mailbox or counters (default: the profile's mode; fifo for the reference profiles).") var mode: AcquisitionMode?
    @Option(help: "Serve Modbus TCP on HOST:PORT.") var listen: String?
    @Option(help: "Serve Modbus RTU on this serial device (e.g. one end of a socat pty pair).") var serial: String?
    @Option(help: "RTU baud rate.") var baud = 19_200
    @Option(help: "RTU parity: none, even or odd.") var parity: Parity = .even
    @Option(help: "RTU data bits.") var dataBits = 8
    @Option(help: "RTU stop bits.") var stopBits = 1
    @Option(name: .customLong("unit-id"), help: "A unit id to answer; repeat for several devices on one bus.") var unitIDs: [Int] = []
    @Option(help: "Records per second per unit id (0: none).") var rate = 1.0
    @Option(help: "Share of boards with defects (AOI) or an out-of-spec measurement (tester), 0…1.") var defectRate = 0.05
    @Option(help: "Random seed, for repeatable runs.") var seed: UInt64 = 1
    @Option(help: "Stop producing after this many records per unit id.") var count: Int?
    @Option(help: "Write every produced record to this JSON Lines file.") var log: String?
    @Option(help: "Watch this JSON Lines file: each unit appended to it (interchange schema) is queued at once, as if the machine made it.")
    var inject: String?
    @Option(help: "Serial number prefix (default U<unit>-).") var serialPrefix: String?
    @Option(help: "SEQ of the first record (to test the wrap at 65535).") var firstSeq = 1
    @Option(help: "Device, line and station names written to the log.") var device = "sim"
    @Option var line = "L1"
    @Option var station: String?
    @Option(help: "Every record's program (default: PCB-A or PCB-B at random, 4 to 1).") var program: String?
    @Option(help: "Close client connections after every N answers.") var dropConnectionEvery: Int?
    @Option(help: "Wait this long before each answer, e.g. 50ms.") var delay: String?
    @Option(help: "Share of requests answered with exception 6 (busy).") var exceptionRate = 0.0
    @Option(help: "Share of requests answered with random bytes.") var garbageRate = 0.0
    @Option(help: "Restart (counters and SEQ) after every N records.") var rebootAfter: Int?
    @Option(help: "A real defect REFDES:CODE on COUNT records from record FIRST, again every EVERY records: REFDES:CODE:FIRST:COUNT[:EVERY] (a feeder gone bad).")
    var burst: String?
    @Option(help: "Serve a profile from this YAML file (a 'profiles:' file) instead of the reference one.") var profileFile: String?
    @Option(help: "The profile's name in --profile-file.") var profile: String?

    func validate() throws {
        guard (listen == nil) != (serial == nil) else { throw ValidationError("give exactly one of --listen HOST:PORT or --serial PATH") }
        if let listen, case let .failure(problem) = HostPort.parse(listen) {
            throw ValidationError("--listen: \(problem.message) (\(problem.expected))")
        }
        // Over TCP a gateway's unit ids 0 and 248…255 are served too; on a serial line 1…247.
        let units = listen == nil ? 1...247 : 0...255
        if let bad = unitIDs.first(where: { !units.contains($0) }) {
            throw ValidationError("--unit-id \(bad) is outside \(units.lowerBound)…\(units.upperBound)")
        }
        for (name, value) in [("--defect-rate", defectRate), ("--exception-rate", exceptionRate), ("--garbage-rate", garbageRate)]
        where !(0...1).contains(value) {
            throw ValidationError("\(name) \(value) is outside 0…1")
        }
        if rate < 0 { throw ValidationError("--rate must not be negative") }
        if let delay, DurationText.parse(delay) == nil { throw ValidationError("--delay '\(delay)' is not \(DurationText.expected)") }
        if !(0...65_535).contains(firstSeq) { throw ValidationError("--first-seq \(firstSeq) is outside 0…65535") }
        if (profileFile == nil) != (profile == nil) { throw ValidationError("--profile-file and --profile go together") }
    }

    func run() throws {
        let profile = try resolveProfile()
        let mode = self.mode ?? (profileFile == nil ? .fifo : profile.mode)
        var options = SimulatorOptions(profile: profile)
        options.kind = kind
        options.mode = mode
        options.unitIDs = unitIDs.isEmpty ? [1] : unitIDs
        options.rate = rate
        options.defectRate = defectRate
        options.seed = seed
        options.count = count
        options.logPath = log
        options.injectPath = inject
        options.serialPrefix = serialPrefix
        options.firstSeq = firstSeq
        options.deviceName = device
        options.line = line
        options.station = station
        options.program = program
        options.dropConnectionEvery = dropConnectionEvery
        options.delay = delay.flatMap(DurationText.parse) ?? .zero
        options.exceptionRate = exceptionRate
        options.garbageRate = garbageRate
        options.rebootAfter = rebootAfter
        if let burst {
            guard let parsed = DefectBurst.parse(burst), kind == .aoi else {
                Console.error("smtq simulate: --burst '\(burst)' is not REFDES:CODE:FIRST:COUNT[:EVERY] (FIRST and COUNT at least 1, EVERY at least COUNT; AOI only)")
                throw ExitCode(64)
            }
            let codes = profile.record?.defects?.fields["code"]?.enumMap.map { Set($0.values) }
            if let codes, !codes.contains(parsed.code) {
                Console.error("smtq simulate: --burst code '\(parsed.code)' is not a defect code of profile \(profile.name): "
                    + codes.sorted().joined(separator: ", "))
                throw ExitCode(64)
            }
            options.burst = parsed
        }
        let endpoint: Simulator.Endpoint
        if let listen, case let .success((host, port)) = HostPort.parse(listen) {
            endpoint = .tcp(host: host, port: port)
        } else {
            endpoint = .serial(SerialLineSettings(port: serial ?? "", baud: baud, parity: parity, dataBits: dataBits,
                                                  stopBits: stopBits, mode: .rs232))
        }
        let simulator: Simulator
        do {
            simulator = try Simulator(options: options, endpoint: endpoint)
        } catch {
            Console.error("smtq simulate: \(error)")
            throw ExitCode.failure
        }
        Console.error("simulating \(kind.rawValue) (\(mode.rawValue), profile \(profile.name)) unit \(options.unitIDs.map(String.init).joined(separator: ",")) on \(listen ?? serial ?? "")")
        OpenFileLimit.raise()
        let signals = StopSignals()
        simulator.run { signals.isRequested }
        Console.error("smtq simulate: stopped; answered \(simulator.answeredRequests) requests")
    }

    private func resolveProfile() throws -> DeviceProfile {
        let (text, file, name): (String, String, String)
        if let profileFile, let profile {
            guard let contents = try? String(contentsOfFile: profileFile, encoding: .utf8) else {
                throw ValidationError("cannot read --profile-file \(profileFile)")
            }
            (text, file, name) = (contents, profileFile, profile)
        } else if mode == .counters {
            (text, file, name) = (ReferenceProfiles.aoiCounters, "aoi-counters.yaml", "aoi-counters")
        } else if kind == .aoi {
            (text, file, name) = (ReferenceProfiles.aoiReference, "aoi-reference.yaml", "aoi-reference")
        } else {
            (text, file, name) = (ReferenceProfiles.testerReference, "tester-reference.yaml", "tester-reference")
        }
        do {
            let profiles = try ConfigLoader.loadProfiles(text: text, file: file)
            guard let found = profiles[name] else { throw ValidationError("\(file) has no profile '\(name)'") }
            return found
        } catch let error as ConfigError {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(ConfigError.exitCode)
        }
    }
}

extension DeviceKind: ExpressibleByArgument {}
extension AcquisitionMode: ExpressibleByArgument {}
extension Parity: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
