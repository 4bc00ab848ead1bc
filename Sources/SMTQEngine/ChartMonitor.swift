import DequeModule
import SMTQConfig
import SMTQStatistics
import SMTQStore

/// One configured chart, live: forms subgroups from events as they come, and judges each closed subgroup by
/// the chart over its latest points (a window wide enough for every run rule) continuing from the state
/// before the window. O(window) per closed subgroup and O(1) per event, whatever the history's length.
struct ChartMonitor {
    /// Points kept for the run rules; the longest rule (nelson7) looks at 15.
    static let window = 20

    let chart: StoredChart
    private(set) var builder: SubgroupBuilder
    private var recent: Deque<Subgroup> = []
    private var start = SeriesStart()
    private var estimate: PhaseOneEstimate
    var frozen: StoredLimits?
    private(set) var points = 0
    private(set) var signals = 0
    private(set) var waiting: String?
    private(set) var failure: String?

    init(chart: StoredChart, limits: StoredLimits?) {
        self.chart = chart
        builder = SubgroupBuilder(rule: chart.rule)
        estimate = PhaseOneEstimate(type: chart.config.type.rawValue)
        frozen = limits
    }

    var name: String { chart.config.name }
    var type: String { chart.config.type.rawValue }

    /// Adds an event; returns the points of the subgroup it closed.
    mutating func add(_ event: ChartEvent) -> [LivePoint] {
        guard let closed = builder.add(event) else { return [] }
        return close(closed)
    }

    /// Events dated more than an hour ahead of the clock (a device with a wrong clock): not charted live,
    /// because one would hold its future bucket open and make every correct event after it late.
    private(set) var futureEvents = 0

    mutating func countFuture() {
        futureEvents += 1
    }

    /// The end of the latest subgroup this chart closed.
    var closedThrough: Int64 { builder.closedThrough }

    /// Continues after a predecessor that closed everything before `time` (a reload must not emit it twice).
    mutating func markClosed(through time: Int64) {
        builder.markClosed(through: time)
    }

    /// Closes a time bucket or shift that ended before `now`.
    mutating func closeEnded(by now: Int64) -> [LivePoint] {
        guard let closed = builder.close(ifEndedBy: now) else { return [] }
        return close(closed)
    }

    var status: ChartStatus {
        ChartStatus(chart: name, points: points, signals: signals, lateEvents: builder.lateEvents, futureEvents: futureEvents,
                    phase: points == 0 || waiting != nil ? nil : (frozen == nil ? .estimated : .baseline),
                    waiting: waiting ?? failure)
    }

    private func limits() -> (ChartLimits, LivePoint.Phase)? {
        if let frozen { return (frozen.limits, .baseline) }
        return estimate.limits(limitSigmas: chart.config.limitSigmas).map { ($0, .estimated) }
    }

    private mutating func close(_ subgroup: Subgroup) -> [LivePoint] {
        points += 1
        estimate.add(subgroup)
        recent.append(subgroup)
        let judged = limits()
        let options = judged.map { $0.0.applied(to: chart.options) } ?? chart.options
        if recent.count > Self.window {
            let dropped = recent.removeFirst()
            start.advance(past: dropped.values.first, options: options)
        }
        guard let phase = judged?.1 else {
            waiting = type == "ewma" || type == "cusum"
                ? "no baseline: run 'smtq spc baseline \(name)' to freeze its target and sigma"
                : "collecting the first points for its limits"
            return []
        }
        waiting = nil
        var windowOptions = options
        windowOptions.start = start
        windowOptions.signalsFrom = recent.count - 1
        let result: ChartResult
        do {
            result = try Charts.compute(type, Subgroup.chartInput(Array(recent), type: type), windowOptions)
        } catch {
            failure = error.message
            return []
        }
        failure = nil
        let live = Self.lastPoints(result).map { series, point in
            LivePoint(chart: name, series: series, index: point.index, start: subgroup.start, end: subgroup.end,
                      shift: subgroup.shift, value: point.value, center: point.center, ucl: point.ucl, lcl: point.lcl,
                      signals: point.signals.filter { enabled($0) }, phase: phase)
        }
        signals += live.filter { !$0.signals.isEmpty }.count
        return live
    }

    private func enabled(_ signal: String) -> Bool {
        signal.hasPrefix("cusum") || chart.config.rules.contains { $0.rawValue == signal }
    }

    /// The last point of each plotted series of a chart.
    static func lastPoints(_ result: ChartResult) -> [(String, ChartPoint)] {
        switch result {
        case let .attribute(_, series), let .ewma(_, series):
            return series.points.last.map { [("points", $0)] } ?? []
        case let .subgroups(type, _, xbar, spread):
            return [("xbar", xbar.points.last), (type == "xbar-r" ? "range" : "stdev", spread.points.last)]
                .compactMap { name, point in point.map { (name, $0) } }
        case let .imr(_, individuals, movingRange):
            return [("individuals", individuals.points.last), ("moving_range", movingRange.points.last)]
                .compactMap { name, point in point.map { (name, $0) } }
        case let .cusum(_, h, _, sigma, points):
            return points.last.map { point in
                [("cusum", ChartPoint(index: point.index, value: max(point.cplus, point.cminus), center: 0, ucl: h * sigma,
                                      lcl: 0, signals: point.signals, x: point.x, sigma: sigma))]
            } ?? []
        case .capability:
            return []
        }
    }
}
