import Foundation
import SMTQAcquisition
import SMTQConfig
import SMTQCore
@testable import SMTQModbus
@testable import SMTQSimulator
import SMTQTestSupport
import Testing

/// An independent oracle for the reference profiles of config/profiles/.
///
/// The simulator and the collector share `RecordEncoder`, `RecordDecoder` and `RegisterCodec`, so a bug in
/// both would pass every round trip and every integration test. Here the register blocks are written BY HAND
/// from the layouts the YAML files document (addresses, types, word orders, string byte order, enum maps,
/// repeated groups) and checked in both directions:
///
/// 1. the collector's decoder, with the layout the real config loader reads from the file, decodes each
///    hand-written block to exactly the expected record;
/// 2. the simulator writes exactly the hand-written registers for the same record (through `RecordEncoder`,
///    and through a `DeviceSimulator` whose holding/input registers are read back).
///
/// Only registers the profile defines for the record are compared on the encoding side (`definedRanges`):
/// slot registers no field covers and the slots beyond the group's count may hold anything.
///
/// None of the three reference profiles has scale/offset, f64, u64, i16/i32 or bit fields; they are not
/// covered here.
struct ReferenceOracleTests {
    // MARK: Loading the real profile files

    static func profile(_ file: String, _ name: String) throws -> DeviceProfile {
        let url = TestEnvironment.packageRoot.appendingPathComponent("config/profiles/\(file)")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try #require(try ConfigLoader.loadProfiles(text: text, file: url.path)[name])
    }

    // MARK: aoi-reference (holding registers, ABCD, strings high byte first)
    //
    // Record block: address 2, length 121 (absolute registers 2…122). Fields, relative to the block:
    //   serial 0…9 string(10) · program 10…17 string(8) · result 18 u16 {0 pass, 1 fail} · position 19 u16 ·
    //   cycle_ms 20…21 u32 · device_time 22…23 u32 (Unix seconds) · defect count 24 u16.
    // Defect slot i at 25 + 16·i (max 6): refdes +0…+3 string(4) · part +4…+11 string(8) ·
    //   code +12 u16 {1 BRIDGE … 10 SOLDER_BALL} · verdict +13 u16 {0 real, 1 false_call}; +14, +15 undefined.

    /// AOI record 1: a failed board with two defect calls, one real and one false call.
    static let aoiRecord1 = DecodedRecord(
        serial: "SN000123", program: "PCB-A", result: .fail, position: 2, cycleMilliseconds: 71_234,
        deviceTime: Date(timeIntervalSince1970: 1_795_500_000),
        defects: [
            DefectRecord(refdes: "C12", part: "CAP-0402", code: "BRIDGE", category: "bridge", verdict: .real),
            DefectRecord(refdes: "U7", part: "IC-QFN32", code: "SOLDER_BALL", category: "solder_ball", verdict: .falseCall),
        ])

    static let aoiBlock1: [UInt16] = Self.padded([
        // serial "SN000123": string(10) = 20 bytes, two characters per register, high byte first, NUL-padded
        0x534E, //  0 serial 'S' 'N'   (0x53 = 'S' high byte, 0x4E = 'N' low byte)
        0x3030, //  1 serial '0' '0'
        0x3031, //  2 serial '0' '1'
        0x3233, //  3 serial '2' '3'
        0x0000, //  4 serial NUL NUL (padding)
        0x0000, //  5 serial padding
        0x0000, //  6 serial padding
        0x0000, //  7 serial padding
        0x0000, //  8 serial padding
        0x0000, //  9 serial padding
        // program "PCB-A": string(8)
        0x5043, // 10 program 'P' 'C'
        0x422D, // 11 program 'B' '-'
        0x4100, // 12 program 'A' NUL (odd length: the last character in the high byte)
        0x0000, // 13 program padding
        0x0000, // 14 program padding
        0x0000, // 15 program padding
        0x0000, // 16 program padding
        0x0000, // 17 program padding
        0x0001, // 18 result: fail = enum 1
        0x0002, // 19 position 2 (u16)
        0x0001, // 20 cycle_ms 71_234 = 0x0001_1642, u32 ABCD: high word first
        0x1642, // 21 cycle_ms low word
        0x6B05, // 22 device_time 1_795_500_000 (2026-11-24T06:00:00Z) = 0x6B05_27E0, high word first
        0x27E0, // 23 device_time low word
        0x0002, // 24 defect count 2
        // defect slot 0 at 25 + 16·0 = 25
        0x4331, // 25 (+0)  refdes 'C' '1'
        0x3200, // 26 (+1)  refdes '2' NUL
        0x0000, // 27 (+2)  refdes padding
        0x0000, // 28 (+3)  refdes padding
        0x4341, // 29 (+4)  part 'C' 'A'
        0x502D, // 30 (+5)  part 'P' '-'
        0x3034, // 31 (+6)  part '0' '4'
        0x3032, // 32 (+7)  part '0' '2'
        0x0000, // 33 (+8)  part padding
        0x0000, // 34 (+9)  part padding
        0x0000, // 35 (+10) part padding
        0x0000, // 36 (+11) part padding
        0x0001, // 37 (+12) code BRIDGE = enum 1
        0x0000, // 38 (+13) verdict real = enum 0
        0x0000, // 39 (+14) not defined by the profile
        0x0000, // 40 (+15) not defined by the profile
        // defect slot 1 at 25 + 16·1 = 41
        0x5537, // 41 (+0)  refdes 'U' '7'
        0x0000, // 42 (+1)  refdes padding
        0x0000, // 43 (+2)  refdes padding
        0x0000, // 44 (+3)  refdes padding
        0x4943, // 45 (+4)  part 'I' 'C'
        0x2D51, // 46 (+5)  part '-' 'Q'
        0x464E, // 47 (+6)  part 'F' 'N'
        0x3332, // 48 (+7)  part '3' '2'
        0x0000, // 49 (+8)  part padding
        0x0000, // 50 (+9)  part padding
        0x0000, // 51 (+10) part padding
        0x0000, // 52 (+11) part padding
        0x000A, // 53 (+12) code SOLDER_BALL = enum 10
        0x0001, // 54 (+13) verdict false_call = enum 1
        // 55…120: slot 1's +14/+15 and slots 2…5, unused (count is 2): zeros here, not compared
    ])

    /// The registers of record 1 the profile defines: the unit fields and the count, and slots 0 and 1
    /// without their undefined +14/+15.
    static let aoiDefined1: [Range<Int>] = [0..<25, 25..<39, 41..<55]

    /// AOI record 2: a passed board with one false call; a serial that fills all 10 registers.
    static let aoiRecord2 = DecodedRecord(
        serial: "LOT7-PANEL03-BOARD09", program: "PCB-B", result: .pass, position: 4, cycleMilliseconds: 900,
        deviceTime: Date(timeIntervalSince1970: 1_795_500_061),
        defects: [DefectRecord(refdes: "R105", part: "RES-0402", code: "MISSING", category: "missing", verdict: .falseCall)])

    static let aoiBlock2: [UInt16] = Self.padded([
        // serial "LOT7-PANEL03-BOARD09": exactly 20 characters, no padding
        0x4C4F, //  0 serial 'L' 'O'
        0x5437, //  1 serial 'T' '7'
        0x2D50, //  2 serial '-' 'P'
        0x414E, //  3 serial 'A' 'N'
        0x454C, //  4 serial 'E' 'L'
        0x3033, //  5 serial '0' '3'
        0x2D42, //  6 serial '-' 'B'
        0x4F41, //  7 serial 'O' 'A'
        0x5244, //  8 serial 'R' 'D'
        0x3039, //  9 serial '0' '9'
        0x5043, // 10 program 'P' 'C'
        0x422D, // 11 program 'B' '-'
        0x4200, // 12 program 'B' NUL
        0x0000, // 13 program padding
        0x0000, // 14 program padding
        0x0000, // 15 program padding
        0x0000, // 16 program padding
        0x0000, // 17 program padding
        0x0000, // 18 result: pass = enum 0
        0x0004, // 19 position 4
        0x0000, // 20 cycle_ms 900 = 0x0000_0384, high word first
        0x0384, // 21 cycle_ms low word
        0x6B05, // 22 device_time 1_795_500_061 (2026-11-24T06:01:01Z) = 0x6B05_281D, high word first
        0x281D, // 23 device_time low word
        0x0001, // 24 defect count 1
        // defect slot 0 at 25
        0x5231, // 25 (+0)  refdes 'R' '1'
        0x3035, // 26 (+1)  refdes '0' '5'
        0x0000, // 27 (+2)  refdes padding
        0x0000, // 28 (+3)  refdes padding
        0x5245, // 29 (+4)  part 'R' 'E'
        0x532D, // 30 (+5)  part 'S' '-'
        0x3034, // 31 (+6)  part '0' '4'
        0x3032, // 32 (+7)  part '0' '2'
        0x0000, // 33 (+8)  part padding
        0x0000, // 34 (+9)  part padding
        0x0000, // 35 (+10) part padding
        0x0000, // 36 (+11) part padding
        0x0004, // 37 (+12) code MISSING = enum 4
        0x0001, // 38 (+13) verdict false_call = enum 1
        // 39…120: unused, not compared
    ])

    static let aoiDefined2: [Range<Int>] = [0..<25, 25..<39]

    // MARK: tester-reference (holding registers, CDAB, strings high byte first)
    //
    // Record block: address 2, length 121. Unit fields as the AOI's, but every 32-bit value (u32 and f32) is
    // CDAB: the low word first. Measurement count 24 u16; slot i at 25 + 8·i (max 12):
    //   name +0…+3 string(4) · value +4…+5 f32 · unit +6…+7 string(2).

    /// Tester record: a failed board with three measurements (one f32 that is not exact in binary, one
    /// exact, one negative).
    static let testerRecord = DecodedRecord(
        serial: "ICT-0042", program: "PCB-B", result: .fail, position: 3, cycleMilliseconds: 70_000,
        deviceTime: Date(timeIntervalSince1970: 1_767_225_661),
        measurements: [
            // 3.301 has no exact f32: the nearest is 0x4053_4396 = 3.3010001182556152 (what the device sends)
            MeasurementRecord(name: "VCC", value: 3.3010001182556152, unit: "V"),
            MeasurementRecord(name: "ICC", value: 50.25, unit: "mA"),
            MeasurementRecord(name: "TEMP", value: -12.5, unit: "degC"),
        ])

    static let testerBlock: [UInt16] = Self.padded([
        0x4943, //  0 serial 'I' 'C'
        0x542D, //  1 serial 'T' '-'
        0x3030, //  2 serial '0' '0'
        0x3432, //  3 serial '4' '2'
        0x0000, //  4 serial padding
        0x0000, //  5 serial padding
        0x0000, //  6 serial padding
        0x0000, //  7 serial padding
        0x0000, //  8 serial padding
        0x0000, //  9 serial padding
        0x5043, // 10 program 'P' 'C'
        0x422D, // 11 program 'B' '-'
        0x4200, // 12 program 'B' NUL
        0x0000, // 13 program padding
        0x0000, // 14 program padding
        0x0000, // 15 program padding
        0x0000, // 16 program padding
        0x0000, // 17 program padding
        0x0001, // 18 result: fail = enum 1
        0x0003, // 19 position 3
        0x1170, // 20 cycle_ms 70_000 = 0x0001_1170, u32 CDAB: LOW word first
        0x0001, // 21 cycle_ms high word
        0xB93D, // 22 device_time 1_767_225_661 (2026-01-01T00:01:01Z) = 0x6955_B93D, low word first
        0x6955, // 23 device_time high word
        0x0003, // 24 measurement count 3
        // measurement slot 0 at 25 + 8·0 = 25
        0x5643, // 25 (+0) name 'V' 'C'
        0x4300, // 26 (+1) name 'C' NUL
        0x0000, // 27 (+2) name padding
        0x0000, // 28 (+3) name padding
        0x4396, // 29 (+4) value 3.301 → f32 0x4053_4396 (sign 0, exponent 0x80, mantissa 0x534396), low word first
        0x4053, // 30 (+5) value high word
        0x5600, // 31 (+6) unit 'V' NUL
        0x0000, // 32 (+7) unit padding
        // measurement slot 1 at 33
        0x4943, // 33 (+0) name 'I' 'C'
        0x4300, // 34 (+1) name 'C' NUL
        0x0000, // 35 (+2) name padding
        0x0000, // 36 (+3) name padding
        0x0000, // 37 (+4) value 50.25 = 1.5703125·2^5 → f32 0x4249_0000, low word first
        0x4249, // 38 (+5) value high word
        0x6D41, // 39 (+6) unit 'm' 'A'
        0x0000, // 40 (+7) unit padding
        // measurement slot 2 at 41
        0x5445, // 41 (+0) name 'T' 'E'
        0x4D50, // 42 (+1) name 'M' 'P'
        0x0000, // 43 (+2) name padding
        0x0000, // 44 (+3) name padding
        0x0000, // 45 (+4) value -12.5 = -1.5625·2^3 → f32 0xC148_0000 (sign bit set), low word first
        0xC148, // 46 (+5) value high word
        0x6465, // 47 (+6) unit 'd' 'e'   ("degC" fills both unit registers: no NUL)
        0x6743, // 48 (+7) unit 'g' 'C'
        // 49…120: slots 3…11, unused (count is 3): not compared
    ])

    /// A measurement slot is fully defined (4 + 2 + 2 = stride 8).
    static let testerDefined: [Range<Int>] = [0..<25, 25..<49]

    // MARK: aoi-counters (INPUT registers, CDAB)
    //
    // u32 counters, low word first: inspected 0…1, passed 2…3, failed 4…5, false_calls 6…7.

    static let counterValues: [(name: String, value: UInt64)] = [
        ("inspected", 123_456), ("passed", 120_000), ("failed", 3_456), ("false_calls", 4_000_000_000),
    ]

    static let counterBlock: [UInt16] = [
        0xE240, // input 0: inspected 123_456 = 0x0001_E240, u32 CDAB: low word first
        0x0001, // input 1: inspected high word
        0xD4C0, // input 2: passed 120_000 = 0x0001_D4C0, low word
        0x0001, // input 3: passed high word
        0x0D80, // input 4: failed 3_456 = 0x0000_0D80, low word
        0x0000, // input 5: failed high word
        0x2800, // input 6: false_calls 4_000_000_000 = 0xEE6B_2800, low word
        0xEE6B, // input 7: false_calls high word (top bit set: unsigned, not a negative i32)
    ]

    // MARK: Helpers

    /// `words` followed by zeros up to the record block's 121 registers.
    static func padded(_ words: [UInt16], length: Int = 121) -> [UInt16] {
        words + [UInt16](repeating: 0, count: max(0, length - words.count))
    }

    static func hex(_ word: UInt16) -> String {
        let digits = String(word, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Where `actual` differs from `expected` in `ranges`, as "label[index] = got, expected want".
    static func differences(_ actual: [UInt16], _ expected: [UInt16], in ranges: [Range<Int>], label: String) -> [String] {
        var found: [String] = []
        for range in ranges {
            for index in range {
                let want = index < expected.count ? hex(expected[index]) : "nothing"
                let got = index < actual.count ? hex(actual[index]) : "missing"
                if got != want { found.append("\(label)[\(index)] = \(got), expected \(want)") }
            }
        }
        return found
    }

    /// Holding registers of a simulated device's mapping, as a Modbus client would read them.
    static func holding(_ device: DeviceSimulator, _ range: Range<Int>) -> [UInt16] {
        range.map { device.mapping.mapping.pointee.tab_registers[$0] }
    }

    /// Input registers of a simulated device's mapping.
    static func input(_ device: DeviceSimulator, _ range: Range<Int>) -> [UInt16] {
        range.map { device.mapping.mapping.pointee.tab_input_registers[$0] }
    }

    /// A unit for the simulator to queue: the record's fields (line, station, device and time are replaced by
    /// the simulated device; its time becomes `now` rounded down to the second).
    static func unit(_ record: DecodedRecord) -> UnitRecord {
        UnitRecord(line: "L1", station: "ST-1", device: "sim", program: record.program ?? "", serial: record.serial,
                   position: record.position, result: record.result, time: Date(timeIntervalSince1970: 0),
                   cycleMilliseconds: record.cycleMilliseconds, defects: record.defects, measurements: record.measurements)
    }

    /// Checks that the loader read a FIFO reference profile's record block as the YAML documents it.
    static func expectDocumentedBlock(_ profile: DeviceProfile, wordOrder: WordOrder) throws -> RecordLayout {
        #expect(profile.mode == .fifo && profile.table == .holding && profile.addressing == .zeroBased)
        #expect(profile.sequenceAddress == 0 && profile.pendingAddress == 1 && profile.ackAddress == 200)
        let layout = try #require(profile.record)
        #expect(layout.address == 2 && layout.length == 121)
        #expect(layout.fields[.serial]?.registers == 0..<10 && layout.fields[.serial]?.stringByteOrder == StringByteOrder.highFirst)
        #expect(layout.fields[.program]?.registers == 10..<18)
        #expect(layout.fields[.result]?.register == 18 && layout.fields[.result]?.enumMap == [0: "pass", 1: "fail"])
        #expect(layout.fields[.position]?.register == 19)
        #expect(layout.fields[.cycleMilliseconds]?.registers == 20..<22 && layout.fields[.cycleMilliseconds]?.wordOrder == wordOrder)
        #expect(layout.fields[.deviceTime]?.registers == 22..<24 && layout.fields[.deviceTime]?.wordOrder == wordOrder)
        return layout
    }

    // MARK: 1. The collector decodes the hand-written blocks

    @Test("aoi-reference: the decoder reads the hand-written blocks as the profile documents them")
    func aoiDecodes() throws {
        let layout = try Self.expectDocumentedBlock(try Self.profile("aoi-reference.yaml", "aoi-reference"), wordOrder: .abcd)
        let group = try #require(layout.defects)
        #expect(group.count.register == 24 && group.first == 25 && group.stride == 16 && group.maxSlots == 6)
        #expect(group.fields["code"]?.register == 12 && group.fields["verdict"]?.register == 13)
        #expect(Self.aoiBlock1.count == 121 && Self.aoiBlock2.count == 121)

        let decoder = RecordDecoder(layout: layout)
        #expect(try decoder.decode(Self.aoiBlock1) == Self.aoiRecord1)
        #expect(try decoder.decode(Self.aoiBlock2) == Self.aoiRecord2)
    }

    @Test("tester-reference: the decoder reads the hand-written block (u32 and f32 low word first)")
    func testerDecodes() throws {
        let layout = try Self.expectDocumentedBlock(try Self.profile("tester-reference.yaml", "tester-reference"), wordOrder: .cdab)
        let group = try #require(layout.measurements)
        #expect(group.count.register == 24 && group.first == 25 && group.stride == 8 && group.maxSlots == 12)
        #expect(group.fields["value"]?.registers == 4..<6 && group.fields["value"]?.type == FieldType.f32
                && group.fields["value"]?.wordOrder == WordOrder.cdab)
        #expect(Self.testerBlock.count == 121)
        // The hand computation of the f32 patterns, checked by Swift's own Float (not by the codec).
        #expect(Float(3.301).bitPattern == 0x4053_4396 && Double(Float(bitPattern: 0x4053_4396)) == 3.3010001182556152)
        #expect(Float(50.25).bitPattern == 0x4249_0000 && Float(-12.5).bitPattern == 0xC148_0000)

        #expect(try RecordDecoder(layout: layout).decode(Self.testerBlock) == Self.testerRecord)
    }

    @Test("aoi-counters: the collector's counter decoding reads the hand-written input registers")
    func countersDecode() throws {
        let profile = try Self.profile("aoi-counters.yaml", "aoi-counters")
        #expect(profile.mode == .counters && profile.record == nil)
        #expect(profile.counters.map { $0.name } == Self.counterValues.map { $0.name })
        // As DevicePoller.sample reads them: one image per table, each counter's registers out of it, then
        // RegisterCodec.integer with the counter's type and word order, as an unsigned value.
        var image = RegisterImage()
        image.store(Self.counterBlock, at: 0)
        for (index, expected) in Self.counterValues.enumerated() {
            let counter = try #require(profile.counters.first { $0.name == expected.name })
            #expect(counter.table == .input, "\(counter.name) is read from the input registers")
            #expect(counter.field.type == .u32 && counter.field.wordOrder == .cdab)
            #expect(counter.field.registers == (2 * index)..<(2 * index + 2))
            let words = try #require(image[counter.field.registers])
            let raw = try #require(RegisterCodec.integer(words[...], counter.field.type, counter.field.wordOrder))
            #expect(UInt64(bitPattern: raw) == expected.value, "\(counter.name)")
        }
    }

    // MARK: 2. The simulator writes the hand-written blocks

    @Test("aoi-reference: the simulator's encoder writes the hand-written registers")
    func aoiEncodes() throws {
        let layout = try #require(try Self.profile("aoi-reference.yaml", "aoi-reference").record)
        let encoder = RecordEncoder(layout: layout)
        let block1 = encoder.encode(Self.aoiRecord1), block2 = encoder.encode(Self.aoiRecord2)
        #expect(block1.count == 121 && block2.count == 121)
        let wrong = Self.differences(block1, Self.aoiBlock1, in: Self.aoiDefined1, label: "record 1")
            + Self.differences(block2, Self.aoiBlock2, in: Self.aoiDefined2, label: "record 2")
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "; "))")
    }

    @Test("tester-reference: the simulator's encoder writes the hand-written registers")
    func testerEncodes() throws {
        let layout = try #require(try Self.profile("tester-reference.yaml", "tester-reference").record)
        // The value as the simulator has it before the f32 rounding (3.301, not 3.3010001182556152): the same
        // f32 on the wire.
        var record = Self.testerRecord
        record.measurements?[0].value = 3.301
        let block = RecordEncoder(layout: layout).encode(record)
        #expect(block.count == 121)
        let wrong = Self.differences(block, Self.testerBlock, in: Self.testerDefined, label: "tester record")
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "; "))")
    }

    @Test("aoi-reference: a simulated AOI serves SEQ, PENDING and the hand-written head record; ACK pops it")
    func aoiSimulatorServes() throws {
        let profile = try Self.profile("aoi-reference.yaml", "aoi-reference")
        var options = SimulatorOptions(profile: profile)
        options.kind = .aoi
        options.mode = .fifo
        options.defectRate = 0
        let device = try #require(DeviceSimulator(unit: 1, options: options))
        // The device time is the production time rounded down to the second.
        _ = device.produce(now: Date(timeIntervalSince1970: 1_795_500_000.75), injected: Self.unit(Self.aoiRecord1))
        _ = device.produce(now: Date(timeIntervalSince1970: 1_795_500_061.9), injected: Self.unit(Self.aoiRecord2))

        // Registers 0–122 as the collector reads them in one request: SEQ, PENDING, the head record.
        var served = Self.holding(device, 0..<123)
        #expect(served[0] == 1, "SEQ of the head record (the first record's SEQ is 1 by default)")
        #expect(served[1] == 2, "two records queued")
        var wrong = Self.differences(Array(served[2..<123]), Self.aoiBlock1, in: Self.aoiDefined1, label: "head record 1")
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "; "))")
        let layout = try #require(profile.record)
        #expect(try RecordDecoder(layout: layout).decode(Array(served[2..<123])) == Self.aoiRecord1, "the collector reads it back")

        // Writing SEQ 1 to ACK (register 200, function 6) pops the head; record 2 is served next.
        device.written(ServerRequest(unit: 1, function: 6, address: 200, count: 1, writtenValues: [1]))
        served = Self.holding(device, 0..<123)
        #expect(served[0] == 2, "SEQ of the new head")
        #expect(served[1] == 1, "one record queued")
        wrong = Self.differences(Array(served[2..<123]), Self.aoiBlock2, in: Self.aoiDefined2, label: "head record 2")
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "; "))")
    }

    @Test("tester-reference: a simulated tester serves the hand-written head record")
    func testerSimulatorServes() throws {
        let profile = try Self.profile("tester-reference.yaml", "tester-reference")
        var options = SimulatorOptions(profile: profile)
        options.kind = .tester
        options.mode = .fifo
        options.defectRate = 0
        let device = try #require(DeviceSimulator(unit: 1, options: options))
        var unit = Self.unit(Self.testerRecord)
        unit.measurements?[0].value = 3.301
        _ = device.produce(now: Date(timeIntervalSince1970: 1_767_225_661.2), injected: unit)

        let served = Self.holding(device, 0..<123)
        #expect(served[0] == 1 && served[1] == 1, "SEQ 1, one record queued")
        let wrong = Self.differences(Array(served[2..<123]), Self.testerBlock, in: Self.testerDefined, label: "head record")
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "; "))")
    }

    @Test("aoi-counters: the simulator writes counters as the hand-written input registers")
    func countersSimulator() throws {
        let profile = try Self.profile("aoi-counters.yaml", "aoi-counters")
        // The large values: through the call DeviceSimulator.refreshRegisters makes for each counter (its
        // counters only grow one board at a time, so 4·10⁹ cannot be reached by producing).
        for (index, expected) in Self.counterValues.enumerated() {
            let counter = try #require(profile.counters.first { $0.name == expected.name })
            let words = RegisterCodec.encode(integer: Int64(bitPattern: expected.value), counter.field.type, counter.field.wordOrder)
            #expect(words == Array(Self.counterBlock[(2 * index)..<(2 * index + 2)]), "\(counter.name)")
        }

        // A simulated counters-only AOI after three boards: a pass without calls, a fail with one real call and
        // one false call, a pass with two false calls → inspected 3, passed 2, failed 1, false_calls 3.
        var options = SimulatorOptions(profile: profile)
        options.kind = .aoi
        options.mode = .counters
        options.defectRate = 0
        let device = try #require(DeviceSimulator(unit: 1, options: options))
        let boards = [
            DecodedRecord(serial: "B1", program: "PCB-A", result: .pass, defects: []),
            DecodedRecord(serial: "B2", program: "PCB-A", result: .fail, defects: [
                DefectRecord(refdes: "C1", code: "BRIDGE", verdict: .real),
                DefectRecord(refdes: "C2", code: "OFFSET", verdict: .falseCall),
            ]),
            DecodedRecord(serial: "B3", program: "PCB-A", result: .pass, defects: [
                DefectRecord(refdes: "R1", code: "MISSING", verdict: .falseCall),
                DefectRecord(refdes: "R2", code: "MISSING", verdict: .falseCall),
            ]),
        ]
        for (index, board) in boards.enumerated() {
            _ = device.produce(now: Date(timeIntervalSince1970: 1_795_500_000 + Double(index)), injected: Self.unit(board))
        }
        let served = Self.input(device, 0..<8)
        #expect(served == [
            0x0003, 0x0000, // inspected 3: low word first
            0x0002, 0x0000, // passed 2
            0x0001, 0x0000, // failed 1
            0x0003, 0x0000, // false_calls 3
        ], "served \(served.map(Self.hex))")
    }
}
