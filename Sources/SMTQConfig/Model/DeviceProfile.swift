/// A machine model's register map: how its records come off (FIFO, mailbox, or none), its counters and its
/// process values, all read over one connection.
public struct DeviceProfile: Sendable, Hashable {
    public var name: String
    public var description: String?
    /// How records come off the device; `counters` when the profile has no record block (only counters
    /// and process values).
    public var mode: AcquisitionMode
    /// The register table the profile reads by default (records, and counters and process values without a
    /// `table` of their own).
    public var table: RegisterTable
    public var addressing: Addressing
    /// The most registers the device answers in one read request (Modbus allows 125).
    public var maxRegistersPerRequest: Int
    /// The default order of 32- and 64-bit values.
    public var wordOrder: WordOrder
    /// The default byte order of strings within a register.
    public var stringByteOrder: StringByteOrder
    /// Cumulative counters, read every poll interval in any mode.
    public var counters: [CounterSpec]
    /// Process values, sampled every poll interval in any mode.
    public var processValues: [ProcessValueSpec]
    /// FIFO and mailbox modes: the sequence register of the head (or latest) record.
    public var sequenceAddress: Int?
    /// FIFO mode: the number of queued records. Mailbox mode (optional): non-zero once the mailbox holds a
    /// record (0 before the first board).
    public var pendingAddress: Int?
    /// FIFO mode: the writable acknowledgement register.
    public var ackAddress: Int?
    /// FIFO and mailbox modes: the record block.
    public var record: RecordLayout?
    /// The file the profile came from (the main config or an included file).
    public var file: String

    /// Whether the profile has a record block (FIFO or mailbox mode).
    public var hasRecords: Bool { mode != .counters && record != nil }
}

/// How a profile gets records off the device (DESIGN.md, "Device acquisition contract").
public enum AcquisitionMode: String, Sendable, Hashable, CaseIterable {
    /// No records: only cumulative counters (smtq stores the deltas) and process values.
    case counters
    /// A queue of records popped by writing an acknowledgement: lossless.
    case fifo
    /// The latest record only, read-only; jumps in the sequence are recorded as lost records.
    case mailbox
}

/// The Modbus data tables.
public enum RegisterTable: String, Sendable, Hashable, CaseIterable {
    case holding, input, coils, discrete
}

/// Whether the profile's addresses are protocol addresses (0-based) or the 1-based numbers many manuals print.
public enum Addressing: String, Sendable, Hashable, CaseIterable {
    case zeroBased = "zero_based"
    case oneBased = "one_based"
}

/// The order of the bytes of a multi-register value, named by the four bytes of a 32-bit value as they
/// appear in the registers. For 64-bit values the same rule applies to four registers: `ABCD` is big-endian
/// throughout, `CDAB` reverses the registers, `BADC` swaps the bytes in each register, `DCBA` does both.
public enum WordOrder: String, Sendable, Hashable, CaseIterable {
    case abcd = "ABCD"
    case cdab = "CDAB"
    case badc = "BADC"
    case dcba = "DCBA"
}

/// The order of a string's two characters within each register.
public enum StringByteOrder: String, Sendable, Hashable, CaseIterable {
    case highFirst = "high_first"
    case lowFirst = "low_first"
}

/// The type of a register field.
public enum FieldType: Sendable, Hashable, CustomStringConvertible {
    case u16, i16, u32, i32, u64, i64, f32, f64
    /// Text in `length` registers (two characters each).
    case string(length: Int)
    /// `count` bits of one register starting at bit `first` (0 = least significant).
    case bits(first: Int, count: Int)

    public static let names = ["u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "string", "bits"]

    /// Registers the field occupies.
    public var width: Int {
        switch self {
        case .u16, .i16, .bits: return 1
        case .u32, .i32, .f32: return 2
        case .u64, .i64, .f64: return 4
        case let .string(length): return length
        }
    }

    public var isInteger: Bool {
        switch self {
        case .u16, .i16, .u32, .i32, .u64, .i64, .bits: return true
        default: return false
        }
    }

    public var isNumeric: Bool {
        if case .string = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .u16: return "u16"
        case .i16: return "i16"
        case .u32: return "u32"
        case .i32: return "i32"
        case .u64: return "u64"
        case .i64: return "i64"
        case .f32: return "f32"
        case .f64: return "f64"
        case let .string(length): return "string(\(length))"
        case let .bits(first, count): return "bits(\(first)+\(count))"
        }
    }
}

/// Where a value lives and how to turn its registers into a value.
public struct FieldSpec: Sendable, Hashable {
    /// The register, relative to its block (record fields) or absolute (counters).
    public var register: Int
    public var type: FieldType
    public var wordOrder: WordOrder
    public var stringByteOrder: StringByteOrder
    /// value = raw × scale + offset.
    public var scale: Double
    public var offset: Double
    /// Raw integer → text, e.g. `0: pass, 1: fail`.
    public var enumMap: [Int: String]?
    /// The config line of the field, for messages.
    public var line: Int?

    public var registers: Range<Int> { register..<(register + type.width) }
}

/// A cumulative counter register.
public struct CounterSpec: Sendable, Hashable {
    /// The counter's name, e.g. `inspected`, `passed`, `failed`, `false_calls`.
    public var name: String
    /// The table it is read from (the profile's unless the counter names its own).
    public var table: RegisterTable
    public var field: FieldSpec
}

/// A live value sampled every poll interval and stored as a time series of the station: a reflow zone's
/// temperature, the board temperature, the conveyor speed, the nitrogen ppm.
public struct ProcessValueSpec: Sendable, Hashable {
    public var name: String
    /// The table it is read from (the profile's unless the value names its own).
    public var table: RegisterTable
    /// Any numeric type; value = raw × scale + offset.
    public var field: FieldSpec
    public var unit: String?
    public var lsl: Double?
    public var usl: Double?
}

/// The layout of a record block: fixed unit fields and up to two repeated groups.
public struct RecordLayout: Sendable, Hashable {
    /// The first register of the block.
    public var address: Int
    /// Registers in the block.
    public var length: Int
    public var fields: [RecordField: FieldSpec]
    public var defects: RepeatedGroup?
    public var measurements: RepeatedGroup?
    /// Defect code → category (bridge, tombstone, …) for devices that report only a code.
    public var defectCategories: [String: String]
}

/// The unit fields a record block can carry.
public enum RecordField: String, Sendable, Hashable, CaseIterable {
    case serial, program, result, position
    case cycleMilliseconds = "cycle_ms"
    /// The device's own timestamp (Unix seconds), stored beside the host's time.
    case deviceTime = "device_time"
}

/// A repeated group of slots (defects or measurements) with a count field.
public struct RepeatedGroup: Sendable, Hashable {
    /// How many slots are filled in this record.
    public var count: FieldSpec
    /// The first register of slot 0, relative to the block.
    public var first: Int
    /// Registers per slot.
    public var stride: Int
    /// Slots in the block.
    public var maxSlots: Int
    /// Field name → spec, registers relative to the slot.
    public var fields: [String: FieldSpec]

    /// The registers all slots occupy, relative to the block.
    public var registers: Range<Int> { first..<(first + stride * maxSlots) }

    /// The fields a defect slot may have.
    public static let defectFields = ["refdes", "part", "code", "category", "verdict"]
    /// The fields a measurement slot may have.
    public static let measurementFields = ["name", "value", "unit"]
}
