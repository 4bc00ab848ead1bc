import Foundation
import GRDB
import Logging
import ServiceLifecycle
import SMTQAcquisition
import SMTQAlerts
import SMTQCentral
import SMTQConfig
import SMTQCore
import SMTQDashboard
import SMTQEngine
import SMTQStore
import UnixSignals

/// How a front end runs the pipeline.
public struct PipelineOptions: Sendable {
    /// The configuration file (re-read on SIGHUP).
    public var configPath: String
    /// Serve `http.listen` (smtqd does; `smtq collect` with `--http`).
    public var serveHTTP = true
    public var notifier = SystemdNotifier(environment: [:])
    /// Stop by itself after this long (`smtq collect --seconds`).
    public var stopAfter: Duration?
    /// How long the writer may take to commit what is queued at shutdown.
    public var writerShutdownTimeout: Duration = .seconds(20)
    /// The database path was given on the command line (`smtq collect --db`): a reload's path is not news.
    public var databaseOverridden = false

    public init(configPath: String) {
        self.configPath = configPath
    }
}

/// Something the pipeline cannot start without (nothing could be stored).
public struct PipelineError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// smtqd's composition, shared by `smtqd`, `smtq collect` and `smtq demo`: the store's writer, the live SPC
/// engine and the alert evaluator fed by its commits (the evaluator also by the engine's points), the alert
/// dispatcher, the pollers and bus workers writing through the writer, the HTTP server and the systemd
/// supervisor, as swift-service-lifecycle services in one group. Graceful shutdown runs in reverse order of
/// start: the supervisor says STOPPING, the pollers stop (a record already stored is still acknowledged), the
/// writer commits what is queued, the engine processes its last batches, the evaluator decides on what it was
/// handed, the dispatcher finishes the delivery in progress, then the HTTP server.
public final class Pipeline: Sendable {
    public let writer: StoreWriter
    public let engine: SPCEngine
    public let collector: Collector
    /// The alert rules' evaluator and the outbox's dispatcher.
    public let alerts: AlertParts
    /// The dashboard, when the HTTP server serves one.
    public let dashboard: Dashboard?
    /// Forwarding to the central database, when `forward.postgres` is configured.
    public let forwarder: Forwarder?
    let board: StatusBoard
    let options: PipelineOptions
    let logger: Logger
    private let current: Locked<SMTQConfig.Configuration>
    /// The running service group (to stop it from outside) and whether a stop came before it ran.
    private let running = Locked(RunState())

    private struct RunState: Sendable {
        var group: ServiceGroup?
        var stopRequested = false
    }
    /// The engine's read-only connection.
    let reader: DatabaseQueue
    /// A read-only connection for status figures (alerts pending).
    let statusReader: DatabaseQueue
    /// Read-only connections for the alert evaluator's warm start and the dispatcher's outbox reads.
    let alertReader: DatabaseQueue
    let outboxReader: DatabaseQueue

    /// Opens (creates or migrates) the database and builds the parts; nothing runs yet.
    public init(configuration: SMTQConfig.Configuration, options: PipelineOptions, logger: Logger) throws(PipelineError) {
        self.options = options
        self.logger = logger
        current = Locked(configuration)
        let files = OpenFileLimit.raise()
        if files < configuration.devices.count + 64 {
            logger.warning("the open-file limit is low for this many devices; raise LimitNOFILE",
                           metadata: ["limit": "\(files)", "devices": "\(configuration.devices.count)"])
        }
        if options.serveHTTP, configuration.http != nil {
            // swift-metrics is bound once per process, before the parts make their timers.
            _ = DaemonMetrics.shared
        }
        do {
            var storeLogger = logger
            storeLogger[metadataKey: "part"] = "store"
            writer = try StoreWriter(options: configuration.storage, logger: storeLogger, holdUnforwarded: configuration.central != nil)
            reader = try StoreDatabase.openReadOnly(path: configuration.storage.databasePath)
            // The status board reads on its own connection: the engine's may be busy re-reading its charts.
            statusReader = try StoreDatabase.openReadOnly(path: configuration.storage.databasePath)
            alertReader = try StoreDatabase.openReadOnly(path: configuration.storage.databasePath)
            outboxReader = try StoreDatabase.openReadOnly(path: configuration.storage.databasePath)
        } catch {
            throw PipelineError(message: "cannot open the database: \(error)")
        }
        var engineLogger = logger
        engineLogger[metadataKey: "part"] = "spc"
        engine = SPCEngine(charts: configuration.spc.charts, time: configuration.time, reader: reader, logger: engineLogger)
        var acquisitionLogger = logger
        acquisitionLogger[metadataKey: "part"] = "acquisition"
        collector = Collector(configuration: configuration, writer: writer, logger: acquisitionLogger)
        board = StatusBoard(reader: statusReader)
        var alertLogger = logger
        alertLogger[metadataKey: "part"] = "alerts"
        alerts = AlertParts(configuration: configuration, writer: writer, reader: alertReader, outboxReader: outboxReader,
                            logger: alertLogger)
        if options.serveHTTP, let http = configuration.http, http.dashboard {
            var dashboardLogger = logger
            dashboardLogger[metadataKey: "part"] = "dashboard"
            do {
                dashboard = try Dashboard(host: DashboardBridge(current: current, collector: collector, writer: writer), http: http,
                                          databasePath: configuration.storage.databasePath, logger: dashboardLogger)
            } catch {
                throw PipelineError(message: "cannot open the database for the dashboard: \(error)")
            }
        } else {
            dashboard = nil
        }
        if let central = configuration.central {
            var forwardLogger = logger
            forwardLogger[metadataKey: "part"] = "forward"
            do {
                forwarder = try Forwarder(config: central, databasePath: configuration.storage.databasePath,
                                          confirmation: .writer(writer), logger: forwardLogger)
            } catch {
                throw PipelineError(message: "cannot open the database for forwarding: \(error)")
            }
        } else {
            forwarder = nil
        }
        engine.onPoint { [board, alerts, dashboard] point in
            board.record(point)
            alerts.evaluator.receive(point)
            dashboard?.chartMoved(point.chart)
        }
        writer.onCommit { [engine, alerts, dashboard] batch in
            engine.receive(batch)
            alerts.evaluator.receive(batch)
            if let dashboard, !batch.units.isEmpty { dashboard.committed(lines: Set(batch.units.map(\.record.line))) }
        }
    }

    /// The configuration in force.
    public var configuration: SMTQConfig.Configuration { current.withLock { $0 } }

    /// Every device's status, in configuration order.
    public var statuses: [DeviceStatus] { collector.statuses }

    /// Starts the pollers, warms the engine in the background (commits that arrive meanwhile wait on its
    /// queue), and runs until SIGTERM/SIGINT (or `stopAfter`); returns when everything has stopped.
    public func run() async throws {
        collector.start()
        var services: [any Service] = []
        if options.serveHTTP, let listen = configuration.http {
            services.append(HTTPService(pipeline: self, listen: listen, dashboard: dashboard, logger: logger))
            // Stopped before the server: it ends the live streams, so the server's shutdown does not wait on them.
            if let dashboard { services.append(dashboard) }
        }
        // Reverse order on shutdown: supervisor, pollers, writer, engine, the alert evaluator (it sees the
        // engine's last points), the dispatcher (it finishes the delivery in progress), HTTP.
        services += [alerts.dispatcher, AlertEvaluatorService(evaluator: alerts.evaluator), EngineService(engine: engine), WriterService(writer: writer, timeout: options.writerShutdownTimeout)]
        // Stops before the writer, so its last confirmed position is still stored.
        if let forwarder { services.append(forwarder) }
        services += [CollectorService(collector: collector), SupervisorService(pipeline: self)]
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        if let stopAfter = options.stopAfter {
            Task {
                try? await Task.sleep(for: stopAfter)
                await group.triggerGracefulShutdown()
            }
        }
        let requested = running.withLock { state -> Bool in
            state.group = group
            return state.stopRequested
        }
        if requested { await group.triggerGracefulShutdown() }
        try await group.run()
    }

    /// Stops the pipeline as SIGTERM does (from any task): `run` returns once everything has stopped.
    public func requestStop() async {
        let group = running.withLock { state -> ServiceGroup? in
            state.stopRequested = true
            return state.group
        }
        await group?.triggerGracefulShutdown()
    }

    /// Moves to a new configuration (SIGHUP): devices added, removed or changed start and stop without
    /// touching the others' connections; charts are rebuilt; what needs a restart is named. Blocks.
    func apply(_ fresh: SMTQConfig.Configuration) -> [String] {
        let old = configuration
        var notes: [String] = []
        var next = fresh
        if next.storage.databasePath != old.storage.databasePath, !options.databaseOverridden {
            notes.append("storage.database changed: smtqd keeps writing \(old.storage.databasePath) until it is restarted")
        }
        next.storage.databasePath = old.storage.databasePath
        if next.storage != old.storage {
            notes.append("storage settings changed: they apply after a restart (systemctl restart smtqd)")
            next.storage = old.storage
        }
        if next.central != old.central {
            notes.append("forward settings changed: they apply after a restart")
            next.central = old.central
        }
        if next.http != old.http {
            notes.append("http settings changed: they apply after a restart")
            next.http = old.http
        }
        if next.products != old.products {
            notes.append("products changed: measurement spec limits apply to devices as they restart (a changed device, or smtqd)")
        }
        let changes = collector.apply(next)
        for key in changes.started { notes.append("started \(key)") }
        for key in changes.stopped { notes.append("stopped \(key)") }
        for key in changes.restarted { notes.append("restarted \(key) (its settings changed)") }
        if next.spc.charts != old.spc.charts || next.time != old.time {
            engine.update(charts: next.spc.charts, time: next.time)
            notes.append("SPC charts reloaded (\(next.spc.charts.count))")
        }
        if next.alerts.hooks != old.alerts.hooks || next.alerts.retryInitial != old.alerts.retryInitial
            || next.alerts.retryMax != old.alerts.retryMax {
            notes.append("alert hooks or retry settings changed: they apply after a restart")
            next.alerts.hooks = old.alerts.hooks
            next.alerts.retryInitial = old.alerts.retryInitial
            next.alerts.retryMax = old.alerts.retryMax
        }
        if next.alerts != old.alerts || next.devices != old.devices || next.spc.charts != old.spc.charts
            || next.products != old.products {
            alerts.evaluator.update(configuration: next)
            if next.alerts != old.alerts { notes.append("alert rules reloaded (\(next.alerts.rules.count))") }
        }
        current.withLock { $0 = next }
        return notes
    }
}
