// Fuzzes RecordDecoder (Sources/SMTQAcquisition/Decoding): register blocks decoded with the reference profiles'
// record layouts, and with layouts derived from the input's first bytes. A decoded record is written back with
// RecordEncoder (what the simulator does) and decoded again. Decoding must give a record or a DecodeError for any
// registers, and a record the store can hold (its device time as the writer stores it); a crash is a finding.
//
// Input: byte 0 chooses.
//   bit 0 clear: a reference layout (bit 1: aoi-reference or tester-reference), the rest are registers.
//   bit 0 set:   a layout read from the next bytes (see `LayoutReader`), the rest are registers.
//   bits 2-3:    the device's string byte order quirk: none, high_first, low_first.
//   bit 4:       pad the registers with zeros to the layout's length (else a short block is decoded as it is).
// Registers are big-endian byte pairs.
import Foundation
import SMTQAcquisition
import SMTQConfig
import SMTQStore

/// The reference profiles of config/profiles/ with a record block, parsed once with the project's parser.
let referenceProfiles: [DeviceProfile] = {
    let repository = URL(fileURLWithPath: #filePath)  // Fuzz/Sources/fuzz-decoder/main.swift
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var profiles: [DeviceProfile] = []
    for name in ["aoi-reference", "tester-reference"] {
        let path = repository.appendingPathComponent("config/profiles/\(name).yaml").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fatalError("fuzz-decoder: cannot read \(path)") }
        do {
            guard let profile = try ConfigLoader.loadProfiles(text: text, file: path)[name], profile.record != nil else {
                fatalError("fuzz-decoder: \(path) has no profile \(name) with a record block")
            }
            profiles.append(profile)
        } catch {
            fatalError("fuzz-decoder: \(path): \(error)")
        }
    }
    return profiles
}()

let aoiLayout = referenceProfiles[0].record!
let testerLayout = referenceProfiles[1].record!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = LayoutReader(UnsafeBufferPointer(start: data, count: size))
    let mode = input.byte()
    let layout: RecordLayout
    if mode & 1 == 0 {
        layout = mode & 2 == 0 ? aoiLayout : testerLayout
    } else {
        layout = input.layout()
    }
    let quirk: StringByteOrder? = switch (mode >> 2) & 3 {
    case 1: .highFirst
    case 2: .lowFirst
    default: nil
    }
    var block = input.registers()
    if mode & 0x10 != 0, block.count < layout.length {
        block += Array(repeating: 0, count: layout.length - block.count)
    }
    let decoder = RecordDecoder(layout: layout, stringByteOrder: quirk)
    do throws(DecodeError) {
        let record = try decoder.decode(block)
        // The writer stores the device's time beside the host's (UnitInserter): it must be a time it can hold.
        _ = record.deviceTime?.storeMicroseconds
        let written = RecordEncoder(layout: layout).encode(record)
        _ = try? decoder.decode(written)
    } catch {
        _ = error.description
    }
    return 0
}

/// Reads the input from the front; past its end every byte is 0.
struct LayoutReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func u16() -> Int { Int(byte()) << 8 | Int(byte()) }

    mutating func u64() -> UInt64 { (0..<8).reduce(UInt64(0)) { value, _ in value << 8 | UInt64(byte()) } }

    /// What is left, as big-endian registers (an odd last byte is dropped).
    mutating func registers() -> [UInt16] {
        var words: [UInt16] = []
        while index + 1 < bytes.count {
            words.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
            index += 2
        }
        index = bytes.count
        return words
    }

    // MARK: Layouts

    /// What a field may be, by its role (ConfigParser+Record's checkRole and checkGroupField).
    enum Role {
        /// serial, program: text or an integer (with scale or an enum), not a float.
        case textOrInteger
        /// code, name: any type.
        case anything
        /// refdes, part, category, unit: text, or an integer with an enum.
        case textOrEnum
        /// result, verdict: an integer with an enum onto these words.
        case choice([String])
        /// position, cycle_ms, device_time: an integer, scale and offset allowed, no enum.
        case integer
        /// A group's count: a plain integer.
        case count
        /// A measurement's value: a number, no enum.
        case number
    }

    static let words = ["BRIDGE", "MISSING", "TOMBSTONE", "C12", "VCC", "V", "mA", "pass", "fail", "real", "false_call",
                        "x", "0", " ", "é", "PCB-A"]
    static let scales: [Double] = [1, 0.1, 0.01, 0.001, 0.025, 10, 1000, -1, -0.5, 1e-9, 1e9, 1e300, -1e-300,
                                   .leastNonzeroMagnitude, .greatestFiniteMagnitude, 3]
    static let offsets: [Double] = [0, 1, -1, 0.5, -273.15, 1e15, -1e300, .greatestFiniteMagnitude]

    /// A record layout within what the config parser accepts: a block of 1–512 registers with serial and
    /// result, optional program, position, cycle_ms and device_time, optional defects and measurements
    /// groups, every field inside its block or slot. (Overlapping fields, which the parser refuses, are let
    /// through: they change nothing for the decoder.)
    mutating func layout() -> RecordLayout {
        var layout = aoiLayout
        layout.address = 0
        layout.length = 1 + u16() % 512
        let flags = byte()
        var fields: [RecordField: FieldSpec] = [:]
        fields[.serial] = field(.textOrInteger, in: layout.length)
        fields[.result] = field(.choice(["pass", "fail"]), in: layout.length)
        if flags & 1 != 0 { fields[.program] = field(.textOrInteger, in: layout.length) }
        if flags & 2 != 0 { fields[.position] = field(.integer, in: layout.length) }
        if flags & 4 != 0 { fields[.cycleMilliseconds] = field(.integer, in: layout.length) }
        if flags & 8 != 0 { fields[.deviceTime] = field(.integer, in: layout.length) }
        layout.fields = fields
        layout.defects = nil
        layout.measurements = nil
        if flags & 16 != 0 {
            layout.defects = group(aoiLayout.defects!, in: layout.length, fields: [
                ("code", .anything, true), ("refdes", .textOrEnum, false), ("part", .textOrEnum, false),
                ("category", .textOrEnum, false), ("verdict", .choice(["real", "false_call"]), false),
            ])
        }
        if flags & 32 != 0 {
            layout.measurements = group(testerLayout.measurements!, in: layout.length, fields: [
                ("name", .anything, true), ("value", .number, true), ("unit", .textOrEnum, false),
            ])
        }
        layout.defectCategories = flags & 64 != 0 ? ["BRIDGE": "bridge", "1": "one", "x": "ex"] : [:]
        return layout
    }

    /// A repeated group inside a block of `length` registers.
    mutating func group(_ template: RepeatedGroup, in length: Int,
                        fields: [(name: String, role: Role, required: Bool)]) -> RepeatedGroup? {
        var group = template
        group.count = field(.count, in: length)
        group.stride = 1 + Int(byte()) % 64
        group.maxSlots = 1 + Int(byte()) % 32
        group.first = u16() % length
        if group.first + group.stride * group.maxSlots > length {
            group.maxSlots = (length - group.first) / group.stride
        }
        guard group.maxSlots >= 1 else { return nil }
        let present = byte()
        group.fields = [:]
        for (index, field) in fields.enumerated() where field.required || present & (1 << index) != 0 {
            group.fields[field.name] = self.field(field.role, in: group.stride)
        }
        return group
    }

    /// A field of `role` inside `size` registers.
    mutating func field(_ role: Role, in size: Int) -> FieldSpec {
        var spec = aoiLayout.fields[.position]!
        spec.scale = 1
        spec.offset = 0
        spec.enumMap = nil
        let kind = byte()
        let options = byte()
        let integers: [FieldType] = [.u16, .i16, .u32, .i32, .u64, .i64, bits()]
        let numbers: [FieldType] = integers + [.f32, .f64]
        let text = FieldType.string(length: 1 + Int(byte()) % 125)
        let candidates: [FieldType] = switch role {
        case .textOrInteger, .textOrEnum: [text] + integers
        case .anything: [text] + numbers
        case .choice, .integer, .count: integers
        case .number: numbers
        }
        var type = candidates[Int(kind) % candidates.count]
        if type.width > size {
            if case .string = type { type = .string(length: size) } else { type = .u16 }
        }
        spec.type = type
        spec.register = u16() % (size - type.width + 1)
        spec.wordOrder = WordOrder.allCases[Int(options) & 3]
        spec.stringByteOrder = options & 4 == 0 ? .highFirst : .lowFirst
        let enumerated: Bool = switch role {
        case .choice: true
        case .textOrEnum: type.isInteger
        case .textOrInteger, .anything: type.isInteger && options & 8 != 0
        case .integer, .count, .number: false
        }
        if enumerated {
            var map: [Int: String] = [:]
            let vocabulary: [String] = if case let .choice(words) = role { words } else { Self.words }
            for _ in 0..<(1 + Int(byte()) % 6) {
                let key = options & 64 == 0 ? Int(Int8(bitPattern: byte())) : Int(Int64(bitPattern: u64()))
                map[key] = vocabulary[Int(byte()) % vocabulary.count]
            }
            spec.enumMap = map
        } else if type.isNumeric, role != .count, options & 16 != 0 {
            spec.scale = scale()
            spec.offset = options & 32 != 0 ? offset() : 0
        }
        return spec
    }

    mutating func bits() -> FieldType {
        let first = Int(byte()) % 16
        return .bits(first: first, count: 1 + Int(byte()) % (16 - first))
    }

    /// A finite, non-zero scale (the parser refuses 0 and anything not finite).
    mutating func scale() -> Double {
        let choice = Int(byte())
        if choice < Self.scales.count { return Self.scales[choice] }
        let raw = Double(bitPattern: u64())
        return raw.isFinite && raw != 0 ? raw : 1
    }

    mutating func offset() -> Double {
        let choice = Int(byte())
        if choice < Self.offsets.count { return Self.offsets[choice] }
        let raw = Double(bitPattern: u64())
        return raw.isFinite ? raw : 0
    }
}

extension LayoutReader.Role: Equatable {}
