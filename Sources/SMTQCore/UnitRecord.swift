import Foundation

/// One inspected or tested unit (a board or a panel position) at one station: the product's data contract.
///
/// It encodes to and decodes from exactly the record interchange schema of DESIGN.md (one JSON object per
/// line in `smtq export` / `smtq import`): snake_case keys, `time` as RFC 3339 UTC, optional keys absent
/// rather than `null`.
public struct UnitRecord: Hashable, Sendable {
    /// The schema version, `"v"` in JSON; absent in version-1 files written before it existed.
    public var schemaVersion: Int?
    public var line: String
    public var station: String
    public var device: String
    public var program: String
    public var serial: String
    /// Panel position (1-based) when the device reports one.
    public var position: Int?
    public var result: UnitResult
    public var time: Date
    /// Cycle time in milliseconds.
    public var cycleMilliseconds: Int?
    public var defects: [DefectRecord]?
    public var measurements: [MeasurementRecord]?

    public init(
        schemaVersion: Int? = nil, line: String, station: String, device: String, program: String,
        serial: String, position: Int? = nil, result: UnitResult, time: Date, cycleMilliseconds: Int? = nil,
        defects: [DefectRecord]? = nil, measurements: [MeasurementRecord]? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.line = line
        self.station = station
        self.device = device
        self.program = program
        self.serial = serial
        self.position = position
        self.result = result
        self.time = time
        self.cycleMilliseconds = cycleMilliseconds
        self.defects = defects
        self.measurements = measurements
    }

    /// Where the unit was seen.
    public var identity: DeviceIdentity { DeviceIdentity(device: device, line: line, station: station) }
}

/// A unit's verdict at a station, after any operator review.
public enum UnitResult: String, Codable, Hashable, Sendable, CaseIterable {
    case pass
    case fail

    public init(from decoder: any Decoder) throws {
        self = try decodeChoice(from: decoder, what: "result")
    }
}

/// Decodes one of a closed set of words with a message that lists them.
func decodeChoice<T: RawRepresentable & CaseIterable>(from decoder: any Decoder, what: String) throws -> T
where T.RawValue == String {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = T(rawValue: text) else {
        let choices = T.allCases.map(\.rawValue).joined(separator: " or ")
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a \(what) (\(choices))")
    }
    return value
}

extension UnitRecord: Codable {
    enum CodingKeys: String, CodingKey {
        case schemaVersion = "v"
        case line, station, device, program, serial, position, result, time
        case cycleMilliseconds = "cycle_ms"
        case defects, measurements
    }

    /// The schema versions this build reads and writes.
    public static let supportedSchemaVersions = 1...1

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try container.decodeSchemaVersion(forKey: .schemaVersion)
        line = try container.decodeNonEmptyString(forKey: .line)
        station = try container.decodeNonEmptyString(forKey: .station)
        device = try container.decodeNonEmptyString(forKey: .device)
        program = try container.decodeNonEmptyString(forKey: .program)
        serial = try container.decodeNonEmptyString(forKey: .serial)
        position = try container.decodeIfPresent(Int.self, forKey: .position)
        if let position, position < 0 {
            throw DecodingError.dataCorruptedError(
                forKey: .position, in: container, debugDescription: "position must not be negative")
        }
        result = try container.decode(UnitResult.self, forKey: .result)
        time = try container.decodeTime(forKey: .time)
        cycleMilliseconds = try container.decodeIfPresent(Int.self, forKey: .cycleMilliseconds)
        if let cycle = cycleMilliseconds, cycle < 0 {
            throw DecodingError.dataCorruptedError(
                forKey: .cycleMilliseconds, in: container, debugDescription: "cycle_ms must not be negative")
        }
        defects = try container.decodeIfPresent([DefectRecord].self, forKey: .defects)
        measurements = try container.decodeIfPresent([MeasurementRecord].self, forKey: .measurements)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(schemaVersion, forKey: .schemaVersion)
        try container.encode(line, forKey: .line)
        try container.encode(station, forKey: .station)
        try container.encode(device, forKey: .device)
        try container.encode(program, forKey: .program)
        try container.encode(serial, forKey: .serial)
        try container.encodeIfPresent(position, forKey: .position)
        try container.encode(result, forKey: .result)
        try container.encode(RFC3339.string(from: time), forKey: .time)
        try container.encodeIfPresent(cycleMilliseconds, forKey: .cycleMilliseconds)
        try container.encodeIfPresent(defects, forKey: .defects)
        try container.encodeIfPresent(measurements, forKey: .measurements)
    }
}

extension KeyedDecodingContainer {
    /// Decodes the optional `"v"` of an interchange line; a version this build does not read is an error.
    func decodeSchemaVersion(forKey key: Key) throws -> Int? {
        let version = try decodeIfPresent(Int.self, forKey: key)
        if let version, !UnitRecord.supportedSchemaVersions.contains(version) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "schema version \(version) is not supported (this build reads v1)")
        }
        return version
    }

    /// Decodes an RFC 3339 time.
    func decodeTime(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        guard let time = RFC3339.date(from: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "'\(text)' is not an RFC 3339 time such as 2026-11-24T08:00:01Z")
        }
        return time
    }

    /// Decodes a string that must not be empty or only white space.
    func decodeNonEmptyString(forKey key: Key) throws -> String {
        let value = try decode(String.self, forKey: key)
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\(key.stringValue) must not be empty")
        }
        return value
    }

    /// Decodes an optional string that, when present, must not be empty.
    func decodeNonEmptyStringIfPresent(forKey key: Key) throws -> String? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeNonEmptyString(forKey: key)
    }
}
