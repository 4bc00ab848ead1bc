import Foundation
import SMTQConfig
import SMTQStore

/// What the lifecycle decided for one observation.
public struct AlertDecision: Sendable {
    public var event: AlertEventKind
    /// The open alert a reminder or resolution belongs to.
    public var alertID: Int64?
    /// When the alert started (for a new one: now).
    public var startedAt: Date
    public var observation: Observation
    public var at: Date
    /// The decision key: the same decision replayed after a restart finds it taken.
    public var key: String {
        [observation.dedupKey, event.rawValue, alertID.map(String.init) ?? "new", observation.evidence].joined(separator: "|")
    }
}

/// The alert lifecycle, per rule and scope: `firing` → `reminder`s (every `repeat`) → `resolved` when the
/// condition clears; one open alert per rule and scope; after an alert fired, the same rule and scope does
/// not fire again within its `cooldown` (a flapping condition pages once). Pure: times are given. A decision
/// takes effect (`commit`) only once it is durable, so a failed write is decided again, never lost.
public struct AlertLifecycle: Sendable {
    public struct Open: Sendable {
        public var id: Int64
        public var startedAt: Date
        public var lastNotified: Date
        /// The latest reading of the condition (what a reminder reports).
        public var latest: Observation?
    }

    private enum State: Sendable {
        case firing(Open)
        case quiet(lastFired: Date)
    }

    private var states: [String: State] = [:]
    /// Firings held back by a cool-down, for status.
    public private(set) var suppressed = 0

    public init() {}

    /// Resumes from the store after a restart: open alerts stay open (a replayed signal does not fire them
    /// again), resolved ones keep their cool-down.
    public mutating func restore(_ rows: [AlertStateRow]) {
        for row in rows {
            states[row.dedupKey] = row.firing
                ? .firing(Open(id: row.id, startedAt: row.startedAt, lastNotified: row.lastNotifiedAt, latest: nil))
                : .quiet(lastFired: row.startedAt)
        }
    }

    public var openAlerts: Int {
        states.values.reduce(0) { count, state in
            if case .firing = state { return count + 1 }
            return count
        }
    }

    /// What to do about one observation at `now`.
    public mutating func decide(_ observation: Observation, rule: AlertRuleConfig, now: Date) -> AlertDecision? {
        let key = observation.dedupKey
        switch (states[key], observation.active) {
        case let (.firing(open)?, true):
            var updated = open
            updated.latest = observation
            states[key] = .firing(updated)
            guard let every = rule.repeatInterval, now.timeIntervalSince(open.lastNotified) >= every.totalSeconds else {
                return nil
            }
            return AlertDecision(event: .reminder, alertID: open.id, startedAt: open.startedAt, observation: observation, at: now)
        case let (.firing(open)?, false):
            return AlertDecision(event: .resolved, alertID: open.id, startedAt: open.startedAt, observation: observation, at: now)
        case let (.quiet(lastFired)?, true):
            if now.timeIntervalSince(lastFired) < rule.cooldown.totalSeconds {
                suppressed += 1
                return nil
            }
            return AlertDecision(event: .firing, alertID: nil, startedAt: now, observation: observation, at: now)
        case (nil, true):
            return AlertDecision(event: .firing, alertID: nil, startedAt: now, observation: observation, at: now)
        case (.quiet?, false), (nil, false):
            return nil
        }
    }

    /// Reminders due at `now` for alerts whose condition was not read again (the clock's turn).
    public mutating func reminders(rules: [String: AlertRuleConfig], now: Date) -> [AlertDecision] {
        var due: [AlertDecision] = []
        for state in states.values {
            guard case let .firing(open) = state, let latest = open.latest, let rule = rules[latest.rule],
                  let every = rule.repeatInterval, now.timeIntervalSince(open.lastNotified) >= every.totalSeconds
            else { continue }
            var observation = latest
            observation.evidence = "remind:\(now.storeSeconds)"
            due.append(AlertDecision(event: .reminder, alertID: open.id, startedAt: open.startedAt,
                                     observation: observation, at: now))
        }
        return due.sorted { $0.observation.dedupKey < $1.observation.dedupKey }
    }

    /// Records a durable decision (`id` is the alert's, new for a firing).
    public mutating func commit(_ decision: AlertDecision, id: Int64) {
        let key = decision.observation.dedupKey
        switch decision.event {
        case .firing:
            states[key] = .firing(Open(id: id, startedAt: decision.at, lastNotified: decision.at, latest: decision.observation))
        case .reminder:
            if case var .firing(open) = states[key] {
                open.lastNotified = decision.at
                open.latest = decision.observation
                states[key] = .firing(open)
            }
        case .resolved:
            let started = decision.startedAt
            states[key] = .quiet(lastFired: started)
        case .test:
            break
        }
    }

    /// A decision already in the store (a replay): the state moves as if it had just been written.
    public mutating func skip(_ decision: AlertDecision) {
        if decision.event == .resolved { states[decision.observation.dedupKey] = .quiet(lastFired: decision.startedAt) }
    }
}
