import Foundation
import Logging
import Metrics
import SMTQConfig
import SMTQCore
import SMTQModbus

/// The acquisition logic of one device: what one poll reads, decodes, stores and acknowledges. It runs on
/// the thread that owns the device's connection (its own for TCP, the bus worker's for RTU).
///
/// A profile can have three parts, all read over the device's one connection: records (FIFO or mailbox),
/// counters and process values. Records are read on every poll (and again at once while a FIFO has more);
/// counters and process values are sampled once per poll interval.
public final class DevicePoller {
    let device: DeviceConfig
    let profile: DeviceProfile
    /// `profile.hasRecords`, kept: asking the profile copies its record layout on every poll.
    private let hasRecords: Bool
    let writer: any RecordSink
    let status: Locked<DeviceStatus>
    let logger: Logger
    let specs: [String: [String: MeasurementSpec]]
    /// Protocol address offset: -1 for one-based profiles.
    let addressShift: Int
    let maxPerRequest: Int
    let pause: Duration
    let decoder: RecordDecoder?
    var backoff: Backoff
    var nextPoll = ContinuousClock.now
    /// When counters and process values are due next.
    var nextSample = ContinuousClock.now
    var cursorLoaded = false
    /// FIFO and mailbox: the last SEQ stored, with the registers of its record.
    var cursor: StoredCursor?
    /// Counters: the values the next deltas are taken from (`pending`: the last read, `stored`: the last
    /// known durable); shared with the writer's completion.
    let counterBaseline = Locked<(pending: [String: UInt64], stored: [String: UInt64])>(([:], [:]))
    /// The sample read the device refuses now (logged once per episode).
    var samplingProblem: String?
    /// The process values that are not finite now (logged once per episode).
    var invalidProcessValues: String?
    /// Mailbox: the device showed an empty mailbox after a record (it restarted): the next record starts afresh.
    var mailboxRestarted = false
    /// Whether the device has answered any request since the connection was (re)made.
    var answeredSinceConnect = false
    /// Told when a store call starts and ends (the runner's liveness does not count time spent in the sink).
    var onSink: (@Sendable (Bool) -> Void)?
    /// Request plans by the ranges they read, computed once.
    private var plans: [[Range<Int>]: [Range<Int>]] = [:]

    public init(device: DeviceConfig, profile: DeviceProfile, products: [String: ProductConfig], writer: any RecordSink,
                logger: Logger, minimumPause: Duration = .zero) {
        self.device = device
        self.profile = profile
        hasRecords = profile.hasRecords
        self.writer = writer
        var logger = logger
        logger[metadataKey: "device"] = "\(device.name)"
        self.logger = logger
        var status = DeviceStatus(device: device.name)
        status.answerWindow = max(5, 3 * device.pollInterval.totalSeconds + Double(device.retries + 1) * device.timeout.totalSeconds)
        self.status = Locked(status)
        self.specs = products.mapValues(\.measurements)
        let addressing = device.quirks.addressing ?? profile.addressing
        self.addressShift = addressing == .oneBased ? -1 : 0
        self.maxPerRequest = device.quirks.maxRegistersPerRequest ?? profile.maxRegistersPerRequest
        self.pause = Swift.max(device.quirks.pauseBetweenRequests, minimumPause)
        self.decoder = profile.record.map { RecordDecoder(layout: $0, stringByteOrder: device.quirks.stringByteOrder) }
        self.backoff = Backoff(initial: device.backoff.initial, max: device.backoff.max, jitter: device.backoff.jitter)
    }

    var name: String { device.name }

    /// How long polls take (`smtq_device_poll_duration_seconds` under smtqd's metrics).
    private lazy var pollTimer = Metrics.Timer(label: "smtq_device_poll_duration_seconds", dimensions: [("device", device.name)])

    /// Takes the device's metrics out of the metrics system (the device was removed from the configuration).
    func retireMetrics() {
        pollTimer.destroy()
    }

    /// One poll. Returns true when the device has more records waiting (poll again at once).
    public func poll(_ connection: ModbusConnection) throws(ModbusError) -> Bool {
        if !cursorLoaded {
            cursor = try? writer.storedCursor(device: device.name)
            cursorLoaded = true
        }
        status.withLock { $0.polls += 1 }
        let started = ContinuousClock.now
        defer { pollTimer.recordNanoseconds(Int64((ContinuousClock.now - started).totalSeconds * 1e9)) }
        var more = false
        var refused: ModbusError?
        if hasRecords {
            do throws(ModbusError) {
                switch profile.mode {
                case .fifo: more = try pollFIFO(connection)
                case .mailbox: try pollMailbox(connection)
                case .counters: break
                }
            } catch where error.isException {
                // The device answered; its counters and process values are still read.
                refused = error
            }
        }
        if !profile.counters.isEmpty || !profile.processValues.isEmpty, ContinuousClock.now >= nextSample {
            nextSample = ContinuousClock.now + device.pollInterval
            try sample(connection)
        }
        if let refused { throw refused }
        return more
    }

    // MARK: Reading

    /// Reads `ranges` (profile addresses) of `table` with as few requests as allowed, retrying failed requests.
    func read(_ ranges: [Range<Int>], from table: RegisterTable? = nil, _ connection: ModbusConnection) throws(ModbusError) -> RegisterImage {
        var refused: ModbusError?
        let image = try read(ranges, from: table, connection, refused: &refused, stopAtRefusal: true)
        if let refused { throw refused }
        return image
    }

    /// Like `read`, but a request the device answers with an exception is left out of the image (and
    /// reported in `refused`) while the other requests go on: one bad address loses only its own values.
    /// Connection-level failures are thrown.
    func read(_ ranges: [Range<Int>], from table: RegisterTable? = nil, _ connection: ModbusConnection,
              refused: inout ModbusError?, stopAtRefusal: Bool = false) throws(ModbusError) -> RegisterImage {
        let table = table ?? profile.table
        var image = RegisterImage()
        let requests = plan(ranges)
        for request in requests {
            if refused != nil, stopAtRefusal { break }
            do throws(ModbusError) {
                let values = try withRetries("reading") { () throws(ModbusError) -> [UInt16] in
                    do throws(ModbusError) {
                        return try connection.read(table.modbusTable, address: request.lowerBound + addressShift, count: request.count, name: name)
                    } catch {
                        throw explained(error, table: table, request: request)
                    }
                }
                image.store(values, at: request.lowerBound)
            } catch where error.isException {
                refused = refused ?? error
            }
        }
        answeredSinceConnect = true
        return image
    }

    /// An "illegal data address" answer names what was asked for, in the profile's numbering and on the wire.
    private func explained(_ error: ModbusError, table: RegisterTable, request: Range<Int>) -> ModbusError {
        guard error.kind == .exception(code: 2) else { return error }
        var explained = error
        let addressing = device.quirks.addressing ?? profile.addressing
        let registers = request.count == 1 ? "register \(request.lowerBound)" : "registers \(request.lowerBound)–\(request.upperBound - 1)"
        explained.message = "illegal data address: the device has no \(table.rawValue) \(registers) "
            + "(profile addresses, \(addressing.rawValue); protocol address \(request.lowerBound + addressShift), count \(request.count)); "
            + "check the profile's addresses and 'addressing', or lower max_registers_per_request"
        return explained
    }

    /// The requests that read `ranges` (cached: a poll reads the same ranges every time).
    func plan(_ ranges: [Range<Int>]) -> [Range<Int>] {
        if let known = plans[ranges] { return known }
        let planned = RequestPlanner.plan(ranges, maxPerRequest: maxPerRequest, maxGap: device.quirks.maxMergeGap,
                                          separate: device.quirks.oneRequestPerField)
        plans[ranges] = planned
        return planned
    }

    func writeRegister(_ address: Int, _ value: UInt16, _ connection: ModbusConnection) throws(ModbusError) {
        try withRetries("writing") { () throws(ModbusError) in
            try connection.write(register: address + addressShift, value: value, name: name)
        }
    }

    /// Runs one request, repeating it after a timeout, CRC error or bad answer up to `retries` times.
    /// Exceptions are the device's answer and are not repeated.
    private func withRetries<T>(_ what: String, _ request: () throws(ModbusError) -> T) throws(ModbusError) -> T {
        var attempt = 0
        while true {
            if pause > .zero { Thread.sleep(forTimeInterval: pause.totalSeconds) }
            do {
                return try request()
            } catch {
                let error = unanswered(error)
                count(error)
                attempt += 1
                let repeatable = error.kind == .timeout || error.kind == .crc || error.kind == .badData
                guard repeatable, attempt <= device.retries else { throw error }
            }
        }
    }

    /// A TCP device that has not answered once since its connection was made is probably not at this unit
    /// id (a gateway drops requests for unit ids it does not know): the timeout says so.
    private func unanswered(_ error: ModbusError) -> ModbusError {
        guard error.kind == .timeout, !answeredSinceConnect, case .tcp = device.transport else { return error }
        var explained = error
        explained.message = "no answer from unit id \(device.unitID) while the TCP connection is up: the unit id may be wrong "
            + "(a gateway ignores unknown unit ids), or the device is busy; check unit_id and the device's Modbus settings"
        return explained
    }

    func count(_ error: ModbusError) {
        status.withLock {
            switch error.kind {
            case .timeout: $0.timeouts += 1
            case .exception: $0.exceptions += 1
            case .crc: $0.crcErrors += 1
            default: $0.otherErrors += 1
            }
            $0.lastError = error.message
        }
    }

    // MARK: Storing

    /// The unit record for a decoded block: identity from config, program from the block or config, spec
    /// limits from the product, time from the device's clock when it is plausible, else the host's.
    func unit(from decoded: DecodedRecord, hostTime: Date, seq: Int) -> IncomingUnit {
        let program = decoded.program.flatMap { $0.isEmpty ? nil : $0 } ?? device.program ?? "unknown"
        var time = hostTime
        if let deviceTime = decoded.deviceTime, deviceTime > hostTime.addingTimeInterval(-30 * 86_400),
           deviceTime < hostTime.addingTimeInterval(300) {
            time = deviceTime
        }
        let measurements = decoded.measurements?.map { measurement -> MeasurementRecord in
            var filled = measurement
            if let spec = specs[program]?[measurement.name] {
                filled.lsl = filled.lsl ?? spec.lsl
                filled.usl = filled.usl ?? spec.usl
                filled.unit = filled.unit ?? spec.unit
            }
            return filled
        }
        let record = UnitRecord(
            line: device.line, station: device.station, device: device.name, program: program, serial: decoded.serial,
            position: decoded.position, result: decoded.result, time: time, cycleMilliseconds: decoded.cycleMilliseconds,
            defects: decoded.defects, measurements: measurements)
        return IncomingUnit(record: record, deviceTime: decoded.deviceTime, hostTime: hostTime, sourceSeq: seq)
    }

    /// Submits and waits until durable; nil when the store refused (the device keeps the record).
    func store(_ write: StoreWrite) -> WriteOutcome? {
        onSink?(true)
        let outcome = writer.submitAndWait(write)
        onSink?(false)
        if case let .refused(reason) = outcome {
            status.withLock { $0.lastError = "store: \(reason)" }
            logger.warning("store refused a record; it stays on the device", metadata: ["reason": "\(reason)"])
            return nil
        }
        return outcome
    }

    func event(_ kind: DeviceEvent.Kind, count: Int = 1, detail: String? = nil) {
        writer.submit(.deviceEvent(DeviceEvent(device: device.identity, time: Date(), kind: kind, count: count, detail: detail))) { _ in }
    }
}
