import Foundation
import SMTQConfig
import SMTQCore
import SMTQModbus
import SMTQStore

extension DevicePoller {
    /// FIFO with ACK: read SEQ, PENDING and the head record; store it with the cursor in one transaction;
    /// only then write ACK = SEQ. A head whose SEQ equals the stored cursor was stored before a crash: it is
    /// offered to the store again (which keeps it once) and acknowledged.
    func pollFIFO(_ connection: ModbusConnection) throws(ModbusError) -> Bool {
        guard let sequence = profile.sequenceAddress, let pending = profile.pendingAddress, let ack = profile.ackAddress,
              let record = profile.record, let decoder else { return false }
        let block = record.address..<(record.address + record.length)
        let image = try read([sequence..<(sequence + 1), pending..<(pending + 1), block], connection)
        guard let seq = image[sequence..<(sequence + 1)]?.first, let queued = image[pending..<(pending + 1)]?.first,
              let words = image[block] else { return false }
        guard queued > 0 else { return false }
        let hostTime = Date()
        let outcome: WriteOutcome?
        do {
            let decoded = try decoder.decode(words)
            outcome = store(.units([unit(from: decoded, hostTime: hostTime, seq: Int(seq))],
                                   cursor: DeviceCursorUpdate(device: device.identity, seq: Int(seq))))
        } catch {
            badRecord(error, seq: Int(seq), words: words)
            outcome = store(.units([], cursor: DeviceCursorUpdate(device: device.identity, seq: Int(seq))))
        }
        guard let outcome, case let .durable(_, duplicates) = outcome else { return false }
        try writeRegister(ack, seq, connection)
        cursor = Int(seq)
        status.update {
            $0.recordsRead += 1
            $0.duplicates += duplicates
            $0.lastSuccess = Date()
            $0.consecutiveErrors = 0
        }
        return queued > 1
    }

    /// Mailbox: the latest record and its SEQ, read-only. A jump of more than one is recorded as lost records.
    /// A record that takes more than one request is read between two reads of SEQ and read again when SEQ
    /// moved, so a stored record is never a mix of two.
    func pollMailbox(_ connection: ModbusConnection) throws(ModbusError) {
        guard let sequence = profile.sequenceAddress, let record = profile.record, let decoder else { return }
        let block = record.address..<(record.address + record.length)
        let seqRange = sequence..<(sequence + 1)
        let single = plan([seqRange, block]).count == 1
        var attempt = 0
        var seq: UInt16 = 0
        var words: [UInt16] = []
        while true {
            let image = try read([seqRange, block], connection)
            guard let first = image[seqRange]?.first, let values = image[block] else { return }
            if single {
                (seq, words) = (first, values)
                break
            }
            let again = try read([seqRange], connection)[seqRange]?.first
            if again == first {
                (seq, words) = (first, values)
                break
            }
            status.update { $0.tornReads += 1 }
            attempt += 1
            if attempt >= 5 { return }
        }
        if let cursor, Int(seq) == cursor {
            status.update { $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
            return
        }
        if let cursor {
            let jump = (Int(seq) - cursor + 65_536) % 65_536
            if jump > 1 {
                event(.gap, count: jump - 1, detail: "SEQ \(cursor) → \(seq)")
                status.update { $0.lostRecords += jump - 1 }
            }
        }
        let hostTime = Date()
        let write: StoreWrite
        do {
            write = .units([unit(from: try decoder.decode(words), hostTime: hostTime, seq: Int(seq))],
                           cursor: DeviceCursorUpdate(device: device.identity, seq: Int(seq)))
        } catch {
            badRecord(error, seq: Int(seq), words: words)
            write = .units([], cursor: DeviceCursorUpdate(device: device.identity, seq: Int(seq)))
        }
        guard store(write) != nil else { return }
        cursor = Int(seq)
        status.update { $0.recordsRead += 1; $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
    }

    /// Counters: read them all, store the deltas. A counter that went down wrapped (it was in the top tenth of
    /// its range and is now in the bottom tenth) or the machine was reset; neither becomes a negative delta.
    func pollCounters(_ connection: ModbusConnection) throws(ModbusError) {
        let image = try read(profile.counters.map(\.field.registers), connection)
        let now = Date()
        var samples: [CounterSample] = []
        var resets: [String] = []
        for counter in profile.counters {
            guard let words = image[counter.field.registers],
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
        status.update { $0.recordsRead += samples.count; $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
    }

    private func badRecord(_ error: DecodeError, seq: Int, words: [UInt16]) {
        status.update { $0.badRecords += 1; $0.lastError = "record \(seq): \(error)" }
        logger.error("record could not be decoded; recorded as a device event and skipped",
                     metadata: ["device": "\(name)", "seq": "\(seq)", "problem": "\(error)"])
        let registers = words.prefix(64).map { String($0, radix: 16) }.joined(separator: " ")
        event(.error, detail: "undecodable record SEQ \(seq): \(error); registers \(registers)")
    }
}
