import Dispatch
import Foundation
import GRDB
import Logging
import Metrics
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQStore

/// Evaluates the alert rules on its own serial DispatchQueue (`smtq.alerts`), fed by the store's commits and
/// the SPC engine's points (never by polling the database), plus a one-second clock for time windows, device
/// down times and reminders. Each decision is written with its outbox rows in one short transaction on the
/// writer's connection; only then does the lifecycle move on and the dispatcher hear of it. Acquisition,
/// the writer and the SPC queue only enqueue here.
public final class AlertEvaluator: @unchecked Sendable {
    public static let queueLabel = "smtq.alerts"
    public typealias OutboxHandler = @Sendable () -> Void

    /// Inactive until `start` has restored the lifecycle: a point or batch handed over before that (the
    /// engine re-emits its last closed point at its own start) waits, so a replay meets the restored state.
    private let queue = DispatchQueue(label: AlertEvaluator.queueLabel, attributes: .initiallyInactive)
    private let started = Locked(false)
    private let writer: StoreWriter
    private let reader: DatabaseQueue
    private let logger: Logger
    private let host: String
    private let outboxHandlers = Locked<[OutboxHandler]>([])
    private let cost = Locked<EvaluationCost>(EvaluationCost())
    private let openCount = Locked(0)
    // Owned by `queue`.
    private var configuration: SMTQConfig.Configuration
    private var rules: RuleSet
    private var lifecycle = AlertLifecycle()
    /// Decisions whose write failed: tried again at each tick, in order.
    private var unwritten: [AlertDecision] = []
    /// Readings that came while `unwritten` waited: judged after it is written.
    private var held: [Observation] = []
    private var writeFailing = false
    /// The last unit id the windows have: read at a warm start, or evaluated from a commit. Units of later
    /// commits are evaluated; a batch's units up to it were read as history already.
    private var warmedThrough: Int64 = 0
    private var timer: DispatchSourceTimer?

    /// Time spent evaluating, per committed unit.
    public struct EvaluationCost: Sendable {
        public var units = 0
        public var nanoseconds: UInt64 = 0
        public var perUnit: Double { units > 0 ? Double(nanoseconds) / Double(units) : 0 }
    }

    /// `reader` is a read-only connection for the warm start.
    public init(configuration: SMTQConfig.Configuration, writer: StoreWriter, reader: DatabaseQueue,
                logger: Logger = Logger(label: "smtq.alerts")) {
        self.configuration = configuration
        self.writer = writer
        self.reader = reader
        self.logger = logger
        host = ProcessInfo.processInfo.hostName
        rules = RuleSet(configuration: configuration, startedAt: Date())
        // Created before it subscribes to the writer's commits: what is stored now is history, every unit
        // committed from here on reaches it as a batch (queued until `start`), so none is missed or doubled.
        warmedThrough = (try? reader.read { try Int64.fetchOne($0, sql: "SELECT max(id) FROM units") }) ?? 0
    }

    /// Called (on the evaluator's queue) after new outbox rows are durable: the dispatcher's wake-up.
    public func onOutbox(_ handler: @escaping OutboxHandler) {
        outboxHandlers.withLock { $0.append(handler) }
    }

    /// Resumes the lifecycle from the store and fills the windows from recent history, then starts the clock.
    public func start(tick: Duration = .seconds(1)) {
        guard started.withLock({ done in defer { done = true }; return !done }) else { return }
        warm()
        queue.activate()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.milliseconds(Int(tick.totalMilliseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.onTick(now: Date()) }
        timer.resume()
        queue.sync { self.timer = timer }
    }

    /// A configuration reload: rules are rebuilt and their windows refilled; open alerts stay open.
    public func update(configuration: SMTQConfig.Configuration) {
        queue.sync {
            self.configuration = configuration
            rules = RuleSet(configuration: configuration, startedAt: Date(), earlier: rules)
            warm()
        }
    }

    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    /// Waits until everything handed over so far has been evaluated (and its decisions written).
    public func drain() {
        queue.sync {}
    }

    /// A committed batch (the store writer's commit handler): returns at once.
    public func receive(_ batch: CommittedBatch) {
        queue.async { [self] in
            var batch = batch
            batch.units.removeAll { $0.id <= warmedThrough }
            warmedThrough = max(warmedThrough, batch.units.map(\.id).max() ?? 0)
            let started = DispatchTime.now().uptimeNanoseconds
            let now = Date()
            let observations = rules.receive(batch, now: now)
            decide(observations, now: now)
            let spent = DispatchTime.now().uptimeNanoseconds - started
            cost.withLock {
                $0.units += batch.units.count
                $0.nanoseconds += spent
            }
        }
    }

    /// A point the SPC engine closed (its point handler): returns at once.
    public func receive(_ point: LivePoint) {
        queue.async { [self] in decide(rules.point(point)) }
    }

    /// The clock's work, on demand (tests): time windows, device down times, reminders, unwritten decisions.
    public func tick(now: Date) {
        queue.sync { onTick(now: now) }
    }

    public var evaluationCost: EvaluationCost { cost.withLock { $0 } }

    /// Alerts firing now (as of the last decision; never waits for the evaluator's queue).
    public var openAlertCount: Int { openCount.withLock { $0 } }

    private func warm() {
        let history = rules.history
        do {
            let through = warmedThrough
            let (states, units) = try reader.read { db in
                (try AlertStore.latestStates(db),
                 try RecentUnits.read(since: history.span.map { Date().addingTimeInterval(-$0.totalSeconds) },
                                      lastCount: history.units, through: through, db))
            }
            lifecycle = AlertLifecycle()
            lifecycle.restore(states)
            let open = lifecycle.openAlerts
            openCount.withLock { $0 = open }
            rules.warm(units)
            logger.info("alert rules ready", metadata: [
                "rules": "\(configuration.alerts.rules.count)", "history_units": "\(units.count)",
                "open_alerts": "\(lifecycle.openAlerts)"])
        } catch {
            logger.error("cannot read the alert history; the rules start with empty windows",
                         metadata: ["problem": "\(error)"])
        }
    }

    private func onTick(now: Date) {
        if !unwritten.isEmpty {
            let retry = unwritten
            unwritten = []
            write(retry)
            if unwritten.isEmpty, !held.isEmpty {
                let readings = held
                held = []
                decide(readings, now: now)
            }
        }
        decide(rules.tick(now: now), now: now)
        guard unwritten.isEmpty else { return }
        for reminder in lifecycle.reminders(rules: rules.configs, now: now) { write([reminder]) }
    }

    /// Each decision is written (and the lifecycle moved on) before the next observation is judged, so a
    /// batch that both trips and clears a condition gives a firing and a resolution. While a decision cannot
    /// be written, the readings after it are held, in order, and judged once it is written.
    private func decide(_ observations: [Observation], now: Date = Date()) {
        for (index, observation) in observations.enumerated() {
            guard unwritten.isEmpty else {
                hold(observations[index...])
                return
            }
            if let decision = decideOne(observation, now: now) { write([decision]) }
        }
    }

    /// Keeps readings while the database refuses writes, up to a bound (the oldest go first, counted in the log).
    private func hold(_ observations: ArraySlice<Observation>) {
        held += observations
        if held.count > Self.heldLimit {
            let dropped = held.count - Self.heldLimit
            held.removeFirst(dropped)
            logger.error("the database has refused alert writes for long; alert readings were dropped",
                         metadata: ["dropped": "\(dropped)"])
        }
    }

    /// Readings kept while alert writes fail (the rules report changes only, so this is hours of a busy line).
    static let heldLimit = 10_000

    private func decideOne(_ observation: Observation, now: Date) -> AlertDecision? {
        guard let rule = rules.configs[observation.rule] else { return nil }
        return lifecycle.decide(observation, rule: rule, now: now)
    }

    /// Writes the decisions with their outbox rows in one transaction, then moves the lifecycle on.
    private func write(_ decisions: [AlertDecision]) {
        guard !decisions.isEmpty else { return }
        let site = configuration.site
        let host = host
        let configs = rules.configs
        let writes = decisions.map { decision -> AlertDecisionWrite in
            let rule = configs[decision.observation.rule]!
            return AlertDecisionWrite(
                identity: AlertIdentity(rule: rule.name, kind: rule.kind.rawValue, dedupKey: decision.observation.dedupKey,
                                        severity: rule.severity.rawValue, scope: decision.observation.scope),
                event: decision.event, alertID: decision.alertID, at: decision.at, decisionKey: decision.key,
                summary: decision.observation.summary, pointStart: decision.observation.pointStart, hooks: rule.hooks,
                payload: { id in AlertPayload(id: id, decision: decision, rule: rule, site: site, host: host).json() })
        }
        let results: [(alert: Int64, event: Int64)?]
        do {
            results = try writer.write { db in try writes.map { try AlertStore.record($0, db) } }
        } catch {
            unwritten = decisions
            if !writeFailing {
                writeFailing = true
                logger.error("cannot write alerts; they are kept and written when the database works again",
                             metadata: ["problem": "\(error)", "alerts": "\(decisions.count)"])
            }
            return
        }
        if writeFailing {
            writeFailing = false
            logger.notice("alerts are written again")
        }
        for (decision, result) in zip(decisions, results) {
            guard let result else {
                lifecycle.skip(decision)
                continue
            }
            lifecycle.commit(decision, id: result.alert)
            Counter(label: "smtq_alerts_total", dimensions: [("rule", decision.observation.rule),
                                                             ("event", decision.event.rawValue)]).increment()
            logger.notice("alert \(decision.event.rawValue)", metadata: [
                "alert": "\(result.alert)", "rule": "\(decision.observation.rule)",
                "summary": "\(decision.observation.summary)"])
        }
        let open = lifecycle.openAlerts
        openCount.withLock { $0 = open }
        Gauge(label: "smtq_alerts_open").record(open)
        if results.contains(where: { $0 != nil }) {
            for handler in outboxHandlers.withLock({ $0 }) { handler() }
        }
    }
}
