import Foundation
import SMTQConfig
import SMTQCore
import SMTQModbus

extension DevicePoller {
    /// FIFO with ACK: read SEQ, PENDING and the head record; store it with the cursor (SEQ and the record's
    /// registers) in one transaction; only then write ACK = SEQ.
    ///
    /// A head whose SEQ equals the stored cursor and whose registers equal the stored record's was stored
    /// already (its ACK was lost on the way, or smtq stopped before sending it): it is only acknowledged
    /// again and counted as a duplicate, whether or not the record carries a device clock. The same SEQ with
    /// other registers is a new record (the device restarted its numbering) and is stored.
    func pollFIFO(_ connection: ModbusConnection) throws(ModbusError) -> Bool {
        guard let sequence = profile.sequenceAddress, let pending = profile.pendingAddress, let ack = profile.ackAddress,
              let record = profile.record, let decoder else { return false }
        let block = record.address..<(record.address + record.length)
        let image = try read([sequence..<(sequence + 1), pending..<(pending + 1), block], connection)
        guard let seq = image.word(at: sequence), let queued = image.word(at: pending), queued > 0,
              let words = image[block] else { return false }
        if let cursor, cursor.seq == Int(seq), cursor.content == words {
            try writeRegister(ack, seq, connection)
            status.withLock {
                $0.duplicates += 1
                $0.lastSuccess = Date()
                $0.consecutiveErrors = 0
            }
            logger.notice("FIFO head already stored; acknowledged again", metadata: ["seq": "\(seq)"])
            event(.duplicate, detail: "SEQ \(seq) shown again after it was stored; acknowledged again, not stored twice")
            return queued > 1
        }
        let hostTime = Date()
        let update = DeviceCursorUpdate(device: device.identity, seq: Int(seq), content: words)
        let outcome: WriteOutcome?
        var decoded = true
        do {
            let unit = unit(from: try decoder.decode(words), hostTime: hostTime, seq: Int(seq))
            outcome = store(.units([unit], cursor: update))
        } catch {
            decoded = false
            badRecord(error, seq: Int(seq), words: words)
            outcome = store(.units([], cursor: update))
        }
        guard let outcome, case let .durable(stored, duplicates) = outcome else { return false }
        recorded(seq: seq, words: words, stored: decoded ? stored : 0, duplicates: duplicates, at: hostTime)
        try writeRegister(ack, seq, connection)
        return queued > 1
    }

    /// Mailbox: the latest record and its SEQ, read-only. A jump of more than one is recorded as lost records.
    /// A record that takes more than one request is read between two reads of SEQ and read again when SEQ
    /// moved, so a stored record is never a mix of two. With a `pending` register, 0 there means the
    /// mailbox holds no record yet (nothing is decoded); 0 again after a record means the device restarted,
    /// and so does a SEQ that goes back: a `reset` event, not a gap.
    func pollMailbox(_ connection: ModbusConnection) throws(ModbusError) {
        guard let sequence = profile.sequenceAddress, let record = profile.record, let decoder else { return }
        let block = record.address..<(record.address + record.length)
        let seqRange = sequence..<(sequence + 1)
        let flagRange = profile.pendingAddress.map { $0..<($0 + 1) }
        let ranges = [seqRange] + (flagRange.map { [$0] } ?? []) + [block]
        let single = plan(ranges).count == 1
        var attempt = 0
        var seq: UInt16 = 0
        var words: [UInt16] = []
        while true {
            let image = try read(ranges, connection)
            guard let first = image[seqRange]?.first, let values = image[block] else { return }
            if let flagRange, image[flagRange]?.first == 0 {
                if cursor != nil, !mailboxRestarted {
                    // Empty again after a record: the device restarted (its next SEQ is no gap).
                    mailboxRestarted = true
                    event(.reset, detail: "the mailbox is empty again after SEQ \(cursor?.seq ?? 0): the device restarted")
                }
                status.withLock { $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
                return
            }
            if single {
                (seq, words) = (first, values)
                break
            }
            let again = try read([seqRange], connection)[seqRange]?.first
            if again == first {
                (seq, words) = (first, values)
                break
            }
            status.withLock { $0.tornReads += 1 }
            attempt += 1
            if attempt >= 5 { return }
        }
        if let cursor, Int(seq) == cursor.seq, !mailboxRestarted || cursor.content == words {
            status.withLock { $0.lastSuccess = Date(); $0.consecutiveErrors = 0 }
            return
        }
        var gap: DeviceEvent?
        if let cursor, !mailboxRestarted {
            let jump = (Int(seq) - cursor.seq + 65_536) % 65_536
            if jump > 32_768 {
                // SEQ went back: the device restarted its numbering; nothing is known to be lost.
                event(.reset, detail: "SEQ went back from \(cursor.seq) to \(seq): the device restarted its numbering")
            } else if jump > 1 {
                gap = DeviceEvent(device: device.identity, time: Date(), kind: .gap, count: jump - 1,
                                  detail: "SEQ \(cursor.seq) → \(seq)")
            }
        }
        let hostTime = Date()
        let update = DeviceCursorUpdate(device: device.identity, seq: Int(seq), content: words, events: gap.map { [$0] } ?? [])
        let write: StoreWrite
        var decoded = true
        do {
            write = .units([unit(from: try decoder.decode(words), hostTime: hostTime, seq: Int(seq))], cursor: update)
        } catch {
            decoded = false
            badRecord(error, seq: Int(seq), words: words)
            write = .units([], cursor: update)
        }
        guard let outcome = store(write), case let .durable(stored, duplicates) = outcome else { return }
        // Only once stored: a refused record leaves the restart (or the old cursor) for the next poll to judge.
        mailboxRestarted = false
        if let gap { status.withLock { $0.lostRecords += gap.count } }
        recorded(seq: seq, words: words, stored: decoded ? stored : 0, duplicates: duplicates, at: hostTime)
    }

    /// A record (or an undecodable block) and the cursor at it are durable.
    private func recorded(seq: UInt16, words: [UInt16], stored: Int, duplicates: Int, at time: Date) {
        cursor = StoredCursor(seq: Int(seq), content: words)
        status.withLock {
            $0.recordsRead += stored
            $0.duplicates += duplicates
            $0.lastSuccess = Date()
            $0.lastRecord = time
            $0.consecutiveErrors = 0
        }
    }

    private func badRecord(_ error: DecodeError, seq: Int, words: [UInt16]) {
        status.withLock { $0.badRecords += 1; $0.lastError = "record \(seq): \(error)" }
        logger.error("record could not be decoded; recorded as a device event and skipped",
                     metadata: ["seq": "\(seq)", "problem": "\(error)"])
        let registers = words.prefix(64).map { String($0, radix: 16) }.joined(separator: " ")
        event(.error, detail: "undecodable record SEQ \(seq): \(error); registers \(registers)")
    }
}
