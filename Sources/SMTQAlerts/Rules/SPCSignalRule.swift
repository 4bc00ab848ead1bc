import Foundation
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQStore

/// `spc_signal`: a closed point of the chart with a signal among the rule's run rules (any, when none are
/// named) fires; the series' next point without one resolves. One alert per chart series.
final class SPCSignalRule {
    let rule: String
    let chart: ChartConfig
    let rules: Set<String>

    init(rule: String, chart: ChartConfig, rules: [RunRule]) {
        self.rule = rule
        self.chart = chart
        self.rules = Set(rules.map(\.rawValue))
    }

    func point(_ point: LivePoint) -> [Observation] {
        guard point.chart == chart.name else { return [] }
        let signals = rules.isEmpty ? point.signals : point.signals.filter { rules.contains($0) || $0.hasPrefix("cusum") }
        let scope = AlertScope(line: chart.line, station: chart.station, program: chart.program, chart: chart.name,
                               series: point.series)
        let start = Date(storeMicroseconds: point.start)
        let value = point.value.map { describe($0) } ?? "n/a"
        // `points` is the one series of p, np, c, u and EWMA charts: not worth naming.
        let series = point.series == "points" ? "" : " \(point.series)"
        let subject = "chart \(chart.name)\(series), point \(point.index) (\(RFC3339.string(from: start)))"
        let summary = signals.isEmpty
            ? "\(subject) is back in control"
            : "\(subject) = \(value) signals " + signals.joined(separator: ", ")
                + " (limits \(describe(point.lcl))–\(describe(point.ucl)))"
        return [Observation(
            rule: rule, scope: scope, active: !signals.isEmpty,
            figures: ["value": point.value, "center": point.center, "point": Double(point.index)],
            threshold: ["ucl": point.ucl, "lcl": point.lcl], signals: signals, summary: summary,
            dataTime: Date(storeMicroseconds: point.end), evidence: "point:\(point.series):\(point.start)",
            pointStart: point.start)]
    }
}
