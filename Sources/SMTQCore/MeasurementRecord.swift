/// One measured value on a unit (a test rig's voltage, current, resistance …) with the spec limits that
/// applied when it was taken.
public struct MeasurementRecord: Codable, Hashable, Sendable {
    public var name: String
    public var value: Double
    /// Unit of measure, e.g. `V`.
    public var unit: String?
    /// Lower spec limit at the time of the measurement.
    public var lsl: Double?
    /// Upper spec limit at the time of the measurement.
    public var usl: Double?

    public init(name: String, value: Double, unit: String? = nil, lsl: Double? = nil, usl: Double? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.lsl = lsl
        self.usl = usl
    }

    enum CodingKeys: String, CodingKey {
        case name, value, unit, lsl, usl
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeNonEmptyString(forKey: .name)
        value = try container.decode(Double.self, forKey: .value)
        unit = try container.decodeIfPresent(String.self, forKey: .unit)
        lsl = try container.decodeIfPresent(Double.self, forKey: .lsl)
        usl = try container.decodeIfPresent(Double.self, forKey: .usl)
        if let lsl, let usl, lsl >= usl {
            throw DecodingError.dataCorruptedError(
                forKey: .lsl, in: container, debugDescription: "lsl \(lsl) must be below usl \(usl)")
        }
    }

    /// Whether the value lies outside a given spec limit; `nil` when the record carries no limits.
    public var isOutOfSpec: Bool? {
        guard lsl != nil || usl != nil else { return nil }
        if let lsl, value < lsl { return true }
        if let usl, value > usl { return true }
        return false
    }
}
