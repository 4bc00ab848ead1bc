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

/// Everything one transaction stored.
public struct CommittedBatch: Sendable {
    public var units: [StoredUnit]
    public var processValues: [ProcessValueRecord]

    public init(units: [StoredUnit], processValues: [ProcessValueRecord] = []) {
        self.units = units
        self.processValues = processValues
    }

    public var isEmpty: Bool { units.isEmpty && processValues.isEmpty }
}
