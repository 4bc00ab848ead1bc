import Foundation

/// What `smtq status` and the metrics show about one device.
public struct DeviceStatus: Sendable, Equatable {
    public var device: String
    public var connected = false
    /// When `connected` last changed.
    public var connectedSince: Date?
    public var lastSuccess: Date?
    public var consecutiveErrors = 0
    public var polls = 0
    public var timeouts = 0
    public var exceptions = 0
    public var crcErrors = 0
    public var otherErrors = 0
    public var reconnects = 0
    /// Unit records stored (FIFO and mailbox); undecodable ones count under `badRecords` only.
    public var recordsRead = 0
    /// When the last unit record was stored.
    public var lastRecord: Date?
    /// Counter readings stored.
    public var counterSamples = 0
    /// Process values stored.
    public var processValues = 0
    /// Records read again after they were stored (a lost ACK, a restart) and not stored twice.
    public var duplicates = 0
    /// Mailbox records lost between polls (sum of the gaps).
    public var lostRecords = 0
    /// Mailbox reads that changed between requests and were repeated.
    public var tornReads = 0
    /// Record blocks that could not be decoded (logged and recorded as device events), and process values
    /// that were not numbers.
    public var badRecords = 0
    public var lastError: String?
    /// How long without an answer before a connected device no longer counts as up (a few poll intervals
    /// plus the retries' timeouts).
    public var answerWindow: TimeInterval = 10

    public init(device: String) {
        self.device = device
    }

    /// Up: connected and answered within `answerWindow` (a TCP connection to a device that does not answer,
    /// such as a wrong unit id behind a gateway, is not up).
    public func isAnswering(now: Date) -> Bool {
        guard connected, let lastSuccess else { return false }
        return now.timeIntervalSince(lastSuccess) <= answerWindow
    }
}

/// Exponential reconnect back-off with jitter.
struct Backoff {
    let initial: Duration
    let max: Duration
    let jitter: Double
    private(set) var failures = 0

    init(initial: Duration, max: Duration, jitter: Double) {
        self.initial = initial
        self.max = max
        self.jitter = jitter
    }

    mutating func reset() {
        failures = 0
    }

    /// The delay before the next attempt after one more failure.
    mutating func next() -> Duration {
        failures += 1
        let exponent = Double(min(failures - 1, 30))
        let base = min(max.totalSeconds, initial.totalSeconds * pow(2, exponent))
        let spread = base * jitter * Double.random(in: -1...1)
        return .milliseconds(Int64(((base + spread) * 1000).rounded()))
    }
}
