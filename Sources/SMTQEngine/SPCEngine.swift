import Dispatch
import Foundation
import GRDB
import Logging
import SMTQConfig
import SMTQCore
import SMTQStatistics
import SMTQStore

/// The live SPC engine: every configured chart kept up to date on one serial DispatchQueue (`smtq.spc`),
/// fed with each batch the store commits. It never blocks acquisition or the writer: the writer only
/// enqueues the batch. On start it warms each chart from the database (the chart's series from its
/// baseline's start, or from the first stored data), so a run rule whose points span a restart still fires;
/// batches its warm start has already read are skipped by unit id.
public final class SPCEngine: @unchecked Sendable {
    public static let queueLabel = "smtq.spc"
    public typealias PointHandler = @Sendable (LivePoint) -> Void

    private let queue = DispatchQueue(label: SPCEngine.queueLabel)
    private let reader: DatabaseQueue
    private var charts: [StoredChart]
    private let closeDelay: Int64
    private let logger: Logger
    private let subscribers = Locked<[PointHandler]>([])
    // Owned by `queue`.
    private var monitors: [ChartMonitor] = []
    private var byStation: [String: [Int]] = [:]
    private var warmedThrough: Int64 = 0
    private var warmedValuesThrough: Int64 = 0
    private var limitsVersion: String?
    private var timer: DispatchSourceTimer?

    /// `reader` is a read-only connection to the store; `closeDelay` is how long after its end a time bucket
    /// or shift waits for late records before it is closed by the clock.
    public init(charts: [ChartConfig], time: TimeConfig, reader: DatabaseQueue, closeDelay: Duration = .seconds(60),
                logger: Logger = Logger(label: "smtq.spc")) {
        self.charts = charts.map { StoredChart($0, time: time) }
        self.reader = reader
        self.closeDelay = closeDelay.totalMilliseconds * 1000
        self.logger = logger
    }

    /// Adds a subscriber to every point the engine emits (alerts, metrics, status, the dashboard). The handler
    /// runs on the engine's queue, in point order: it must only hand off.
    public func onPoint(_ handler: @escaping PointHandler) {
        subscribers.withLock { $0.append(handler) }
    }

    /// The points from now on as an async sequence (for consumers on the concurrency pool). `bufferingNewest`
    /// bounds what a slow consumer can fall behind by (nil: unbounded, nothing is dropped).
    public func points(bufferingNewest limit: Int? = nil) -> AsyncStream<LivePoint> {
        let (stream, continuation) = AsyncStream.makeStream(of: LivePoint.self,
                                                            bufferingPolicy: limit.map { .bufferingNewest($0) } ?? .unbounded)
        onPoint { continuation.yield($0) }
        return stream
    }

    /// Warms every chart from the database, then closes ended time buckets every `tick` (and picks up limits
    /// set by `smtq spc baseline`). Returns when the warm start is done.
    public func start(tick: Duration = .seconds(5)) {
        queue.sync { warm() }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.milliseconds(Int(tick.totalMilliseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.onTick(now: Date().storeMicroseconds) }
        timer.resume()
        queue.sync { self.timer = timer }
    }

    /// Replaces the configured charts (a configuration reload) and warms them from the database; waits
    /// until that is done (call it from a thread that may block).
    public func update(charts: [ChartConfig], time: TimeConfig) {
        let stored = charts.map { StoredChart($0, time: time) }
        queue.sync {
            self.charts = stored
            warm()
        }
    }

    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    /// Hands a committed batch to the engine (the store writer's commit handler); returns at once.
    public func receive(_ batch: CommittedBatch) {
        queue.async { self.process(batch) }
    }

    /// The clock's work, on demand: closes buckets that ended `closeDelay` before `now`, reloads changed limits.
    public func tick(now: Date) {
        queue.sync { onTick(now: now.storeMicroseconds) }
    }

    /// Waits until every batch handed over so far has been processed. `start`, `stop`, `tick`, `drain` and
    /// `statuses` wait on the engine's queue: never call them from the point handler, which runs on it.
    public func drain() {
        queue.sync {}
    }

    public var statuses: [ChartStatus] {
        queue.sync { monitors.map(\.status) }
    }

    private func onTick(now: Int64) {
        if let version = try? reader.read({ try SPCLimitsStore.version($0) }), version != limitsVersion {
            logger.info("SPC limits changed; reloading the charts")
            warm()
        }
        for index in monitors.indices {
            emit(monitors[index].closeEnded(by: now - closeDelay))
        }
    }

    private func process(_ batch: CommittedBatch) {
        let future = Date().addingTimeInterval(3600)
        for unit in batch.units where unit.id > warmedThrough {
            let record = unit.record
            guard let indices = byStation[record.line + "\u{0}" + record.station] else { continue }
            for index in indices where monitors[index].chart.scope.matches(line: record.line, station: record.station,
                                                                           program: record.program) {
                guard record.time <= future else {
                    monitors[index].countFuture()
                    continue
                }
                for event in Self.events(of: record, for: monitors[index].chart.scope) {
                    emit(monitors[index].add(event))
                }
            }
        }
        for stored in batch.processValues where stored.id > warmedValuesThrough {
            let value = stored.record
            guard let indices = byStation[value.line + "\u{0}" + value.station] else { continue }
            for index in indices {
                let scope = monitors[index].chart.scope
                guard scope.measurement == value.name, scope.program == nil else { continue }
                guard value.time <= future else {
                    monitors[index].countFuture()
                    continue
                }
                emit(monitors[index].add(ChartEvent(time: value.time.storeMicroseconds, value: value.value)))
            }
        }
    }

    /// The chart events of one unit: a test event, or the values of the chart's measurement.
    static func events(of record: UnitRecord, for scope: ChartScope) -> [ChartEvent] {
        let time = record.time.storeMicroseconds
        if let measurement = scope.measurement {
            return (record.measurements ?? []).filter { $0.name == measurement }.map { ChartEvent(time: time, value: $0.value) }
        }
        let defects = (record.defects ?? []).filter { $0.verdict == .real }.count
        return [ChartEvent(time: time, fails: record.result == .fail ? 1 : 0, defects: defects)]
    }

    private func emit(_ points: [LivePoint]) {
        for point in points {
            if !point.signals.isEmpty {
                logger.warning("SPC signal", metadata: ["chart": "\(point.chart)", "series": "\(point.series)",
                                                       "point": "\(point.index)", "signals": "\(point.signals.joined(separator: ","))"])
            }
            for handler in subscribers.withLock({ $0 }) { handler(point) }
        }
    }

    /// Rebuilds every chart from the database: its series from the active baseline's start (or all data).
    private func warm() {
        let closed = Dictionary(monitors.map { ($0.name, $0.closedThrough) }, uniquingKeysWith: max)
        do {
            try reader.read { db in
                limitsVersion = try SPCLimitsStore.version(db)
                let active = try SPCLimitsStore.active(db)
                warmedThrough = try ChartEventQuery.lastUnitID(db)
                warmedValuesThrough = try ChartEventQuery.lastProcessValueID(db)
                monitors = []
                for chart in charts {
                    var limits = active[chart.config.name]
                    if let stored = limits, stored.limits.type != chart.config.type.rawValue {
                        logger.warning("stored limits are for a \(stored.limits.type) chart; ignoring them",
                                       metadata: ["chart": "\(chart.config.name)"])
                        limits = nil
                    }
                    var monitor = ChartMonitor(chart: chart, limits: limits)
                    let since = limits?.baselineFrom
                    let aggregated = chart.readsRollups && (since ?? 0) % StoreSchema.bucketMicroseconds == 0
                    try ChartEventQuery.forEach(db, scope: chart.scope, since: since, aggregated: aggregated,
                                                arrivalOrder: chart.arrivalOrder) { event in
                        _ = monitor.add(event)
                    }
                    if let through = closed[chart.config.name] { monitor.markClosed(through: through) }
                    monitors.append(monitor)
                }
            }
        } catch {
            logger.error("cannot read the charts' history: \(error); the charts start empty and the engine retries at the next tick")
            monitors = charts.map { ChartMonitor(chart: $0, limits: nil) }
            limitsVersion = nil
        }
        byStation = Dictionary(grouping: monitors.indices) { monitors[$0].chart.scope.line + "\u{0}" + monitors[$0].chart.scope.station }
    }
}
