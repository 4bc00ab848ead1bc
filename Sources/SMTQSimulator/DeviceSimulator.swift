import Foundation
import SMTQAcquisition
import SMTQConfig
import SMTQCore
import SMTQModbus

/// One simulated machine behind one unit id: produces records and keeps its registers as its profile says
/// (records by FIFO with ACK or mailbox, counters, process values; a profile may have all three).
final class DeviceSimulator {
    let unit: Int
    let options: SimulatorOptions
    let mapping: RegisterMapping
    private var random: SeededRandom
    private let encoder: RecordEncoder?
    private var queue: [(seq: UInt16, words: [UInt16])] = []
    private var queueHead = 0
    private var seq: UInt16
    private var produced = 0
    private var sinceReboot = 0
    private var counters: [String: UInt64] = [:]
    /// The process values now in the registers.
    private(set) var processValues: [ProcessValueRecord] = []

    init?(unit: Int, options: SimulatorOptions) {
        guard let mapping = RegisterMapping(size: 4096) else { return nil }
        self.unit = unit
        self.options = options
        self.mapping = mapping
        self.random = SeededRandom(seed: options.seed &+ UInt64(unit) &* 7919)
        self.encoder = options.profile.record.map(RecordEncoder.init)
        self.seq = UInt16(truncatingIfNeeded: options.firstSeq &- 1)
        refreshRegisters()
    }

    var backlog: Int { queue.count - queueHead }
    var isDone: Bool { options.count.map { produced >= $0 } ?? false }
    var canProduce: Bool { !isDone && (options.mode != .fifo || backlog < options.queueCapacity) }
    private var stationName: String { options.station ?? (options.kind == .aoi ? "AOI-1" : "ICT-1") }
    /// Whether records go to a record block (FIFO or mailbox) rather than only to counters.
    private var queuesRecords: Bool { options.mode != .counters && options.profile.record != nil }

    /// Makes the next record (or queues `injected`, stamped with this device's line, station, device name and
    /// the time now); returns it with its SEQ for the log.
    func produce(now: Date, injected: UnitRecord? = nil) -> (record: UnitRecord, seq: Int) {
        produced += 1
        sinceReboot += 1
        if let rebootAfter = options.rebootAfter, sinceReboot > rebootAfter {
            reboot()
            sinceReboot = 1
        }
        seq &+= 1
        var record = makeRecord(now: now)
        if var injected {
            injected.line = record.line
            injected.station = record.station
            injected.device = record.device
            injected.time = record.time
            record = injected
        }
        switch options.mode {
        case .fifo where queuesRecords:
            queue.append((seq, encode(record)))
        case .mailbox where queuesRecords:
            queue = [(seq, encode(record))]
            queueHead = 0
        default:
            break
        }
        let realDefects = record.defects?.filter { $0.verdict == .real }.count ?? 0
        counters["inspected", default: 0] += 1
        counters[record.result == .pass ? "passed" : "failed", default: 0] += 1
        counters["false_calls", default: 0] += UInt64((record.defects?.count ?? 0) - realDefects)
        refreshRegisters()
        return (record, Int(seq))
    }

    /// New process values around the middle of their spec limits (or 100 without limits), as the device's
    /// registers hold them (after the type's rounding), returned for the log.
    func sampleProcessValues(now: Date) -> [ProcessValueRecord] {
        guard !options.profile.processValues.isEmpty else { return [] }
        let time = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        processValues = options.profile.processValues.map { spec in
            let center = spec.lsl.flatMap { lsl in spec.usl.map { (lsl + $0) / 2 } } ?? spec.lsl ?? spec.usl ?? 100
            let spread = spec.lsl.flatMap { lsl in spec.usl.map { ($0 - lsl) / 12 } } ?? max(1, abs(center) / 100)
            let wanted = random.normal(mean: center, deviation: spread)
            let words = RegisterCodec.encode(float: spec.field.unscaled(wanted), spec.field.type, spec.field.wordOrder)
            let raw = RegisterCodec.number(words[...], spec.field.type, spec.field.wordOrder) ?? 0
            return ProcessValueRecord(line: options.line, station: stationName, device: options.deviceName,
                                      name: spec.name, time: time, value: spec.field.scaled(raw),
                                      unit: spec.unit, lsl: spec.lsl, usl: spec.usl)
        }
        refreshRegisters()
        return processValues
    }

    /// A machine restart: counters start from zero and SEQ numbering starts again (queued records stay).
    private func reboot() {
        counters = [:]
        seq = 0
    }

    /// After a write request was answered: an ACK of the head SEQ pops it.
    func written(_ request: ServerRequest) {
        guard options.mode == .fifo, let ack = options.profile.ackAddress, backlog > 0 else { return }
        let shift = options.profile.addressing == .oneBased ? 1 : 0
        guard request.address + shift == ack || (request.function == 16 && (request.address + shift..<request.address + shift + request.count).contains(ack)) else { return }
        let index = ack - request.address - shift
        guard index >= 0, index < request.writtenValues.count, request.writtenValues[index] == queue[queueHead].seq else { return }
        queueHead += 1
        if queueHead > 4096 {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        refreshRegisters()
    }

    private func encode(_ record: UnitRecord) -> [UInt16] {
        guard let encoder else { return [] }
        return encoder.encode(DecodedRecord(
            serial: record.serial, program: record.program, result: record.result, position: record.position,
            cycleMilliseconds: record.cycleMilliseconds, deviceTime: record.time, defects: record.defects,
            measurements: record.measurements))
    }

    private func refreshRegisters() {
        let profile = options.profile
        let shift = profile.addressing == .oneBased ? -1 : 0
        if queuesRecords, let sequence = profile.sequenceAddress, let record = profile.record {
            let head = backlog > 0 ? queue[queueHead] : nil
            set(profile.table, sequence + shift, [head?.seq ?? seq])
            if let pending = profile.pendingAddress { set(profile.table, pending + shift, [UInt16(clamping: backlog)]) }
            if let head { set(profile.table, record.address + shift, head.words) }
        }
        for counter in profile.counters {
            let words = RegisterCodec.encode(integer: Int64(bitPattern: counters[counter.name, default: 0]),
                                             counter.field.type, counter.field.wordOrder)
            set(counter.table, counter.field.register + shift, words)
        }
        for (spec, value) in zip(profile.processValues, processValues) {
            let words = RegisterCodec.encode(float: spec.field.unscaled(value.value), spec.field.type, spec.field.wordOrder)
            set(spec.table, spec.field.register + shift, words)
        }
    }

    private func set(_ table: RegisterTable, _ address: Int, _ words: [UInt16]) {
        if table == .input {
            mapping.setInput(address, words)
        } else {
            mapping.setHolding(address, words)
        }
    }

    private static let refdes = (1...40).map { "C\($0)" } + (1...60).map { "R\($0)" } + (1...8).map { "U\($0)" }

    private func makeRecord(now: Date) -> UnitRecord {
        let prefix = options.serialPrefix ?? "U\(unit)-"
        let time = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let faulty = Double.random(in: 0..<1, using: &random) < options.defectRate
        let drawn = Double.random(in: 0..<1, using: &random) < 0.8 ? "PCB-A" : "PCB-B"
        let program = options.program ?? drawn
        var record = UnitRecord(
            line: options.line, station: stationName,
            device: options.deviceName, program: program,
            serial: prefix + String(produced), position: produced % 4 + 1, result: .pass, time: time,
            cycleMilliseconds: Int.random(in: 900...1500, using: &random))
        switch options.kind {
        case .aoi:
            let codes = options.profile.record?.defects?.fields["code"]?.enumMap?.values.sorted() ?? ["BRIDGE"]
            let categories = options.profile.record?.defectCategories ?? [:]
            var defects: [DefectRecord] = []
            if faulty {
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let refdes = Self.refdes.randomElement(using: &random)!
                    let part = refdes.hasPrefix("C") ? "CAP-0402" : refdes.hasPrefix("R") ? "RES-0402" : "IC-QFN32"
                    let code = codes.randomElement(using: &random)!
                    let verdict: DefectVerdict = Double.random(in: 0..<1, using: &random) < 0.35 ? .falseCall : .real
                    defects.append(DefectRecord(refdes: refdes, part: part, code: code, category: categories[code], verdict: verdict))
                }
            }
            if let burst = options.burst, burst.covers(produced),
               !defects.contains(where: { $0.refdes == burst.refdes && $0.code == burst.code && $0.verdict == .real }) {
                defects.append(DefectRecord(refdes: burst.refdes, part: "FEEDER-TEST", code: burst.code,
                                            category: categories[burst.code], verdict: .real))
            }
            record.defects = defects
            record.result = defects.contains { $0.verdict == .real } ? .fail : .pass
        case .tester:
            var values = [("VCC", random.normal(mean: 3.3, deviation: 0.02), "V"),
                          ("ICC", random.normal(mean: 50, deviation: 2), "mA"),
                          ("VREF", random.normal(mean: 1.25, deviation: 0.004), "V")]
            if faulty { values[0].1 = 3.5 + Double.random(in: 0..<0.1, using: &random) }
            record.measurements = values.map { name, value, unit in
                MeasurementRecord(name: name, value: Double(Float(value)), unit: unit)
            }
            record.result = faulty ? .fail : .pass
        }
        return record
    }
}
