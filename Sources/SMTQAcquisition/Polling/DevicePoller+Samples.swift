import Foundation
import SMTQConfig
import SMTQCore
import SMTQModbus

extension DevicePoller {
    /// Reads the counters and process values of one poll interval (each table with as few requests as
    /// allowed) and stores them.
    func sample(_ connection: ModbusConnection) throws(ModbusError) {
        var images: [RegisterTable: RegisterImage] = [:]
        let tables = Set(profile.counters.map(\.table) + profile.processValues.map(\.table))
        for table in RegisterTable.allCases where tables.contains(table) {
            let ranges = profile.counters.filter { $0.table == table }.map(\.field.registers)
                + profile.processValues.filter { $0.table == table }.map(\.field.registers)
            images[table] = try read(ranges, from: table, connection)
        }
        let now = Date()
        if !profile.counters.isEmpty { storeCounters(images, now: now) }
        if !profile.processValues.isEmpty { storeProcessValues(images, now: now) }
    }

    /// Counters: store the deltas. A counter that went down wrapped (it was in the top tenth of its range and
    /// is now in the bottom tenth) or the machine was reset; neither becomes a negative delta.
    private func storeCounters(_ images: [RegisterTable: RegisterImage], now: Date) {
        var samples: [CounterSample] = []
        var resets: [String] = []
        for counter in profile.counters {
            guard let words = images[counter.table]?[counter.field.registers],
                  let raw = RegisterCodec.integer(words[...], counter.field.type, counter.field.wordOrder) else { continue }
            let value = UInt64(bitPattern: raw)
            let maximum: UInt64 = counter.field.type == .u16 ? 0xFFFF : counter.field.type == .u32 ? 0xFFFF_FFFF : UInt64.max
            var delta: Int64?
            var note: String?
            if let last = lastCounters[counter.name] {
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
            lastCounters[counter.name] = value
            samples.append(CounterSample(device: device.identity, counter: counter.name, time: now,
                                         value: Int64(clamping: value), delta: delta, event: note))
        }
        if !resets.isEmpty { event(.reset, detail: "counters went down: " + resets.joined(separator: ", ")) }
        guard store(.counterSamples(samples)) != nil else { return }
        status.withLock { $0.counterSamples += samples.count; $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
    }

    /// Process values: decoded with type, word order, scale and offset; a value that is not a finite number
    /// (an f32 NaN from a sensor fault) is counted as bad data and not stored.
    private func storeProcessValues(_ images: [RegisterTable: RegisterImage], now: Date) {
        var values: [ProcessValueRecord] = []
        for spec in profile.processValues {
            guard let words = images[spec.table]?[spec.field.registers],
                  let raw = RegisterCodec.number(words[...], spec.field.type, spec.field.wordOrder) else { continue }
            let value = raw * spec.field.scale + spec.field.offset
            guard value.isFinite else {
                status.withLock { $0.badRecords += 1; $0.lastError = "process value \(spec.name) is not a number (\(raw))" }
                continue
            }
            values.append(ProcessValueRecord(line: device.line, station: device.station, device: device.name,
                                             name: spec.name, time: now, value: value, unit: spec.unit,
                                             lsl: spec.lsl, usl: spec.usl))
        }
        guard !values.isEmpty, store(.processValues(values)) != nil else { return }
        status.withLock { $0.processValues += values.count; $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
    }
}
