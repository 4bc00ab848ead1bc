import Foundation
import SMTQConfig
import SMTQAcquisition
import SMTQCore
import SMTQStore

/// The daemon's state as `/api/status` serves it and `smtq status` shows it. Keys are snake_case, times
/// RFC 3339 UTC; the schema is in docs/reports.md ("smtq status").
public struct DaemonStatus: Codable, Sendable {
    public struct Device: Codable, Sendable {
        public var name: String
        public var line: String
        public var station: String
        public var endpoint: String
        /// Connected and answering (answered within a few poll intervals).
        public var up: Bool
        /// The connection (TCP or the serial port) is open; a device can be connected and not answer.
        public var connected: Bool
        /// When `connected` last changed (or the first failed attempt).
        public var since: String?
        public var lastRecord: String?
        public var lastSuccess: String?
        public var records: Int
        public var samples: Int
        public var duplicates: Int
        public var lostRecords: Int
        public var tornReads: Int
        public var badRecords: Int
        public var polls: Int
        public var timeouts: Int
        public var exceptions: Int
        public var crcErrors: Int
        public var otherErrors: Int
        public var reconnects: Int
        public var lastError: String?
    }

    public struct Writer: Codable, Sendable {
        public var backlog: Int
        public var lastCommit: String?
        public var failing: Bool
        public var alive: Bool
        public var commits: Int
        public var recordsCommitted: Int
    }

    public struct Chart: Codable, Sendable {
        public var chart: String
        public var points: Int
        public var signals: Int
    }

    public struct Signal: Codable, Sendable {
        public var chart: String
        public var series: String
        public var index: Int
        public var end: String
        public var value: Double?
        public var signals: [String]
    }

    public var version: String
    public var startedAt: String
    public var config: String
    public var database: String
    public var alive: Bool
    public var devicesUp: Int
    public var devices: [Device]
    public var writer: Writer
    public var recordsLastMinute: Int
    public var charts: [Chart]
    public var signalsLastHour: [Signal]
    /// Alerts in the outbox not yet delivered (nil when it could not be read).
    public var alertsPending: Int?
    /// Alerts firing now.
    public var alertsOpen: Int?
    /// Each alert hook: deliveries, failures, and what is waiting for it.
    public var hooks: [Hook]?
    /// Forwarding to the central database (nil: not configured).
    public var forwarding: Forwarding?

    public struct Forwarding: Codable, Sendable, Equatable {
        /// "site/host → postgresql://user@host:port/db".
        public var central: String
        public var connected: Bool
        public var lastError: String?
        /// Units stored here and not yet confirmed centrally, and when the oldest was stored.
        public var lagUnits: Int?
        public var oldestUnforwarded: String?
        public var lagSeconds: Double?
        public var unitsForwarded: Int
        /// Records the central database refused (same key, other content); they stay here.
        public var conflicts: Int
        public var lastBatch: String?
    }

    public struct Hook: Codable, Sendable, Equatable {
        public var name: String
        public var pending: Int
        public var delivered: Int
        public var failedAttempts: Int
        /// Failures in a row; above 0 the hook is failing now.
        public var consecutiveFailures: Int
        public var failingSince: String?
        public var lastError: String?
        public var oldestPending: String?
    }

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}

extension Pipeline {
    /// Every device's state, in configuration order (status, metrics and the dashboard).
    func deviceStates(now: Date = Date()) -> [DaemonStatus.Device] {
        Pipeline.deviceStates(configuration: configuration, statuses: statuses, now: now)
    }

    static func deviceStates(configuration: SMTQConfig.Configuration, statuses: [DeviceStatus], now: Date) -> [DaemonStatus.Device] {
        let endpoints = Dictionary(configuration.devices.map { ($0.name, "\($0.transport) unit \($0.unitID)") },
                                   uniquingKeysWith: { first, _ in first })
        let identities = Dictionary(configuration.devices.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return statuses.map { status -> DaemonStatus.Device in
            DaemonStatus.Device(
                name: status.device, line: identities[status.device]?.line ?? "", station: identities[status.device]?.station ?? "",
                endpoint: endpoints[status.device] ?? "", up: status.isAnswering(now: now), connected: status.connected,
                since: status.connectedSince.map(RFC3339.string), lastRecord: status.lastRecord.map(RFC3339.string),
                lastSuccess: status.lastSuccess.map(RFC3339.string), records: status.recordsRead,
                samples: status.counterSamples + status.processValues, duplicates: status.duplicates,
                lostRecords: status.lostRecords, tornReads: status.tornReads, badRecords: status.badRecords, polls: status.polls,
                timeouts: status.timeouts, exceptions: status.exceptions, crcErrors: status.crcErrors,
                otherErrors: status.otherErrors, reconnects: status.reconnects, lastError: status.lastError)
        }
    }

    /// The status now (cheap: no database access; the alerts pending are the supervisor's last reading).
    func status(alive: Bool) -> DaemonStatus {
        let configuration = self.configuration
        let devices = deviceStates()
        let health = writer.health.snapshot
        let charts = board.charts
        return DaemonStatus(
            version: SMTQVersion.current, startedAt: RFC3339.string(from: board.startedAt),
            config: URL(fileURLWithPath: options.configPath).standardizedFileURL.path,
            database: configuration.storage.databasePath, alive: alive, devicesUp: devices.filter(\.up).count,
            devices: devices,
            writer: DaemonStatus.Writer(backlog: writer.backlog, lastCommit: health.lastCommit.map(RFC3339.string),
                                        failing: health.failing, alive: writer.health.isAlive(deadline: writerDeadline),
                                        commits: health.commits, recordsCommitted: health.recordsCommitted),
            recordsLastMinute: board.recordsLastMinute(total: collector.recordsStored),
            charts: configuration.spc.charts.map {
                DaemonStatus.Chart(chart: $0.name, points: charts[$0.name]?.points ?? 0, signals: charts[$0.name]?.signals ?? 0)
            },
            signalsLastHour: board.signalsLastHour.map {
                DaemonStatus.Signal(chart: $0.chart, series: $0.series, index: $0.index,
                                    end: RFC3339.string(from: Date(storeMicroseconds: $0.end)), value: $0.value, signals: $0.signals)
            },
            alertsPending: board.alertsPending, alertsOpen: alerts.evaluator.openAlertCount,
            hooks: hookStatuses(), forwarding: forwardingStatus())
    }

    private func forwardingStatus(now: Date = Date()) -> DaemonStatus.Forwarding? {
        guard let forwarder, let central = configuration.central else { return nil }
        let state = forwarder.status
        return DaemonStatus.Forwarding(
            central: "\(central.site)/\(central.host) → \(central.address)", connected: state.connected, lastError: state.lastError,
            lagUnits: state.lag?.units, oldestUnforwarded: state.lag?.oldest.map(RFC3339.string),
            lagSeconds: state.lag.map { lag in lag.oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0 },
            unitsForwarded: state.unitsForwarded, conflicts: max(state.conflicts, state.lag?.conflicts ?? 0),
            lastBatch: state.lastBatch.map(RFC3339.string))
    }

    private func hookStatuses() -> [DaemonStatus.Hook] {
        let backlog = Dictionary(board.backlog.map { ($0.hook, $0) }, uniquingKeysWith: { first, _ in first })
        return alerts.dispatcher.hookHealth.map { health in
            let waiting = backlog[health.hook]
            return DaemonStatus.Hook(
                name: health.hook, pending: waiting?.pending ?? 0, delivered: health.delivered,
                failedAttempts: health.failedAttempts, consecutiveFailures: health.consecutiveFailures,
                failingSince: health.failingSince.map(RFC3339.string), lastError: health.lastError ?? waiting?.lastError,
                oldestPending: waiting?.oldestPending.map(RFC3339.string))
        }
    }

    /// The liveness check: the writer is waiting or within its deadline, and no poller loop is stalled.
    func isAlive(now: ContinuousClock.Instant = .now) -> Bool {
        writer.health.isAlive(now: now, deadline: writerDeadline) && collector.stalledRunners(now: now).isEmpty
    }

    /// How long the writer may hold one batch before it counts as wedged.
    var writerDeadline: Duration {
        let watchdog = options.notifier.watchdogInterval ?? .seconds(10)
        return min(.seconds(10), max(.seconds(2), watchdog))
    }
}
