import SMTQCore

/// One machine to poll: who it is, how to reach it, how often, and which profile decodes it.
public struct DeviceConfig: Sendable, Hashable {
    public var name: String
    public var line: String
    public var station: String
    public var kind: DeviceKind
    public var profile: String
    /// The program to record when the profile's record has no program field.
    public var program: String?
    public var transport: Transport
    /// The Modbus unit id (slave address), 1…247.
    public var unitID: Int
    public var pollInterval: Duration
    /// Response timeout of one request.
    public var timeout: Duration
    /// Retries of a failed request before the connection is dropped and re-made.
    public var retries: Int
    public var backoff: BackoffConfig
    public var quirks: DeviceQuirks
    /// The line in the config file that defines the device, for later messages.
    public var definedAtLine: Int?

    public var identity: DeviceIdentity { DeviceIdentity(device: name, line: line, station: station) }
}

/// How a device is reached.
public enum Transport: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case rtu(SerialLineSettings)

    public var description: String {
        switch self {
        case let .tcp(host, port): return host.contains(":") ? "tcp [\(host)]:\(port)" : "tcp \(host):\(port)"
        case let .rtu(settings): return "rtu \(settings)"
        }
    }
}

/// A serial port and its line settings.
public struct SerialLineSettings: Sendable, Hashable, CustomStringConvertible {
    public var port: String
    public var baud: Int
    public var parity: Parity
    public var dataBits: Int
    public var stopBits: Int
    public var mode: SerialMode

    /// The settings that must agree between devices sharing the port.
    public var lineSettingsDescription: String {
        "\(baud) \(dataBits)\(parity.letter)\(stopBits) \(mode.rawValue)"
    }

    public var description: String { "\(port) \(lineSettingsDescription)" }

    public init(port: String, baud: Int = 19_200, parity: Parity = .even, dataBits: Int = 8, stopBits: Int = 1,
                mode: SerialMode = .rs232) {
        self.port = port
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
        self.mode = mode
    }
}

public enum Parity: String, Sendable, Hashable, CaseIterable {
    case none, even, odd

    /// The letter libmodbus and the usual `8N1` notation use.
    public var letter: Character {
        switch self {
        case .none: return "N"
        case .even: return "E"
        case .odd: return "O"
        }
    }
}

/// The electrical mode of a serial port. RS-485 mode needs a port whose driver supports it.
public enum SerialMode: String, Sendable, Hashable, CaseIterable {
    case rs232, rs485
}

/// Devices that share one serial port: their requests are serialised on one bus worker.
public struct SerialBusConfig: Sendable, Hashable {
    /// The bus name from `serial_buses`, or the port path for a bus formed by devices alone.
    public var name: String
    public var settings: SerialLineSettings
    /// The silent time between one transaction and the next frame on the bus.
    public var interFrameDelay: Duration
    public var deviceNames: [String]
}

/// Reconnect back-off: exponential from `initial` to `max`, with jitter.
public struct BackoffConfig: Sendable, Hashable {
    public var initial: Duration
    public var max: Duration
    /// Random spread as a fraction of the delay (0.2 = ±20 %).
    public var jitter: Double
}

/// Per-device workarounds for machines that do not follow the book.
public struct DeviceQuirks: Sendable, Hashable {
    /// A pause between two requests to the device.
    public var pauseBetweenRequests: Duration = .zero
    /// Close the connection after every poll and reconnect for the next.
    public var closeAfterPoll = false
    /// Read every field with a request of its own instead of merging reads.
    public var oneRequestPerField = false
    /// The largest run of unused registers a merged read may span.
    public var maxMergeGap = 0
    /// Overrides the profile's limit on registers per request.
    public var maxRegistersPerRequest: Int?
    /// Overrides the profile's byte order for strings.
    public var stringByteOrder: StringByteOrder?
    /// Overrides the profile's register addressing.
    public var addressing: Addressing?

    public init() {}
}
