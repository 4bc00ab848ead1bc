import Foundation
import SMTQConfig
import SMTQCore
import SMTQModbus

/// `smtq simulate`: one or more simulated machines (one per unit id) behind one TCP listener or one serial
/// port, producing records at a rate and answering Modbus requests, with optional faults.
public final class Simulator {
    public enum Endpoint: Sendable {
        case tcp(host: String, port: Int)
        case serial(SerialLineSettings)
        /// An open descriptor that carries RTU frames as a serial port would (one end of a socketpair: the
        /// fuzz target in Fuzz/); the simulator closes it.
        case serialStream(Int32)
    }

    private let options: SimulatorOptions
    /// Set from any thread: production stops, the registers keep being served (what is queued can be read).
    private let halted = Locked(false)
    /// The FIFO backlog as of the serving thread's last turn, readable from any thread.
    private let queued = Locked(0)
    private let server: ModbusServer
    private var devices: [Int: DeviceSimulator] = [:]
    private var faults: SeededRandom
    private let log: FileHandle?
    private var answered = 0
    /// How far the inject file has been read, and when it was last looked at.
    private var injectOffset: UInt64 = 0
    private var injectChecked = ContinuousClock.now

    public init(options: SimulatorOptions, endpoint: Endpoint) throws {
        self.options = options
        switch endpoint {
        case let .tcp(host, port): server = try ModbusServer(listenHost: host, port: port)
        case let .serial(settings): server = try ModbusServer(serial: settings.modbusLine)
        case let .serialStream(descriptor): server = try ModbusServer(serialStream: descriptor)
        }
        for unit in options.unitIDs {
            guard let device = DeviceSimulator(unit: unit, options: options) else {
                throw SimulatorError(message: "cannot allocate registers for unit \(unit)")
            }
            devices[unit] = device
        }
        faults = SeededRandom(seed: options.seed ^ 0xFA17)
        if let path = options.logPath {
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw SimulatorError(message: "cannot write the log file \(path)")
            }
            log = handle
        } else {
            log = nil
        }
    }

    /// Serves and produces until `shouldStop` says so (checked every 50 ms or sooner).
    public func run(until shouldStop: () -> Bool) {
        let interval = options.rate > 0 ? Duration.milliseconds(Int64((1000 / options.rate).rounded())) : nil
        var nextProduction = ContinuousClock.now
        while !shouldStop() {
            let producing = !halted.withLock({ $0 }) && devices.values.contains { !$0.isDone }
            if let interval, producing, ContinuousClock.now >= nextProduction {
                produceAll()
                nextProduction += interval
                if ContinuousClock.now - nextProduction > .seconds(1) { nextProduction = ContinuousClock.now }
            }
            if options.injectPath != nil, ContinuousClock.now - injectChecked >= .milliseconds(100) {
                injectChecked = ContinuousClock.now
                injectAppended()
            }
            let untilNext = producing ? (interval.map { _ in max(.zero, nextProduction - ContinuousClock.now) } ?? .milliseconds(50))
                : .milliseconds(50)
            let wait = Int32(min(50, max(0, untilNext.totalMilliseconds)))
            server.serve(timeoutMilliseconds: wait, route: route, answered: answer)
            let backlog = backlog
            queued.withLock { $0 = backlog }
        }
    }

    /// Queues the units appended to the inject file since the last look (a partial last line waits; a line
    /// that is not a unit is reported and skipped).
    private func injectAppended() {
        guard let path = options.injectPath, let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: injectOffset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty,
              let end = data.lastIndex(of: UInt8(ascii: "\n")) else { return }
        injectOffset += UInt64(end - data.startIndex + 1)
        let decoder = JSONDecoder()
        for line in data[data.startIndex...end].split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let record = try? decoder.decode(UnitRecord.self, from: Data(line)) else {
                FileHandle.standardError.write(Data("smtq simulate: \(path): a line is not a unit in the interchange schema; skipped\n".utf8))
                continue
            }
            let now = Date()
            for unit in options.unitIDs {
                guard let device = devices[unit] else { continue }
                let (stored, seq) = device.produce(now: now, injected: record)
                log?.write(Data((InterchangeJSON.line(stored).dropLast() + ",\"seq\":\(seq),\"unit_id\":\(unit),\"injected\":true}\n").utf8))
            }
        }
    }

    private func produceAll() {
        let now = Date()
        for unit in options.unitIDs {
            guard let device = devices[unit] else { continue }
            for value in device.sampleProcessValues(now: now) {
                log?.write(Data((InterchangeJSON.line(value).dropLast() + ",\"unit_id\":\(unit)}\n").utf8))
            }
            guard device.canProduce else { continue }
            let (record, seq) = device.produce(now: now)
            if let log {
                let line = InterchangeJSON.line(record)
                // When the record reached the registers (the alert latency benchmark starts its clock here).
                let produced = String(format: "%.6f", Date().timeIntervalSince1970)
                log.write(Data((line.dropLast() + ",\"seq\":\(seq),\"unit_id\":\(unit),\"produced_at\":\(produced)}\n").utf8))
            }
        }
    }

    private func route(_ request: ServerRequest) -> (mapping: RegisterMapping?, fault: ModbusServer.Fault?, delay: Duration) {
        guard let device = devices[request.unit] else { return (nil, nil, .zero) }
        var fault: ModbusServer.Fault?
        if options.exceptionRate > 0, Double.random(in: 0..<1, using: &faults) < options.exceptionRate {
            fault = .exception(6)
        } else if options.garbageRate > 0, Double.random(in: 0..<1, using: &faults) < options.garbageRate {
            fault = .garbage
        }
        return (device.mapping, fault, options.delay)
    }

    private func answer(_ request: ServerRequest) {
        if request.function == 6 || request.function == 16 { devices[request.unit]?.written(request) }
        answered += 1
        if let every = options.dropConnectionEvery, answered % every == 0 { server.dropClients() }
    }

    /// Records waiting in the FIFO queues (call it on the serving thread).
    public var backlog: Int { devices.values.reduce(0) { $0 + $1.backlog } }

    /// Stops producing records (from any thread); the machine keeps answering, so its queue can be drained.
    public func halt() {
        halted.withLock { $0 = true }
    }

    /// Requests answered so far (call it on the serving thread, or after `run` returned).
    public var answeredRequests: Int { answered }

    /// Records waiting in the FIFO queues, as of the serving thread's last turn (from any thread).
    public var queuedRecords: Int { queued.withLock { $0 } }
}

/// The simulator could not start.
public struct SimulatorError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
