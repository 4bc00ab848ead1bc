import Foundation
import GRDB
import Logging
@testable import SMTQAlerts
import SMTQConfig
import SMTQCore
import SMTQStore
import SMTQTestSupport

/// A real store with its writer, the alert evaluator on its commits and a dispatcher with the configured
/// hooks: what smtqd runs for alerts, without the pollers.
final class AlertRig: @unchecked Sendable {
    let folder: TemporaryFolder
    let configuration: SMTQConfig.Configuration
    let writer: StoreWriter
    let evaluator: AlertEvaluator
    let dispatcher: AlertDispatcher
    private var task: Task<Void, Never>?
    private var serial = 0

    var database: String { folder.path("smtq.sqlite") }

    /// `alerts` is the YAML of the `alerts:` section (indented under it); one line L1 with AOI-1, one device.
    init(alerts: String, folder: TemporaryFolder? = nil) throws {
        self.folder = try folder ?? TemporaryFolder("smtq-alerts")
        let database = self.folder.path("smtq.sqlite")
        configuration = try Make.configuration("""
            lines:
              L1: {route: [AOI-1]}
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:1502", unit_id: 1}
            alerts:
            \(alerts)
            """, database: database)
        var logger = Logger(label: "test.alerts")
        logger.logLevel = .warning
        writer = try StoreWriter(options: StorageConfig(databasePath: database, synchronous: .off,
                                                        batchMaxRecords: 200, batchMaxDelay: .milliseconds(2)))
        evaluator = AlertEvaluator(configuration: configuration, writer: writer,
                                   reader: try StoreDatabase.openReadOnly(path: database), logger: logger)
        let hooks = AlertHooks.make(configuration.alerts, rules: configuration.alerts.rules, logger: logger)
        dispatcher = AlertDispatcher(alerts: configuration.alerts, hooks: hooks, writer: writer,
                                     reader: try StoreDatabase.openReadOnly(path: database), logger: logger)
        evaluator.onOutbox { [dispatcher] in dispatcher.wake() }
        writer.onCommit { [evaluator] in evaluator.receive($0) }
        evaluator.start(tick: .seconds(3600))
    }

    /// Runs the dispatcher on threads of its own: the tests around it may keep the concurrency pool's few
    /// threads blocked for a while (smtqd never does), and a starved dispatcher would fail them for nothing.
    func startDispatcher() {
        let dispatcher = dispatcher
        task = Task(executorPreference: ThreadsExecutor.shared) { try? await dispatcher.run() }
    }

    /// Stops the dispatcher (a delivery in progress is cut off), the evaluator and the writer.
    func stop() async {
        task?.cancel()
        await task?.value
        evaluator.drain()
        evaluator.stop()
        writer.shutdown()
    }

    /// Stores units (one commit) with the given real defects each; waits until the evaluator has seen them.
    @discardableResult
    func commit(_ defects: [[(String, String)]], station: String = "AOI-1") -> [String] {
        var serials: [String] = []
        let units = defects.map { list -> IncomingUnit in
            serial += 1
            serials.append("SN\(station)-\(serial)")
            let record = UnitRecord(line: "L1", station: station, device: "aoi1", program: "PCB-A", serial: "SN\(station)-\(serial)",
                                    result: list.isEmpty ? .pass : .fail, time: Date(),
                                    defects: list.map { DefectRecord(refdes: $0.0, code: $0.1, verdict: .real) })
            return IncomingUnit(record: record)
        }
        _ = writer.submitAndWait(.units(units, cursor: nil))
        evaluator.drain()
        return serials
    }

    struct OutboxRow: Equatable {
        var hook: String
        var event: String
        var attempts: Int
        var delivered: Bool
        var lastError: String?
    }

    var outbox: [OutboxRow] {
        (try? writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.hook, e.event, o.attempts, o.delivered_at IS NOT NULL, o.last_error FROM alert_outbox o
                JOIN alert_events e ON e.id = o.event_id ORDER BY o.id
                """).map { OutboxRow(hook: $0[0], event: $0[1], attempts: $0[2], delivered: $0[3], lastError: $0[4]) }
        }) ?? []
    }

    /// Waits until `condition` holds (at most `timeout`); returns whether it did.
    @discardableResult
    func wait(_ timeout: Duration = .seconds(20), until condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}

/// A task executor on a Dispatch queue of its own (concurrent: lanes run side by side).
final class ThreadsExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = ThreadsExecutor()
    private let queue = DispatchQueue(label: "test.alerts.executor", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
