import Foundation

/// A unit as it reaches the store: the record, plus where and when it was acquired.
public struct IncomingUnit: Sendable {
    public var record: UnitRecord
    /// The device's own clock, when the device reports one.
    public var deviceTime: Date?
    /// When smtq received it.
    public var hostTime: Date
    /// The device's sequence number (FIFO or mailbox SEQ).
    public var sourceSeq: Int?

    public init(record: UnitRecord, deviceTime: Date? = nil, hostTime: Date = Date(), sourceSeq: Int? = nil) {
        self.record = record
        self.deviceTime = deviceTime
        self.hostTime = hostTime
        self.sourceSeq = sourceSeq
    }
}

/// The last SEQ stored from a device, committed in the same transaction as its records.
public struct DeviceCursorUpdate: Sendable, Equatable {
    public var device: DeviceIdentity
    public var seq: Int
    /// The raw registers of the record stored at `seq`: a FIFO head shown again with the same SEQ and the
    /// same registers (its ACK was lost) is the same record; the same SEQ with other registers is a new one.
    public var content: [UInt16]?
    /// Events found on the way to this SEQ (a mailbox gap), stored in the same transaction: a gap is
    /// recorded exactly when the cursor moves past it, so a crash can neither lose it nor count it twice.
    public var events: [DeviceEvent]

    public init(device: DeviceIdentity, seq: Int, content: [UInt16]? = nil, events: [DeviceEvent] = []) {
        self.device = device
        self.seq = seq
        self.content = content
        self.events = events
    }
}

/// A device's stored cursor: the last SEQ and the registers of the record stored at it.
public struct StoredCursor: Sendable, Equatable {
    public var seq: Int
    public var content: [UInt16]?

    public init(seq: Int, content: [UInt16]?) {
        self.seq = seq
        self.content = content
    }

    /// Registers as stored: each value as two bytes, high byte first.
    public static func blob(_ words: [UInt16]) -> Data {
        var data = Data(capacity: words.count * 2)
        for word in words { data.append(contentsOf: [UInt8(word >> 8), UInt8(word & 0xFF)]) }
        return data
    }

    public static func words(_ blob: Data) -> [UInt16] {
        let bytes = [UInt8](blob)
        return stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }
}

/// One reading of a cumulative counter and the delta since the previous one.
public struct CounterSample: Sendable, Equatable {
    public var device: DeviceIdentity
    public var counter: String
    public var time: Date
    public var value: Int64
    /// `nil` for the first reading or after a reset.
    public var delta: Int64?
    /// `wrap` or `reset` when the counter went down.
    public var event: String?

    public init(device: DeviceIdentity, counter: String, time: Date, value: Int64, delta: Int64?, event: String? = nil) {
        self.device = device
        self.counter = counter
        self.time = time
        self.value = value
        self.delta = delta
        self.event = event
    }
}

/// Something that happened to a device connection or its data.
public struct DeviceEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case connect, disconnect, error, gap, reset
        /// A FIFO head shown again after it was stored (its ACK was lost or smtq stopped before it): only
        /// acknowledged again.
        case duplicate
    }

    public var device: DeviceIdentity
    public var time: Date
    public var kind: Kind
    /// How many: lost records for a gap, errors folded into one event.
    public var count: Int
    public var detail: String?

    public init(device: DeviceIdentity, time: Date, kind: Kind, count: Int = 1, detail: String? = nil) {
        self.device = device
        self.time = time
        self.kind = kind
        self.count = count
        self.detail = detail
    }
}

/// What a caller asks the writer to store; each is stored whole or not at all.
public enum StoreWrite: Sendable {
    /// Units, and optionally the device cursor they advance (for FIFO devices: the ACK follows durability).
    case units([IncomingUnit], cursor: DeviceCursorUpdate?)
    case counterSamples([CounterSample])
    /// Sampled process values (unit-less time series of a station).
    case processValues([ProcessValueRecord])
    case deviceEvent(DeviceEvent)

    /// How many records it holds, for batching and the memory bound.
    public var recordCount: Int {
        switch self {
        case let .units(units, _): return max(1, units.count)
        case let .counterSamples(samples): return max(1, samples.count)
        case let .processValues(values): return max(1, values.count)
        case .deviceEvent: return 1
        }
    }
}

/// The writer's answer to one write.
public enum WriteOutcome: Sendable, Equatable {
    /// Committed: it survives a crash of the process (and, with `synchronous: full`, a power loss).
    case durable(stored: Int, duplicates: Int)
    /// Not accepted: the memory buffer is full (the disk has been failing) or the writer has stopped.
    case refused(String)
}

/// Where acquisition hands what it read and asks what it stored: the store's writer is one (SMTQStore), so
/// acquisition never depends on the store. Implementations run blocking work on their own threads.
public protocol RecordSink: AnyObject, Sendable {
    /// Queues a write; `completion` is called once when it is durable or refused. `awaited`: the caller is
    /// blocked until then (a sink may commit such writes without waiting for more).
    func submit(_ write: StoreWrite, awaited: Bool, completion: @escaping @Sendable (WriteOutcome) -> Void)
    /// The last SEQ stored from a device with the registers of its record, or nil when none was.
    func storedCursor(device: String) throws -> StoredCursor?
}

extension RecordSink {
    /// Queues a write nobody waits for.
    public func submit(_ write: StoreWrite, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        submit(write, awaited: false, completion: completion)
    }

    /// Submits and blocks until durable or refused (never call it from the Swift concurrency pool).
    public func submitAndWait(_ write: StoreWrite) -> WriteOutcome {
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<WriteOutcome>(.refused("no answer"))
        submit(write, awaited: true) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 }
    }
}
