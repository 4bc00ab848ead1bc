@testable import SMTQAcquisition
import SMTQConfig
import Testing

/// Every type and word order against register values computed by hand.
struct RegisterCodecTests {
    // 0x12345678 in the four orders: ABCD = [0x1234, 0x5678], CDAB = [0x5678, 0x1234],
    // BADC = [0x3412, 0x7856], DCBA = [0x7856, 0x3412].
    static let u32Cases: [(WordOrder, [UInt16])] = [
        (.abcd, [0x1234, 0x5678]), (.cdab, [0x5678, 0x1234]), (.badc, [0x3412, 0x7856]), (.dcba, [0x7856, 0x3412]),
    ]

    @Test(arguments: u32Cases)
    func unsigned32(order: WordOrder, words: [UInt16]) {
        #expect(RegisterCodec.integer(words[...], .u32, order) == 0x1234_5678)
        #expect(RegisterCodec.encode(integer: 0x1234_5678, .u32, order) == words)
    }

    @Test func signed16And32() {
        #expect(RegisterCodec.integer([0xFFFE][...], .i16, .abcd) == -2)
        #expect(RegisterCodec.integer([0x8000][...], .i16, .abcd) == -32768)
        #expect(RegisterCodec.integer([0xFFFE][...], .u16, .abcd) == 65534)
        #expect(RegisterCodec.integer([0xFFFF, 0xFFFD][...], .i32, .abcd) == -3)
        #expect(RegisterCodec.integer([0xFFFD, 0xFFFF][...], .i32, .cdab) == -3)
        #expect(RegisterCodec.integer([0x0080, 0x0000][...], .i32, .badc) == Int64(Int32.min))
        #expect(RegisterCodec.integer([0x0000, 0x0080][...], .i32, .dcba) == Int64(Int32.min))
    }

    // 0x0102030405060708 in four registers.
    static let u64Cases: [(WordOrder, [UInt16])] = [
        (.abcd, [0x0102, 0x0304, 0x0506, 0x0708]), (.cdab, [0x0708, 0x0506, 0x0304, 0x0102]),
        (.badc, [0x0201, 0x0403, 0x0605, 0x0807]), (.dcba, [0x0807, 0x0605, 0x0403, 0x0201]),
    ]

    @Test(arguments: u64Cases)
    func sixtyFourBit(order: WordOrder, words: [UInt16]) {
        #expect(RegisterCodec.integer(words[...], .u64, order) == 0x0102_0304_0506_0708)
        #expect(RegisterCodec.integer(words[...], .i64, order) == 0x0102_0304_0506_0708)
        #expect(RegisterCodec.encode(integer: 0x0102_0304_0506_0708, .u64, order) == words)
    }

    @Test func negative64AndLargeUnsigned() {
        #expect(RegisterCodec.integer([0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF][...], .i64, .abcd) == -1)
        #expect(RegisterCodec.number([0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF][...], .u64, .abcd) == 18_446_744_073_709_551_615.0)
    }

    // 3.3 as f32 is 0x40533333; 1.5 as f64 is 0x3FF8000000000000.
    static let f32Cases: [(WordOrder, [UInt16])] = [
        (.abcd, [0x4053, 0x3333]), (.cdab, [0x3333, 0x4053]), (.badc, [0x5340, 0x3333]), (.dcba, [0x3333, 0x5340]),
    ]

    @Test(arguments: f32Cases)
    func float32(order: WordOrder, words: [UInt16]) {
        #expect(RegisterCodec.number(words[...], .f32, order) == Double(Float(3.3)))
        #expect(RegisterCodec.encode(float: 3.3, .f32, order) == words)
    }

    @Test func float64() {
        #expect(RegisterCodec.number([0x3FF8, 0, 0, 0][...], .f64, .abcd) == 1.5)
        #expect(RegisterCodec.number([0, 0, 0, 0x3FF8][...], .f64, .cdab) == 1.5)
        #expect(RegisterCodec.number([0xF83F, 0, 0, 0][...], .f64, .badc) == 1.5)
        #expect(RegisterCodec.number([0, 0, 0, 0xF83F][...], .f64, .dcba) == 1.5)
        #expect(RegisterCodec.number([0xC004, 0, 0, 0][...], .f64, .abcd) == -2.5)
    }

    @Test func bitFields() {
        let word: UInt16 = 0b1011_0000_0110_0101
        #expect(RegisterCodec.integer([word][...], .bits(first: 0, count: 1), .abcd) == 1)
        #expect(RegisterCodec.integer([word][...], .bits(first: 1, count: 1), .abcd) == 0)
        #expect(RegisterCodec.integer([word][...], .bits(first: 5, count: 2), .abcd) == 0b11)
        #expect(RegisterCodec.integer([word][...], .bits(first: 12, count: 4), .abcd) == 0b1011)
        #expect(RegisterCodec.integer([word][...], .bits(first: 0, count: 16), .abcd) == Int64(word))
    }

    @Test func strings() {
        // "SN01" with the first character in the high byte: 0x534E, 0x3031; low byte first: 0x4E53, 0x3130.
        #expect(RegisterCodec.string([0x534E, 0x3031][...], .highFirst) == "SN01")
        #expect(RegisterCodec.string([0x4E53, 0x3130][...], .lowFirst) == "SN01")
        #expect(RegisterCodec.string([0x4142, 0x4300, 0x0000][...], .highFirst) == "ABC")
        #expect(RegisterCodec.string([0x4142, 0x2020, 0x2000][...], .highFirst) == "AB")
        #expect(RegisterCodec.string([0x4100, 0x4200][...], .highFirst) == "A", "text ends at the first NUL")
        #expect(RegisterCodec.string([0xC328, 0x4100][...], .highFirst) == nil, "invalid UTF-8 is reported, not decoded")
        #expect(RegisterCodec.string([0xC3A9, 0x0000][...], .highFirst) == "é")
        #expect(RegisterCodec.encode(string: "SN01", length: 3, .highFirst) == [0x534E, 0x3031, 0])
        #expect(RegisterCodec.encode(string: "SN01", length: 2, .lowFirst) == [0x4E53, 0x3130])
        #expect(RegisterCodec.encode(string: "TOOLONG", length: 2, .highFirst) == [0x544F, 0x4F4C])
    }
}
