/// Alert rules, the hooks they fire, and delivery retries.
public struct AlertsConfig: Sendable, Hashable {
    public var hooks: [String: HookConfig]
    public var rules: [AlertRuleConfig]
    /// Delivery retry back-off: the first retry after `retryInitial`, doubling up to `retryMax`.
    public var retryInitial: Duration
    public var retryMax: Duration

    public init(hooks: [String: HookConfig] = [:], rules: [AlertRuleConfig] = [],
                retryInitial: Duration = .seconds(5), retryMax: Duration = .seconds(600)) {
        self.hooks = hooks
        self.rules = rules
        self.retryInitial = retryInitial
        self.retryMax = retryMax
    }
}

/// Where a webhook's signing key comes from (it is never written in the configuration itself).
public enum SecretSource: Sendable, Hashable {
    /// The name of an environment variable of smtqd.
    case environment(String)
    /// An absolute path to a file readable by smtqd and not by others.
    case file(String)
}

/// Where an alert is delivered.
public struct HookConfig: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Run a program (no shell) with the alert as JSON on standard input.
        case exec(arguments: [String])
        /// POST the alert as JSON, signed with HMAC-SHA256 when a secret is configured.
        case webhook(url: String, secret: SecretSource?)
        /// POST to a Prometheus Alertmanager's `/api/v2/alerts` (the base URL, e.g. http://127.0.0.1:9093).
        case alertmanager(url: String)
    }

    public var name: String
    public var action: Action
    /// Longest a delivery may take (an exec hook's process group is killed after it).
    public var timeout: Duration

    public init(name: String, action: Action, timeout: Duration = .seconds(10)) {
        self.name = name
        self.action = action
        self.timeout = timeout
    }
}

/// A sliding window: the last stretch of time, or the last number of units.
public enum AlertWindow: Sendable, Hashable {
    case time(Duration)
    case units(Int)
}

/// When to raise an alert.
public struct AlertRuleConfig: Sendable, Hashable {
    public enum Condition: Sendable, Hashable {
        /// A signal on a configured chart; `rules` empty means any of the chart's rules.
        case spcSignal(chart: String, rules: [RunRule])
        /// A yield figure beyond a limit over a sliding window, judged once the window holds `minUnits` units.
        case threshold(metric: ThresholdMetric, below: Double?, above: Double?, window: AlertWindow, minUnits: Int)
        /// The same reference designator and defect code on `count` of the last `withinUnits` units.
        case repeatedDefect(count: Int, withinUnits: Int)
        /// The real-defect rate of the last `window` at least `factor` times that of the `baseline` before it,
        /// with at least `minUnits` units in each and `minDefects` defects in the window.
        case spike(factor: Double, window: Duration, baseline: Duration, minUnits: Int, minDefects: Int)
        /// A device down (disconnected) for longer than `downAfter`; with `gaps`, also lost records.
        case device(downAfter: Duration, gaps: Bool)
    }

    public var name: String
    public var condition: Condition
    public var line: String?
    public var station: String?
    public var program: String?
    /// For `device` rules: one device only.
    public var device: String?
    public var hooks: [String]
    /// After an alert fired, the same rule and scope does not fire again within this time.
    public var cooldown: Duration
    /// While the alert stays firing, a reminder is sent this often (none when nil).
    public var repeatInterval: Duration?
    public var severity: Severity

    public init(name: String, condition: Condition, line: String? = nil, station: String? = nil,
                program: String? = nil, device: String? = nil, hooks: [String], cooldown: Duration = .seconds(900),
                repeatInterval: Duration? = nil, severity: Severity = .warning) {
        self.name = name
        self.condition = condition
        self.line = line
        self.station = station
        self.program = program
        self.device = device
        self.hooks = hooks
        self.cooldown = cooldown
        self.repeatInterval = repeatInterval
        self.severity = severity
    }

    /// The rule type as written in the configuration.
    public var kind: AlertKind {
        switch condition {
        case .spcSignal: return .spc
        case .threshold: return .threshold
        case .repeatedDefect: return .repeatedDefect
        case .spike: return .spike
        case .device: return .device
        }
    }
}

/// The kinds of alert rule (`type:` in the configuration; `kind` in alert JSON).
public enum AlertKind: String, Sendable, Hashable, CaseIterable, Codable {
    case spc = "spc_signal"
    case threshold
    case repeatedDefect = "repeated_defect"
    case spike
    case device
}

public enum ThresholdMetric: String, Sendable, Hashable, CaseIterable {
    case fpy
    case finalYield = "final_yield"
    case dpu, dpmo
    case falseCallRate = "false_call_rate"

    /// A fraction (written as `95%` or `0.95`) rather than a count per unit.
    public var isFraction: Bool { [.fpy, .finalYield, .falseCallRate].contains(self) }
}

public enum Severity: String, Sendable, Hashable, CaseIterable, Codable {
    case info, warning, critical
}
