import Foundation
import SMTQConfig

extension FieldSpec {
    /// value = raw × scale + offset. For an integer field the result is rounded to the decimals of `scale`
    /// and `offset` (a raw 2421 × 0.1 is 242.1, not 242.10000000000002); a float field is left as computed.
    public func scaled(_ raw: Double) -> Double {
        let value = raw * scale + offset
        guard type.isInteger, scale != 1 || offset != 0, value.isFinite else { return value }
        let decimals = max(Self.decimals(of: scale), Self.decimals(of: offset))
        let factor = pow(10, Double(decimals))
        let rounded = (value * factor).rounded() / factor
        return rounded.isFinite ? rounded : value
    }

    /// The raw value whose `scaled` value is `value` (for encoders and simulators).
    public func unscaled(_ value: Double) -> Double {
        (value - offset) / scale
    }

    /// The decimal places a number written in a profile has (0.1 → 1, 0.025 → 3), at most 12.
    private static func decimals(of number: Double) -> Int {
        var factor = 1.0
        for places in 0...12 {
            let shifted = number * factor
            if abs(shifted - shifted.rounded()) <= 1e-9 * max(1, abs(shifted)) { return places }
            factor *= 10
        }
        return 12
    }
}
