import Foundation
import SMTQConfig
import SMTQCore
import SMTQModbus

extension DevicePoller {
    /// Reads the counters and process values of one poll interval (a request the device refuses with an
    /// exception loses only its own values) and stores them. A connection-level failure (timeout, lost
    /// connection) is thrown: the connection is suspect for every part.
    ///
    /// Samples are not acknowledged to anyone, so nothing waits for their commit: they join whatever
    /// transaction the writer commits next.
    func sample(_ connection: ModbusConnection) throws(ModbusError) {
        var images: [RegisterTable: RegisterImage] = [:]
        let tables = Set(profile.counters.map(\.table) + profile.processValues.map(\.table))
        var refused: ModbusError?
        for table in RegisterTable.allCases where tables.contains(table) {
            let ranges = profile.counters.filter { $0.table == table }.map(\.field.registers)
                + profile.processValues.filter { $0.table == table }.map(\.field.registers)
            images[table] = try read(ranges, from: table, connection, refused: &refused)
        }
        if let refused { samplePartFailed(refused) } else { samplingProblem = nil }
        let now = Date()
        if !profile.counters.isEmpty { storeCounters(images, now: now) }
        if !profile.processValues.isEmpty { storeProcessValues(images, now: now) }
    }

    /// Logs a refused sample read once per episode (the counters already hold it).
    private func samplePartFailed(_ error: ModbusError) {
        guard samplingProblem != error.message else { return }
        samplingProblem = error.message
        logger.warning("the device refused some counters or process values; the rest are stored",
                       metadata: ["problem": "\(error.message)"])
        event(.error, detail: error.message)
    }

    /// Counters: store the deltas. A counter that went down wrapped (it was in the top tenth of its range and
    /// is now in the bottom tenth) or the machine was reset; neither becomes a negative delta. A sample the
    /// store refuses (its memory buffer full while the disk fails) puts the baseline back to the last stored
    /// values, so the next delta still covers the boards in between.
    private func storeCounters(_ images: [RegisterTable: RegisterImage], now: Date) {
        var samples: [CounterSample] = []
        var resets: [String] = []
        let baseline = counterBaseline.withLock { $0 }
        var read: [String: UInt64] = [:]
        for counter in profile.counters {
            guard let words = images[counter.table]?[counter.field.registers],
                  let raw = RegisterCodec.integer(words[...], counter.field.type, counter.field.wordOrder) else { continue }
            let value = UInt64(bitPattern: raw)
            let maximum: UInt64 = counter.field.type == .u16 ? 0xFFFF : counter.field.type == .u32 ? 0xFFFF_FFFF : UInt64.max
            var delta: Int64?
            var note: String?
            if let last = baseline.pending[counter.name] {
                if value >= last {
                    delta = Int64(clamping: value - last)
                } else if last > maximum - maximum / 10, value < maximum / 10 {
                    delta = Int64(clamping: maximum - last + value + 1)
                    note = "wrap"
                } else {
                    delta = Int64(clamping: value)
                    note = "reset"
                    resets.append(counter.name)
                }
            }
            read[counter.name] = value
            samples.append(CounterSample(device: device.identity, counter: counter.name, time: now,
                                         value: Int64(clamping: value), delta: delta, event: note))
        }
        guard !samples.isEmpty else { return }
        if !resets.isEmpty { event(.reset, detail: "counters went down: " + resets.joined(separator: ", ")) }
        counterBaseline.withLock { $0.pending.merge(read) { _, new in new } }
        writer.submit(.counterSamples(samples)) { [status, counterBaseline, logger, read, count = samples.count] outcome in
            switch outcome {
            case .durable:
                counterBaseline.withLock { $0.stored.merge(read) { _, new in new } }
                status.withLock { $0.counterSamples += count; $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
            case let .refused(reason):
                counterBaseline.withLock { $0.pending = $0.stored }
                status.withLock { $0.lastError = "store: \(reason)" }
                logger.warning("store refused counter readings; the next reading covers them", metadata: ["reason": "\(reason)"])
            }
        }
    }

    /// Process values: decoded with type, word order, scale and offset; a value that is not finite (an f32
    /// NaN from a sensor fault, an overflow after scale) is counted as bad data, logged once per episode and
    /// recorded as an `error` event, and not stored.
    private func storeProcessValues(_ images: [RegisterTable: RegisterImage], now: Date) {
        var values: [ProcessValueRecord] = []
        var invalid: [(name: String, raw: Double)] = []
        for spec in profile.processValues {
            guard let words = images[spec.table]?[spec.field.registers],
                  let raw = RegisterCodec.number(words[...], spec.field.type, spec.field.wordOrder) else { continue }
            let value = spec.field.scaled(raw)
            guard value.isFinite else {
                invalid.append((spec.name, raw))
                continue
            }
            values.append(ProcessValueRecord(line: device.line, station: device.station, device: device.name,
                                             name: spec.name, time: now, value: value, unit: spec.unit,
                                             lsl: spec.lsl, usl: spec.usl))
        }
        if !invalid.isEmpty {
            let problem = "process value not finite after scale: " + invalid.map { "\($0.name) (raw \($0.raw))" }.joined(separator: ", ")
            status.withLock { $0.badRecords += invalid.count; $0.lastError = problem }
            let names = invalid.map(\.name).joined(separator: ",")
            if invalidProcessValues != names {
                invalidProcessValues = names
                logger.error("process value is not a finite number; not stored", metadata: ["problem": "\(problem)"])
                event(.error, detail: problem)
            }
        } else {
            invalidProcessValues = nil
        }
        guard !values.isEmpty else { return }
        writer.submit(.processValues(values)) { [status, logger, count = values.count] outcome in
            switch outcome {
            case .durable:
                status.withLock { $0.processValues += count; $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
            case let .refused(reason):
                status.withLock { $0.lastError = "store: \(reason)" }
                logger.warning("store refused process values; these samples are lost", metadata: ["reason": "\(reason)"])
            }
        }
    }
}

extension ModbusError {
    /// The device answered with a Modbus exception (it is there and talking).
    var isException: Bool {
        if case .exception = kind { return true }
        return false
    }
}
