import Foundation
@testable import SMTQAcquisition
@testable import SMTQConfig
import SMTQCore
import SMTQSimulator
import SMTQTestSupport
import Testing

struct RecordDecoderTests {
    static func profile(_ text: String, _ name: String) throws -> DeviceProfile {
        try #require(try ConfigLoader.loadProfiles(text: text, file: name + ".yaml")[name])
    }

    static let packageRoot = TestEnvironment.packageRoot

    @Test("the simulator's built-in profiles are the files in config/profiles")
    func builtInProfilesMatchFiles() throws {
        for (file, text) in ReferenceProfiles.all {
            let onDisk = try String(contentsOf: Self.packageRoot.appendingPathComponent("config/profiles/\(file)"), encoding: .utf8)
            #expect(text + "\n" == onDisk, "\(file) differs from ReferenceProfiles")
        }
    }

    @Test("AOI records survive encode → decode")
    func aoiRoundTrip() throws {
        let layout = try #require(try Self.profile(ReferenceProfiles.aoiReference, "aoi-reference").record)
        let record = DecodedRecord(
            serial: "SN-000123", program: "PCB-A", result: .fail, position: 3, cycleMilliseconds: 70_000,
            deviceTime: Date(timeIntervalSince1970: 1_795_500_000),
            defects: [DefectRecord(refdes: "C12", part: "CAP-0402-100N", code: "BRIDGE", category: "bridge", verdict: .real),
                      DefectRecord(refdes: "U7", part: "IC-QFN32", code: "SOLDER_BALL", category: "solder_ball", verdict: .falseCall)])
        let block = RecordEncoder(layout: layout).encode(record)
        #expect(block.count == 121)
        #expect(Array(block[0..<5]) == RegisterCodec.encode(string: "SN-000123", length: 5, .highFirst))
        #expect(block[18] == 1, "fail is enum value 1")
        #expect(Array(block[20..<22]) == [0x0001, 0x1170], "70000 as u32 ABCD")
        #expect(block[24] == 2, "defect count")
        #expect(block[25 + 12] == 1 && block[25 + 16 + 12] == 10, "BRIDGE = 1, SOLDER_BALL = 10")
        #expect(try RecordDecoder(layout: layout).decode(block) == record)
    }

    @Test("tester measurements are f32 CDAB and come back as the f32 value")
    func testerRoundTrip() throws {
        let layout = try #require(try Self.profile(ReferenceProfiles.testerReference, "tester-reference").record)
        let record = DecodedRecord(serial: "T1", program: "PCB-B", result: .pass, position: 1, cycleMilliseconds: 800,
                                   deviceTime: Date(timeIntervalSince1970: 1_795_500_001),
                                   measurements: [MeasurementRecord(name: "VCC", value: Double(Float(3.3)), unit: "V"),
                                                  MeasurementRecord(name: "ICC", value: Double(Float(51.25)), unit: "mA")])
        let block = RecordEncoder(layout: layout).encode(record)
        #expect(Array(block[25 + 4..<25 + 6]) == [0x3333, 0x4053], "3.3 as f32 with the low word first")
        #expect(try RecordDecoder(layout: layout).decode(block) == record)
    }

    @Test("bad device data is a DecodeError naming the field")
    func badData() throws {
        let layout = try #require(try Self.profile(ReferenceProfiles.aoiReference, "aoi-reference").record)
        var block = RecordEncoder(layout: layout).encode(DecodedRecord(serial: "S", program: "P", result: .pass))
        block[18] = 7
        #expect(throws: DecodeError(field: "result", message: "value 7 is not in the enum (0, 1)")) {
            try RecordDecoder(layout: layout).decode(block)
        }
        block[18] = 0
        block[24] = 9
        #expect(throws: DecodeError.self) { try RecordDecoder(layout: layout).decode(block) }
        block[24] = 0
        block[0] = 0xFF41
        #expect(throws: DecodeError.self) { try RecordDecoder(layout: layout).decode(block) }
        block[0] = 0
        #expect(throws: DecodeError(field: "serial", message: "empty")) { try RecordDecoder(layout: layout).decode(block) }
        #expect(throws: DecodeError.self) { try RecordDecoder(layout: layout).decode(Array(block.prefix(10))) }
    }

    @Test func scaleOffsetAndStringOrder() throws {
        let text = """
            profiles:
              scaled:
                mode: mailbox
                sequence: 0
                string_byte_order: low_first
                record:
                  address: 1
                  length: 12
                  fields:
                    serial: {register: 0, type: string, length: 4}
                    result: {register: 4, type: bits, bit: 3, enum: {0: pass, 1: fail}}
                    cycle_ms: {register: 5, type: u16, scale: 10}
                  measurements:
                    count: {register: 6, type: u16}
                    first: 7
                    stride: 5
                    max: 1
                    fields:
                      name: {register: 0, type: u16, enum: {1: TEMP}}
                      value: {register: 1, type: i16, scale: 0.1, offset: -40}
                      unit: {register: 2, type: string, length: 1, string_byte_order: high_first}
            """
        let layout = try #require(try ConfigLoader.loadProfiles(text: text, file: "t.yaml")["scaled"]?.record)
        var block = [UInt16](repeating: 0, count: 12)
        block[0] = 0x4E53    // "SN" low byte first
        block[1] = 0x0037    // "7"
        block[4] = 0b1000    // bit 3 set: fail
        block[5] = 123       // ×10 = 1230 ms
        block[6] = 1
        block[7] = 1
        block[8] = UInt16(bitPattern: 655)   // 65.5 - 40 = 25.5
        block[9] = 0x4300    // "C"
        let record = try RecordDecoder(layout: layout).decode(block)
        #expect(record.serial == "SN7")
        #expect(record.result == .fail)
        #expect(record.cycleMilliseconds == 1230)
        #expect(record.measurements == [MeasurementRecord(name: "TEMP", value: 655 * 0.1 - 40, unit: "C")])
        #expect(try RecordDecoder(layout: layout, stringByteOrder: .highFirst).decode(block).serial == "NS")
    }

    @Test("random register blocks and random layouts never crash the decoder")
    func neverCrashes() throws {
        var random = SystemRandomNumberGenerator()
        let types: [FieldType] = [.u16, .i16, .u32, .i32, .u64, .i64, .f32, .f64, .string(length: 3), .bits(first: 2, count: 5)]
        var decoded = 0, refused = 0
        var reasons: [String: Int] = [:]
        for _ in 0..<3000 {
            let length = Int.random(in: 8...64, using: &random)
            // A plausible layout (integers unscaled, a string serial) decodes more often than a wild one.
            let plausible = Int.random(in: 0..<4, using: &random) > 0
            func field(_ type: FieldType? = nil, enumMap: [Int: String]? = nil, within limit: Int) -> FieldSpec {
                let chosen = type ?? types.randomElement(using: &random)!
                return FieldSpec(register: Int.random(in: 0..<max(1, limit), using: &random), type: chosen,
                                 wordOrder: WordOrder.allCases.randomElement(using: &random)!,
                                 stringByteOrder: StringByteOrder.allCases.randomElement(using: &random)!,
                                 scale: plausible || Bool.random(using: &random) ? 1 : Double.random(in: -5...5, using: &random),
                                 offset: plausible || Bool.random(using: &random) ? 0 : Double.random(in: -100...100, using: &random),
                                 enumMap: enumMap, line: nil)
            }
            let stride = Int.random(in: 1...6, using: &random)
            let result = field(.u16, enumMap: [0: "pass", 1: "fail", 2: "maybe"], within: length)
            let defectCount = field(.u16, within: length), measurementCount = field(.u16, within: length)
            var fields: [RecordField: FieldSpec] = [.serial: field(plausible ? .u32 : nil, within: length), .result: result]
            if Bool.random(using: &random) { fields[.position] = field(plausible ? .u16 : nil, within: length) }
            if Bool.random(using: &random) { fields[.deviceTime] = field(plausible ? .u32 : nil, within: length) }
            let layout = RecordLayout(
                address: 0, length: length,
                fields: fields,
                defects: RepeatedGroup(count: defectCount, first: Int.random(in: 0..<length, using: &random),
                                       stride: stride, maxSlots: Int.random(in: 1...8, using: &random),
                                       fields: ["code": field(within: stride), "verdict": field(.u16, enumMap: [0: "real", 1: "false_call"], within: stride)]),
                measurements: RepeatedGroup(count: measurementCount, first: 0, stride: stride, maxSlots: 3,
                                            fields: ["name": field(.string(length: 1), within: stride), "value": field(within: stride)]),
                defectCategories: [:])
            // Plausible layouts get a block of their length with a plausible result and group counts.
            var block = (0..<(plausible ? length : Int.random(in: 0...80, using: &random))).map { _ in UInt16.random(in: 0...UInt16.max, using: &random) }
            if plausible {
                for (spec, values) in [(result, 0...1), (defectCount, 0...8), (measurementCount, 0...3)] where spec.register < block.count {
                    block[spec.register] = UInt16(Int.random(in: values, using: &random))
                }
            }
            do {
                let record = try RecordDecoder(layout: layout).decode(block)
                decoded += 1
                // What a decoded record can hold under this layout: the enum's results, the group's slots.
                #expect([.pass, .fail].contains(record.result), "\(record)")
                #expect((record.defects?.count ?? 0) <= (layout.defects?.maxSlots ?? 0))
                #expect((record.measurements?.count ?? 0) <= 3)
                #expect(record.defects?.allSatisfy { ["real", "false_call"].contains($0.verdict.rawValue) } ?? true)
            } catch {
                refused += 1
                reasons["\(error)".split(separator: ":").first.map(String.init) ?? "", default: 0] += 1
            }
        }
        #expect(decoded > 100 && refused > 100, "both paths exercised: \(decoded) decoded, \(refused) refused: \(reasons)")
    }
}
