/// Alert rules, the hooks they fire, and delivery retries.
public struct AlertsConfig: Sendable, Hashable {
    public var hooks: [String: HookConfig]
    public var rules: [AlertRuleConfig]
    /// Delivery retry back-off.
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

/// Where an alert is delivered.
public struct HookConfig: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Run a program (no shell) with the alert as JSON on standard input.
        case exec(arguments: [String])
        /// POST the alert as JSON, signed with HMAC-SHA256 when a secret is configured.
        case webhook(url: String, secretEnvironment: String?, secretFile: String?)
    }

    public var name: String
    public var action: Action
    public var timeout: Duration
}

/// When to raise an alert.
public struct AlertRuleConfig: Sendable, Hashable {
    public enum Condition: Sendable, Hashable {
        /// A signal on a configured chart; `rules` empty means any of the chart's rules.
        case spcSignal(chart: String, rules: [RunRule])
        /// A yield figure beyond a limit over a sliding window.
        case threshold(metric: ThresholdMetric, below: Double?, above: Double?, window: Duration, minUnits: Int)
        /// The same reference designator and defect code on `count` of the last `withinUnits` units.
        case repeatedDefect(count: Int, withinUnits: Int)
        /// The defect rate of the last `window` at least `factor` times that of the `baseline` before it.
        case spike(factor: Double, window: Duration, baseline: Duration, minUnits: Int)
    }

    public var name: String
    public var condition: Condition
    public var line: String?
    public var station: String?
    public var program: String?
    public var hooks: [String]
    /// The same alert is not raised again within this time.
    public var cooldown: Duration
    public var severity: Severity
}

public enum ThresholdMetric: String, Sendable, Hashable, CaseIterable {
    case fpy
    case finalYield = "final_yield"
    case dpu, dpmo
    case falseCallRate = "false_call_rate"
}

public enum Severity: String, Sendable, Hashable, CaseIterable {
    case info, warning, critical
}
