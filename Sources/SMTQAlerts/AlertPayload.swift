import Foundation
import SMTQConfig
import SMTQCore
import SMTQStore

/// The alert JSON every hook receives (docs/alerts.md): version 1. Keys are snake_case; times RFC 3339 UTC.
public struct AlertPayload: Codable, Sendable, Equatable {
    public var v = 1
    /// The alert's stable id (the same for its firing, reminders and resolution).
    public var id: Int64
    /// This notification: `firing`, `reminder`, `resolved` or `test`.
    public var event: AlertEventKind
    /// `firing` or `resolved`.
    public var state: String
    public var rule: String
    public var kind: AlertKind
    public var severity: Severity
    /// One alert per rule and scope while it persists: receivers may deduplicate on it.
    public var dedupKey: String
    public var summary: String
    public var scope: AlertScope
    /// The figures that tripped the rule (or show it clear); null where undefined.
    public var figures: Figures
    /// The limits they were held against.
    public var threshold: Figures
    public var signals: [String]?
    public var startedAt: String
    public var time: String
    public var resolvedAt: String?
    public var firstSerial: String?
    public var lastSerial: String?
    /// A command that shows the data behind the alert.
    public var report: String
    public var site: String?
    public var host: String

    enum CodingKeys: String, CodingKey {
        case v, id, event, state, rule, kind, severity, dedupKey = "dedup_key", summary, scope, figures, threshold,
             signals, startedAt = "started_at", time, resolvedAt = "resolved_at", firstSerial = "first_serial",
             lastSerial = "last_serial", report, site, host
    }

    public init(id: Int64, decision: AlertDecision, rule: AlertRuleConfig, site: String?, host: String) {
        let observation = decision.observation
        self.id = id
        event = decision.event
        state = decision.event == .resolved ? "resolved" : "firing"
        self.rule = rule.name
        kind = rule.kind
        severity = rule.severity
        dedupKey = observation.dedupKey
        summary = observation.summary
        scope = observation.scope
        figures = observation.figures
        threshold = observation.threshold
        signals = observation.signals.isEmpty ? nil : observation.signals
        startedAt = RFC3339.string(from: decision.startedAt)
        time = RFC3339.string(from: decision.at)
        resolvedAt = decision.event == .resolved ? RFC3339.string(from: decision.at) : nil
        firstSerial = observation.firstSerial
        lastSerial = observation.lastSerial
        report = Self.reportHint(rule: rule, observation: observation)
        self.site = site
        self.host = host
    }

    /// The `smtq` command a quality engineer runs to see the data behind the alert.
    static func reportHint(rule: AlertRuleConfig, observation: Observation) -> String {
        let scope = observation.scope
        let from = RFC3339.string(from: observation.dataTime.addingTimeInterval(-3600))
        var words: [String]
        switch rule.kind {
        case .spc: words = ["smtq", "report", "spc", "--chart", scope.chart ?? "", "--svg", "chart.svg"]
        case .device: words = ["smtq", "events", "--device", scope.device ?? ""]
        case .repeatedDefect, .spike: words = ["smtq", "report", "pareto", "--key", "refdes"]
        case .threshold: words = ["smtq", "report", "yield"]
        }
        if rule.kind != .spc, rule.kind != .device {
            if let line = scope.line { words += ["--line", line] }
            if let station = scope.station { words += ["--station", station] }
            if let program = scope.program, !program.isEmpty { words += ["--program", program] }
        }
        words += ["--since", from]
        return words.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    /// The JSON text (keys sorted, so it is stable).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension AlertPayload {
    /// A sample of what the rule sends, marked `event: test` (`smtq alerts test`): the rule's scope and hooks,
    /// no figures.
    public static func sample(rule: AlertRuleConfig, configuration: Configuration, now: Date = Date()) -> AlertPayload {
        var scope = AlertScope(line: rule.line, station: rule.station, program: rule.program, device: rule.device)
        if case let .spcSignal(chart, _) = rule.condition,
           let config = configuration.spc.charts.first(where: { $0.name == chart }) {
            scope = AlertScope(line: config.line, station: config.station, program: config.program, chart: chart)
        }
        let observation = Observation(rule: rule.name, scope: scope, active: true,
                                      summary: "test alert for rule \(rule.name): its hooks are reachable (nothing tripped)",
                                      dataTime: now, evidence: "test:\(now.storeSeconds)")
        let decision = AlertDecision(event: .test, alertID: 0, startedAt: now, observation: observation, at: now)
        return AlertPayload(id: 0, decision: decision, rule: rule, site: configuration.site,
                            host: ProcessInfo.processInfo.hostName)
    }
}
