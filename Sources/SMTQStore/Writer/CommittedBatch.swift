import SMTQCore

/// A unit as committed, handed to subscribers (the SPC engine) after the transaction.
public struct StoredUnit: Sendable {
    public var id: Int64
    public var record: UnitRecord
    /// Whether this is the serial's first result at the station.
    public var isFirstPass: Bool

    public init(id: Int64, record: UnitRecord, isFirstPass: Bool) {
        self.id = id
        self.record = record
        self.isFirstPass = isFirstPass
    }
}

/// A process value as committed, with its row id (the live engine skips what its warm start read).
public struct StoredProcessValue: Sendable, Equatable {
    public var id: Int64
    public var record: ProcessValueRecord

    public init(id: Int64, record: ProcessValueRecord) {
        self.id = id
        self.record = record
    }
}

/// Everything one transaction stored.
public struct CommittedBatch: Sendable {
    public var units: [StoredUnit]
    public var processValues: [StoredProcessValue]
    /// Device events (connects, disconnects, gaps) in the order they were written.
    public var events: [DeviceEvent]

    public init(units: [StoredUnit], processValues: [StoredProcessValue] = [], events: [DeviceEvent] = []) {
        self.units = units
        self.processValues = processValues
        self.events = events
    }

    public var isEmpty: Bool { units.isEmpty && processValues.isEmpty && events.isEmpty }
}
