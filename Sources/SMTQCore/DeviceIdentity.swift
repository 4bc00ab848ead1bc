/// Where a record comes from: the device (as named in config) and the line and station it serves.
public struct DeviceIdentity: Hashable, Sendable, Codable, CustomStringConvertible {
    public var device: String
    public var line: String
    public var station: String

    public init(device: String, line: String, station: String) {
        self.device = device
        self.line = line
        self.station = station
    }

    public var stationKey: StationKey { StationKey(line: line, station: station) }
    public var description: String { "\(device) (\(line)/\(station))" }
}

/// A station on a line: the unit of yield and SPC figures.
public struct StationKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var line: String
    public var station: String

    public init(line: String, station: String) {
        self.line = line
        self.station = station
    }

    public var description: String { "\(line)/\(station)" }

    public static func < (lhs: StationKey, rhs: StationKey) -> Bool {
        (lhs.line, lhs.station) < (rhs.line, rhs.station)
    }
}

/// What a device is: an optical inspection machine or a test rig (ICT, FCT).
public enum DeviceKind: String, Codable, Hashable, Sendable, CaseIterable {
    case aoi
    case tester
}
