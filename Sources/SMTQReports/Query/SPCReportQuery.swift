import Foundation
import SMTQConfig
import SMTQStatistics
import SMTQStore

/// `smtq report spc`: a chart over stored subgroups, judged by the chart's stored (phase II) limits when it
/// has active ones, else by limits computed from the subgroups shown (phase I).
public struct SPCReport: Sendable {
    public var chart: ChartConfig
    public var subgroups: [Subgroup]
    public var result: ChartResult
    public var limits: StoredLimits?
}

public enum SPCReportQuery {
    public struct NoData: Error, CustomStringConvertible {
        public var what: String
        public var description: String { "no stored data for \(what) in this window" }
    }

    /// `useStoredLimits: false` judges by limits computed from the points shown (phase I) even if the chart
    /// has stored ones (e.g. the chart narrowed to another program than its limits were set for).
    public static func run(_ db: any SQLReader, chart: ChartConfig, scope: ReportScope, time: TimeConfig,
                           useStoredLimits: Bool = true) throws -> SPCReport {
        let stored = StoredChart(chart, time: time, site: scope.site)
        let what = "\(chart.line)/\(chart.station)\(chart.program.map { "/" + $0 } ?? "")\(chart.measurement.map { " " + $0 } ?? "")"
        do {
            _ = try Identities(db, site: scope.site).resolve(ReportScope(site: scope.site, line: chart.line, station: chart.station,
                                                                         program: chart.program))
        } catch is UnknownFilterValue {
            throw NoData(what: what)
        }
        let limits = useStoredLimits
            ? try SPCLimitsStore.active(db, site: scope.site)[chart.name].flatMap { $0.limits.type == chart.type.rawValue ? $0 : nil } : nil
        // With stored limits the series starts at the baseline's start, as the live engine's does (EWMA and
        // CUSUM carry their state from there), unless the window asks for earlier points; the window then
        // chooses which of its points are shown.
        var seriesStart = scope.since
        if let from = limits?.baselineFrom, scope.since.map({ $0 >= from }) ?? true { seriesStart = from }
        guard var subgroups = try stored.subgroups(db, since: seriesStart, until: scope.until), !subgroups.isEmpty else {
            throw NoData(what: what)
        }
        let options = limits.map { $0.limits.applied(to: stored.options) } ?? stored.options
        var result = try Charts.compute(chart.type.rawValue, Subgroup.chartInput(subgroups, type: chart.type.rawValue), options)
        if let since = scope.since, let seriesStart, seriesStart < since {
            let hidden = subgroups.prefix { $0.end <= since }.count
            guard hidden < subgroups.count else { throw NoData(what: what) }
            subgroups.removeFirst(hidden)
            result = result.droppingFirst(hidden)
        }
        return SPCReport(chart: chart, subgroups: subgroups, result: filtered(result, rules: chart.rules), limits: limits)
    }

    /// Keeps the signals of the chart's enabled rules (CUSUM signals always).
    static func filtered(_ result: ChartResult, rules: [RunRule]) -> ChartResult {
        let enabled = Set(rules.map(\.rawValue))
        func keep(_ series: ChartSeries) -> ChartSeries {
            var series = series
            for index in series.points.indices { series.points[index].signals.removeAll { !enabled.contains($0) } }
            return series
        }
        switch result {
        case let .attribute(type, series): return .attribute(type: type, series: keep(series))
        case let .subgroups(type, sigma, xbar, spread): return .subgroups(type: type, sigma: sigma, xbar: keep(xbar), spread: keep(spread))
        case let .imr(sigma, individuals, movingRange): return .imr(sigma: sigma, individuals: keep(individuals), movingRange: keep(movingRange))
        case let .ewma(sigma, series): return .ewma(sigma: sigma, series: keep(series))
        case .cusum, .capability: return result
        }
    }
}
