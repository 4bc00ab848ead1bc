import SMTQCore

/// A validated smtq configuration: what to poll, how to decode it, where to store it, what to chart and
/// when to alert. Built only by `ConfigLoader`, so every value in it has passed validation.
public struct Configuration: Sendable {
    /// The file it was loaded from.
    public var file: String
    /// A name for this host's plant or site, used in central forwarding keys.
    public var site: String?
    public var time: TimeConfig
    public var storage: StorageConfig
    /// Lines with their station routes, in file order.
    public var lines: [LineConfig]
    public var devices: [DeviceConfig]
    /// Serial ports and the devices that share each, derived from the devices (and `serial_buses`).
    public var serialBuses: [SerialBusConfig]
    public var profiles: [String: DeviceProfile]
    public var products: [String: ProductConfig]
    public var spc: SPCConfig
    public var alerts: AlertsConfig
    /// The daemon's HTTP server (`http:`, or the older `metrics:`): metrics, status, the dashboard.
    public var http: HTTPConfig?
    /// The factory's customers (brands) and the products each may see.
    public var customers: [String: CustomerConfig]
    /// `forward.postgres`: the plant's central database this host forwards to (nil: none).
    public var central: CentralConfig? = nil

    /// The settings a query command uses with a bare `--db` and no configuration file: UTC, no shifts,
    /// products or routes (reports then leave DPMO and targets out).
    public static func standalone(databasePath: String) -> Configuration {
        Configuration(file: "(none)", site: nil, time: TimeConfig(), storage: StorageConfig(databasePath: databasePath), lines: [],
                      devices: [], serialBuses: [], profiles: [:], products: [:], spc: SPCConfig(), alerts: AlertsConfig(),
                      http: nil, customers: [:])
    }

    public func device(named name: String) -> DeviceConfig? {
        devices.first { $0.name == name }
    }

    public func line(named name: String) -> LineConfig? {
        lines.first { $0.name == name }
    }
}

/// A production line and the stations its units pass, in process order (the RTY route).
public struct LineConfig: Sendable, Hashable {
    public var name: String
    public var route: [String]

    public init(name: String, route: [String]) {
        self.name = name
        self.route = route
    }
}

/// Where and how records are stored.
public struct StorageConfig: Sendable, Hashable {
    /// The SQLite database file (relative paths are resolved against the config file's folder).
    public var databasePath: String
    /// How long records are kept; `nil` keeps them forever.
    public var retention: Duration?
    public var synchronous: SynchronousMode
    /// A write transaction is committed when it holds this many records …
    public var batchMaxRecords: Int
    /// … or when its first record has waited this long.
    public var batchMaxDelay: Duration
    /// Records held in memory while the disk cannot take them (devices keep the rest in their queues).
    public var memoryBufferRecords: Int

    public init(databasePath: String, retention: Duration? = nil, synchronous: SynchronousMode = .normal,
                batchMaxRecords: Int = 500, batchMaxDelay: Duration = .milliseconds(50),
                memoryBufferRecords: Int = 100_000) {
        self.databasePath = databasePath
        self.retention = retention
        self.synchronous = synchronous
        self.batchMaxRecords = batchMaxRecords
        self.batchMaxDelay = batchMaxDelay
        self.memoryBufferRecords = memoryBufferRecords
    }
}

/// SQLite's `PRAGMA synchronous` level: how much a commit waits for the disk.
public enum SynchronousMode: String, Sendable, Hashable, CaseIterable {
    /// Durable against a process crash, not against power loss (WAL mode's usual choice).
    case normal
    /// Durable against power loss: every commit is synced.
    case full
    /// As full, and the directory is synced too.
    case extra
    /// No syncing at all: only for tests and benchmarks.
    case off
}

/// Time zone and shift definitions for reports.
public struct TimeConfig: Sendable, Hashable {
    /// An IANA time zone name, e.g. `Europe/Berlin`; `UTC` by default.
    public var timeZone: String
    public var shifts: [ShiftConfig]

    public init(timeZone: String = "UTC", shifts: [ShiftConfig] = []) {
        self.timeZone = timeZone
        self.shifts = shifts
    }
}

/// A named shift of `shifts` (the type is SMTQCore's, shared with the pure statistics).
public typealias ShiftConfig = ShiftWindow
