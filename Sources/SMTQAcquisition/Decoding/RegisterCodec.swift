import SMTQConfig

/// Turns register words into values and back, for every field type and word order. Pure functions.
public enum RegisterCodec {
    /// The bytes of `words` in the value's significance order (most significant first) for `order`.
    static func orderedBytes(_ words: ArraySlice<UInt16>, _ order: WordOrder) -> [UInt8] {
        let sequence: [UInt16] = (order == .abcd || order == .badc) ? Array(words) : words.reversed()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sequence.count * 2)
        for word in sequence {
            let high = UInt8(word >> 8), low = UInt8(word & 0xFF)
            if order == .abcd || order == .cdab {
                bytes.append(high)
                bytes.append(low)
            } else {
                bytes.append(low)
                bytes.append(high)
            }
        }
        return bytes
    }

    /// The inverse of `orderedBytes`: register words for the big-endian `bytes` of a value.
    static func words(fromBigEndian bytes: [UInt8], _ order: WordOrder) -> [UInt16] {
        var words: [UInt16] = []
        for index in stride(from: 0, to: bytes.count, by: 2) {
            let (first, second) = (bytes[index], bytes[index + 1])
            let word = (order == .abcd || order == .cdab)
                ? UInt16(first) << 8 | UInt16(second) : UInt16(second) << 8 | UInt16(first)
            words.append(word)
        }
        return (order == .abcd || order == .badc) ? words : words.reversed()
    }

    static func unsigned(_ words: ArraySlice<UInt16>, _ order: WordOrder) -> UInt64 {
        orderedBytes(words, order).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The raw integer of an integer field (signed types sign-extended), or nil for other types.
    public static func integer(_ words: ArraySlice<UInt16>, _ type: FieldType, _ order: WordOrder) -> Int64? {
        switch type {
        case .u16: return Int64(words.first!)
        case .i16: return Int64(Int16(bitPattern: words.first!))
        case .u32: return Int64(unsigned(words, order))
        case .i32: return Int64(Int32(bitPattern: UInt32(unsigned(words, order))))
        case .u64: return Int64(bitPattern: unsigned(words, order))
        case .i64: return Int64(bitPattern: unsigned(words, order))
        case let .bits(first, count):
            let mask: UInt16 = count == 16 ? 0xFFFF : (1 << UInt16(count)) - 1
            return Int64((words.first! >> UInt16(first)) & mask)
        case .f32, .f64, .string: return nil
        }
    }

    /// A numeric field as a Double before scale and offset (u64 above 2^53 loses precision, as any Double).
    public static func number(_ words: ArraySlice<UInt16>, _ type: FieldType, _ order: WordOrder) -> Double? {
        switch type {
        case .f32: return Double(Float(bitPattern: UInt32(unsigned(words, order))))
        case .f64: return Double(bitPattern: unsigned(words, order))
        case .u64: return Double(unsigned(words, order))
        case .string: return nil
        default: return integer(words, type, order).map(Double.init)
        }
    }

    /// A fixed-length string: two characters per register, trailing NULs and spaces removed; nil when the
    /// bytes are not UTF-8.
    public static func string(_ words: ArraySlice<UInt16>, _ order: StringByteOrder) -> String? {
        var bytes: [UInt8] = []
        for word in words {
            let high = UInt8(word >> 8), low = UInt8(word & 0xFF)
            bytes.append(order == .highFirst ? high : low)
            bytes.append(order == .highFirst ? low : high)
        }
        while let last = bytes.last, last == 0 || last == 32 { bytes.removeLast() }
        if let end = bytes.firstIndex(of: 0) { bytes = Array(bytes[..<end]) }
        return String(validating: bytes, as: UTF8.self)
    }

    // MARK: Encoding (the simulator, and tests)

    /// Registers for an integer value of an integer type (truncated to the type's width).
    public static func encode(integer value: Int64, _ type: FieldType, _ order: WordOrder) -> [UInt16] {
        switch type {
        case .u16, .i16, .bits: return [UInt16(truncatingIfNeeded: value)]
        case .u32, .i32, .f32: return words(fromBigEndian: bigEndian(UInt64(UInt32(truncatingIfNeeded: value)), bytes: 4), order)
        case .u64, .i64, .f64: return words(fromBigEndian: bigEndian(UInt64(bitPattern: value), bytes: 8), order)
        case let .string(length): return Array(repeating: 0, count: length)
        }
    }

    /// Registers for a number of a float type; for an integer type the number rounded (0 when it is not
    /// finite or lies beyond Int64).
    public static func encode(float value: Double, _ type: FieldType, _ order: WordOrder) -> [UInt16] {
        switch type {
        case .f32: return words(fromBigEndian: bigEndian(UInt64(Float(value).bitPattern), bytes: 4), order)
        case .f64: return words(fromBigEndian: bigEndian(value.bitPattern, bytes: 8), order)
        default: return encode(integer: Int64(exactly: value.rounded()) ?? 0, type, order)
        }
    }

    /// Registers for text, NUL-padded (truncated when longer than the field).
    public static func encode(string: String, length: Int, _ order: StringByteOrder) -> [UInt16] {
        var bytes = Array(string.utf8.prefix(length * 2))
        bytes += Array(repeating: 0, count: length * 2 - bytes.count)
        var words: [UInt16] = []
        for index in stride(from: 0, to: bytes.count, by: 2) {
            let first = UInt16(bytes[index]), second = UInt16(bytes[index + 1])
            words.append(order == .highFirst ? first << 8 | second : second << 8 | first)
        }
        return words
    }

    private static func bigEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * (bytes - 1 - $0))) }
    }
}
