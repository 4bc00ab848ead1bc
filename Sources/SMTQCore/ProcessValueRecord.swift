import Foundation

/// One sampled process value of a station, not tied to a unit: a reflow zone's temperature, the board
/// temperature, the conveyor speed, the nitrogen ppm. In the interchange file it is a line with
/// `"type":"process_value"`:
///
/// `{"v":1,"type":"process_value","line":"L1","station":"REFLOW-1","device":"oven1","name":"zone3",
///   "time":"2026-11-24T08:00:01Z","value":245.1,"unit":"C","lsl":240,"usl":250}`
public struct ProcessValueRecord: Hashable, Sendable {
    /// The value of `type` that marks a process-value line in the interchange file.
    public static let interchangeType = "process_value"

    public var line: String
    public var station: String
    public var device: String
    public var name: String
    public var time: Date
    public var value: Double
    public var unit: String?
    public var lsl: Double?
    public var usl: Double?

    public init(line: String, station: String, device: String, name: String, time: Date, value: Double,
                unit: String? = nil, lsl: Double? = nil, usl: Double? = nil) {
        self.line = line
        self.station = station
        self.device = device
        self.name = name
        self.time = time
        self.value = value
        self.unit = unit
        self.lsl = lsl
        self.usl = usl
    }

    /// Where the value was sampled.
    public var identity: DeviceIdentity { DeviceIdentity(device: device, line: line, station: station) }
}

extension ProcessValueRecord: Decodable {
    enum CodingKeys: String, CodingKey {
        case schemaVersion = "v"
        case type, line, station, device, name, time, value, unit, lsl, usl
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        _ = try container.decodeSchemaVersion(forKey: .schemaVersion)
        line = try container.decodeNonEmptyString(forKey: .line)
        station = try container.decodeNonEmptyString(forKey: .station)
        device = try container.decodeNonEmptyString(forKey: .device)
        name = try container.decodeNonEmptyString(forKey: .name)
        time = try container.decodeTime(forKey: .time)
        value = try container.decode(Double.self, forKey: .value)
        guard value.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: "value must be a finite number")
        }
        unit = try container.decodeIfPresent(String.self, forKey: .unit)
        lsl = try container.decodeIfPresent(Double.self, forKey: .lsl)
        usl = try container.decodeIfPresent(Double.self, forKey: .usl)
        if let lsl, let usl, lsl >= usl {
            throw DecodingError.dataCorruptedError(forKey: .lsl, in: container, debugDescription: "lsl \(lsl) must be below usl \(usl)")
        }
    }
}

extension InterchangeJSON {
    /// One process-value line of the interchange file (without the newline).
    public static func line(_ record: ProcessValueRecord, version: Int? = nil) -> String {
        var out = "{"
        if let version { out += "\"v\":\(version)," }
        out += "\"type\":\"" + ProcessValueRecord.interchangeType + "\""
        out += ",\"line\":" + string(record.line)
        out += ",\"station\":" + string(record.station)
        out += ",\"device\":" + string(record.device)
        out += ",\"name\":" + string(record.name)
        out += ",\"time\":\"" + RFC3339.string(from: record.time) + "\""
        out += ",\"value\":" + number(record.value)
        if let unit = record.unit { out += ",\"unit\":" + string(unit) }
        if let lsl = record.lsl { out += ",\"lsl\":" + number(lsl) }
        if let usl = record.usl { out += ",\"usl\":" + number(usl) }
        return out + "}"
    }
}
