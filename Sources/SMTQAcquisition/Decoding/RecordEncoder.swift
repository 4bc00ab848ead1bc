import Foundation
import SMTQConfig
import SMTQCore

/// Writes a unit into a record block by a profile's layout: the inverse of `RecordDecoder`, used by the
/// device simulator and by round-trip tests. Values the layout cannot hold (text longer than its field, a
/// code missing from an enum, a number that is not finite or lies beyond Int64 in an integer field) are
/// truncated or written as 0.
public struct RecordEncoder: Sendable {
    public let layout: RecordLayout

    public init(layout: RecordLayout) {
        self.layout = layout
    }

    public func encode(_ record: DecodedRecord) -> [UInt16] {
        var block = [UInt16](repeating: 0, count: layout.length)
        func put(_ spec: FieldSpec?, at base: Int = 0, text: String? = nil, number: Double? = nil) {
            guard let spec else { return }
            var words: [UInt16]
            if case let .string(length) = spec.type {
                words = RegisterCodec.encode(string: text ?? number.map { String($0) } ?? "", length: length, spec.stringByteOrder)
            } else if let map = spec.enumMap {
                let raw = map.first { $0.value == text }?.key ?? 0
                words = RegisterCodec.encode(integer: Int64(raw), spec.type, spec.wordOrder)
            } else {
                let value = spec.unscaled(number ?? text.flatMap(Double.init) ?? 0)
                words = spec.type.isInteger
                    ? RegisterCodec.encode(integer: Int64(exactly: value.rounded()) ?? 0, spec.type, spec.wordOrder)
                    : RegisterCodec.encode(float: value, spec.type, spec.wordOrder)
            }
            if case let .bits(first, _) = spec.type {
                let index = base + spec.register
                guard index < block.count else { return }
                block[index] |= words[0] << UInt16(first)
                return
            }
            for (offset, word) in words.enumerated() where base + spec.register + offset < block.count {
                block[base + spec.register + offset] = word
            }
        }
        put(layout.fields[.serial], text: record.serial)
        put(layout.fields[.program], text: record.program)
        put(layout.fields[.result], text: record.result.rawValue)
        put(layout.fields[.position], number: record.position.map(Double.init))
        put(layout.fields[.cycleMilliseconds], number: record.cycleMilliseconds.map(Double.init))
        put(layout.fields[.deviceTime], number: record.deviceTime.map { $0.timeIntervalSince1970.rounded(.down) })
        if let group = layout.defects {
            let defects = Array((record.defects ?? []).prefix(group.maxSlots))
            put(group.count, number: Double(defects.count))
            for (index, defect) in defects.enumerated() {
                let base = group.first + index * group.stride
                put(group.fields["refdes"], at: base, text: defect.refdes)
                put(group.fields["part"], at: base, text: defect.part)
                put(group.fields["code"], at: base, text: defect.code)
                put(group.fields["category"], at: base, text: defect.category)
                put(group.fields["verdict"], at: base, text: defect.verdict.rawValue)
            }
        }
        if let group = layout.measurements {
            let measurements = Array((record.measurements ?? []).prefix(group.maxSlots))
            put(group.count, number: Double(measurements.count))
            for (index, measurement) in measurements.enumerated() {
                let base = group.first + index * group.stride
                put(group.fields["name"], at: base, text: measurement.name)
                put(group.fields["value"], at: base, number: measurement.value)
                put(group.fields["unit"], at: base, text: measurement.unit)
            }
        }
        return block
    }
}
