import Foundation
import GRDB
import Logging
import Metrics
import ServiceLifecycle
import SMTQConfig
import SMTQCore
import SMTQStore

/// How one hook is doing, for `smtq status` and `/metrics`.
public struct HookHealth: Sendable, Equatable {
    public var hook: String
    public var delivered = 0
    public var failedAttempts = 0
    /// Failures in a row (0 while it works).
    public var consecutiveFailures = 0
    public var failingSince: Date?
    public var lastError: String?

    public var failing: Bool { consecutiveFailures > 0 }
}

/// Delivers the outbox: one lane per hook, each taking its due rows oldest first (a hook sees an alert's
/// firing before its resolution), retrying failures with exponential back-off (`alerts.retry`) for as long
/// as it takes. A lane waits for the evaluator's signal or its next retry, never polls. Marks are written
/// after each attempt; a delivery whose success was recorded is never sent again, one cut off by a crash
/// before its mark is sent again after the restart. Hook work runs off the writer, the SPC queue and the
/// pollers: a hanging hook only holds its own lane, up to its timeout.
public final class AlertDispatcher: Service, Sendable {
    private let hooks: [String: any AlertHook]
    private let lanes: [String: WakeSignal]
    private let writer: StoreWriter
    private let reader: DatabaseQueue
    private let retryInitial: Duration
    private let retryMax: Duration
    private let logger: Logger
    private let health: Locked<[String: HookHealth]>
    private let stopping = Locked(false)

    public init(alerts: AlertsConfig, hooks: [String: any AlertHook], writer: StoreWriter, reader: DatabaseQueue,
                logger: Logger) {
        self.hooks = hooks
        self.writer = writer
        self.reader = reader
        retryInitial = alerts.retryInitial
        retryMax = alerts.retryMax
        self.logger = logger
        lanes = hooks.mapValues { _ in WakeSignal() }
        health = Locked(Dictionary(uniqueKeysWithValues: hooks.keys.map { ($0, HookHealth(hook: $0)) }))
    }

    /// New outbox rows are durable (the evaluator's outbox handler).
    public func wake() {
        for lane in lanes.values { lane.signal() }
    }

    /// Every hook's health, by name.
    public var hookHealth: [HookHealth] {
        health.withLock { $0.values.sorted { $0.hook < $1.hook } }
    }

    /// The delay before attempt `attempts + 1` after `attempts` failures.
    public static func backoff(attempts: Int, initial: Duration, max: Duration) -> Duration {
        var delay = initial
        for _ in 1..<Swift.max(1, attempts) {
            delay = delay * 2
            if delay >= max { return max }
        }
        return Swift.min(delay, max)
    }

    public func run() async throws {
        await resume()
        await withTaskGroup(of: Void.self) { group in
            for (name, hook) in hooks {
                guard let signal = lanes[name] else { continue }
                group.addTask { await self.lane(hook, signal: signal) }
            }
            group.addTask {
                try? await gracefulShutdown()
                self.stopping.withLock { $0 = true }
                self.wake()
            }
            await group.waitForAll()
        }
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    /// At a start: hooks that were failing show as failing until they deliver, and what waits is tried at once
    /// rather than at its stored back-off (whoever restarted smtqd may have fixed the receiver).
    private func resume() async {
        let (reader, writer) = (reader, writer)
        let now = Date()
        let failing = try? await Blocking.run("alerts.resume") {
            try writer.write { db in try AlertStore.retryNow(at: now, db) }
            return try reader.read { db in try AlertStore.failingHooks(db) }
        }
        health.withLock { state in
            for (hook, failure) in failing ?? [:] where state[hook] != nil {
                state[hook]?.consecutiveFailures = failure.attempts
                state[hook]?.lastError = failure.lastError
                state[hook]?.failingSince = failure.since
            }
        }
    }

    private func lane(_ hook: any AlertHook, signal: WakeSignal) async {
        let name = hook.name
        while !isStopping, !Task.isCancelled {
            let due: [OutboxItem]
            let next: Date?
            do {
                let reader = reader
                (due, next) = try await Blocking.run("alerts.read") {
                    try reader.read { db in
                        (try AlertStore.due(hook: name, now: Date(), limit: 50, db), try AlertStore.nextDue(hook: name, db))
                    }
                }
            } catch {
                logger.error("cannot read the alert outbox", metadata: ["hook": "\(name)", "problem": "\(error)"])
                await signal.wait(timeout: .seconds(5))
                continue
            }
            for item in due {
                if isStopping { return }
                let result = await hook.deliver(item.payload, event: item.event)
                await record(result, item: item, hook: name)
            }
            // Read again after deliveries (failures moved their rows' next attempt); otherwise sleep until the
            // next retry or the evaluator's signal (never less than 100 ms: no busy loop whatever the rows say).
            if !due.isEmpty { continue }
            let timeout: Duration? = next.map { .milliseconds(max(100, Int64($0.timeIntervalSinceNow * 1000))) }
            await signal.wait(timeout: timeout)
        }
    }

    private func record(_ result: DeliveryResult, item: OutboxItem, hook: String) async {
        let now = Date()
        switch result {
        case .delivered:
            Counter(label: "smtq_alert_deliveries_total", dimensions: [("hook", hook), ("result", "delivered")]).increment()
            let recovered = health.withLock { state -> Bool in
                let wasFailing = state[hook]?.failing ?? false
                state[hook]?.delivered += 1
                state[hook]?.consecutiveFailures = 0
                state[hook]?.failingSince = nil
                return wasFailing
            }
            if recovered { logger.notice("alert hook delivers again", metadata: ["hook": "\(hook)"]) }
            await persist(hook) { db in try AlertStore.markDelivered(item.id, at: now, db) }
        case let .failed(problem):
            Counter(label: "smtq_alert_deliveries_total", dimensions: [("hook", hook), ("result", "failed")]).increment()
            let delay = Self.backoff(attempts: item.attempts + 1, initial: retryInitial, max: retryMax)
            let firstOfEpisode = health.withLock { state -> Bool in
                let first = !(state[hook]?.failing ?? false)
                state[hook]?.failedAttempts += 1
                state[hook]?.consecutiveFailures += 1
                state[hook]?.lastError = problem
                if first { state[hook]?.failingSince = now }
                return first
            }
            if firstOfEpisode {
                logger.error("alert hook failed; the alert is kept and retried with back-off", metadata: [
                    "hook": "\(hook)", "alert": "\(item.alertID)", "problem": "\(problem)",
                    "retry_in": "\(DurationText.format(delay))"])
            } else {
                logger.debug("alert hook failed again", metadata: ["hook": "\(hook)", "problem": "\(problem)"])
            }
            let retryAt = now.addingTimeInterval(delay.totalSeconds)
            await persist(hook) { db in try AlertStore.markFailed(item.id, at: now, retryAt: retryAt, error: problem, db) }
        }
    }

    private func persist(_ hook: String, _ work: @escaping @Sendable (Database) throws -> Void) async {
        let writer = writer
        do {
            try await Blocking.run("alerts.mark") { try writer.write(work) }
        } catch {
            logger.error("cannot record an alert delivery; it may be sent again", metadata: ["hook": "\(hook)", "problem": "\(error)"])
        }
    }
}
