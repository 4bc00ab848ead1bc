import Foundation
import SMTQConfig
import SMTQCore

/// A record block decoded by a profile: the unit's fields, before the collector adds identity and time.
public struct DecodedRecord: Sendable, Equatable {
    public var serial: String
    public var program: String?
    public var result: UnitResult
    public var position: Int?
    public var cycleMilliseconds: Int?
    /// The device's clock; nil without a device_time field or when it reads outside years 0000 to 9999.
    public var deviceTime: Date?
    public var defects: [DefectRecord]?
    public var measurements: [MeasurementRecord]?

    public init(serial: String, program: String? = nil, result: UnitResult, position: Int? = nil,
                cycleMilliseconds: Int? = nil, deviceTime: Date? = nil, defects: [DefectRecord]? = nil,
                measurements: [MeasurementRecord]? = nil) {
        self.serial = serial
        self.program = program
        self.result = result
        self.position = position
        self.cycleMilliseconds = cycleMilliseconds
        self.deviceTime = deviceTime
        self.defects = defects
        self.measurements = measurements
    }
}

/// Why a record block could not be decoded (bad device data): the field and what was wrong.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var description: String { "\(field): \(message)" }
}

/// Decodes record blocks with a profile's layout. Pure: any register contents give a record or a
/// `DecodeError`, never a crash.
public struct RecordDecoder: Sendable {
    public let layout: RecordLayout
    /// The string byte order in force (the device's quirk, else the profile's per field).
    public let stringByteOrder: StringByteOrder?

    public init(layout: RecordLayout, stringByteOrder: StringByteOrder? = nil) {
        self.layout = layout
        self.stringByteOrder = stringByteOrder
    }

    /// The device times a record keeps, in Unix seconds: years 0000 to 9999. A clock register that reads
    /// anything else reads nonsense (and the store could not hold it): the record gets no device time, and is
    /// stored at the host's time as any implausible device time is.
    static let deviceTimes = -62_167_219_200...253_402_300_799

    enum Value {
        case integer(Int64)
        case number(Double)
        case text(String)
    }

    /// Decodes `block` (the record's registers, `layout.length` of them).
    public func decode(_ block: [UInt16]) throws(DecodeError) -> DecodedRecord {
        guard block.count >= layout.length else {
            throw DecodeError(field: "record", message: "\(block.count) registers read, the layout needs \(layout.length)")
        }
        guard let serialSpec = layout.fields[.serial], let resultSpec = layout.fields[.result] else {
            throw DecodeError(field: "record", message: "the layout has no serial or result field")
        }
        let serial = try text(of: serialSpec, in: block, at: 0, name: "serial")
        guard !serial.trimmingWhitespace().isEmpty else { throw DecodeError(field: "serial", message: "empty") }
        let resultText = try text(of: resultSpec, in: block, at: 0, name: "result")
        guard let result = UnitResult(rawValue: resultText) else {
            throw DecodeError(field: "result", message: "'\(resultText)' is not pass or fail")
        }
        var record = DecodedRecord(serial: serial, program: nil, result: result)
        record.program = try optionalText(layout.fields[.program], block, at: 0, name: "program")
        record.position = try optionalInteger(layout.fields[.position], block, name: "position")
        record.cycleMilliseconds = try optionalInteger(layout.fields[.cycleMilliseconds], block, name: "cycle_ms")
        if let seconds = try optionalInteger(layout.fields[.deviceTime], block, name: "device_time"),
           Self.deviceTimes.contains(seconds) {
            record.deviceTime = Date(timeIntervalSince1970: Double(seconds))
        }
        if let group = layout.defects {
            var defects: [DefectRecord] = []
            for (base, index) in try slots(of: group, in: block, name: "defects") {
                defects.append(try defect(group, block, at: base, name: "defects[\(index)]"))
            }
            record.defects = defects
        }
        if let group = layout.measurements {
            var measurements: [MeasurementRecord] = []
            for (base, index) in try slots(of: group, in: block, name: "measurements") {
                let name = "measurements[\(index)]"
                guard let nameSpec = group.fields["name"], let valueSpec = group.fields["value"] else {
                    throw DecodeError(field: name, message: "no name or value field")
                }
                measurements.append(MeasurementRecord(
                    name: try text(of: nameSpec, in: block, at: base, name: name + ".name"),
                    value: try number(of: valueSpec, in: block, at: base, name: name + ".value"),
                    unit: try optionalText(group.fields["unit"], block, at: base, name: name + ".unit").nonEmpty))
            }
            record.measurements = measurements
        }
        return record
    }

    private func defect(_ group: RepeatedGroup, _ block: [UInt16], at base: Int, name: String) throws(DecodeError) -> DefectRecord {
        guard let codeSpec = group.fields["code"] else { throw DecodeError(field: name, message: "no code field") }
        let code = try text(of: codeSpec, in: block, at: base, name: name + ".code")
        let verdictText = try optionalText(group.fields["verdict"], block, at: base, name: name + ".verdict") ?? "real"
        guard let verdict = DefectVerdict(rawValue: verdictText) else {
            throw DecodeError(field: name + ".verdict", message: "'\(verdictText)' is not real or false_call")
        }
        let category = try optionalText(group.fields["category"], block, at: base, name: name + ".category").nonEmpty
        return DefectRecord(
            refdes: try optionalText(group.fields["refdes"], block, at: base, name: name + ".refdes").nonEmpty,
            part: try optionalText(group.fields["part"], block, at: base, name: name + ".part").nonEmpty,
            code: code, category: category ?? layout.defectCategories[code], verdict: verdict)
    }

    private func optionalText(_ spec: FieldSpec?, _ block: [UInt16], at base: Int, name: String) throws(DecodeError) -> String? {
        guard let spec else { return nil }
        return try text(of: spec, in: block, at: base, name: name)
    }

    private func optionalInteger(_ spec: FieldSpec?, _ block: [UInt16], name: String) throws(DecodeError) -> Int? {
        guard let spec else { return nil }
        return try integer(of: spec, in: block, name: name)
    }

    /// The register offset of each filled slot with its index.
    private func slots(of group: RepeatedGroup, in block: [UInt16], name: String) throws(DecodeError) -> [(Int, Int)] {
        let count = try integer(of: group.count, in: block, name: name + ".count")
        guard count >= 0, count <= group.maxSlots else {
            throw DecodeError(field: name + ".count", message: "\(count) is outside 0…\(group.maxSlots)")
        }
        return (0..<count).map { (group.first + $0 * group.stride, $0) }
    }

    private func words(_ spec: FieldSpec, _ block: [UInt16], at base: Int, name: String) throws(DecodeError) -> ArraySlice<UInt16> {
        let start = base + spec.register
        guard start >= 0, start + spec.type.width <= block.count else {
            throw DecodeError(field: name, message: "registers \(start)…\(start + spec.type.width - 1) are outside the block")
        }
        return block[start..<(start + spec.type.width)]
    }

    private func value(of spec: FieldSpec, in block: [UInt16], at base: Int, name: String) throws(DecodeError) -> Value {
        let slice = try words(spec, block, at: base, name: name)
        if case .string = spec.type {
            guard let text = RegisterCodec.string(slice, stringByteOrder ?? spec.stringByteOrder) else {
                throw DecodeError(field: name, message: "the text is not valid UTF-8 (registers \(slice.map { String($0, radix: 16) }.joined(separator: " ")))")
            }
            return .text(text)
        }
        if let map = spec.enumMap {
            let raw = RegisterCodec.integer(slice, spec.type, spec.wordOrder) ?? 0
            guard let text = map[Int(raw)] else {
                throw DecodeError(field: name, message: "value \(raw) is not in the enum (\(map.keys.sorted().map(String.init).joined(separator: ", ")))")
            }
            return .text(text)
        }
        if spec.type.isInteger, spec.scale == 1, spec.offset == 0 {
            return .integer(RegisterCodec.integer(slice, spec.type, spec.wordOrder) ?? 0)
        }
        guard let raw = RegisterCodec.number(slice, spec.type, spec.wordOrder) else {
            throw DecodeError(field: name, message: "not a number")
        }
        let number = spec.scaled(raw)
        guard number.isFinite else { throw DecodeError(field: name, message: "not a finite number (\(number))") }
        return .number(number)
    }

    private func text(of spec: FieldSpec, in block: [UInt16], at base: Int, name: String) throws(DecodeError) -> String {
        switch try value(of: spec, in: block, at: base, name: name) {
        case let .text(text): return text
        case let .integer(integer): return String(integer)
        case let .number(number): return String(number)
        }
    }

    private func integer(of spec: FieldSpec, in block: [UInt16], name: String) throws(DecodeError) -> Int {
        switch try value(of: spec, in: block, at: 0, name: name) {
        case let .integer(integer): return Int(integer)
        case let .number(number) where number.rounded() == number && abs(number) < 9e15: return Int(number)
        default: throw DecodeError(field: name, message: "not a whole number")
        }
    }

    private func number(of spec: FieldSpec, in block: [UInt16], at base: Int, name: String) throws(DecodeError) -> Double {
        switch try value(of: spec, in: block, at: base, name: name) {
        case let .integer(integer): return Double(integer)
        case let .number(number): return number
        case .text: throw DecodeError(field: name, message: "text where a number was expected")
        }
    }
}

extension Optional where Wrapped == String {
    /// nil for an empty text (an unused slot field).
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
