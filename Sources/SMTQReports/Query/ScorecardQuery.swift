import Foundation
import SMTQConfig
import SMTQStatistics
import SMTQStore

/// A contract target of `products.*.targets`.
public enum ScorecardMetric: String, Sendable, CaseIterable {
    case fpy, finalYield = "final_yield", dpmo, falseCallRate = "false_call_rate", cpk

    /// Whether a higher figure is better (the target is a minimum) or a lower one (a maximum).
    public var higherIsBetter: Bool { self == .fpy || self == .finalYield || self == .cpk }

    func target(_ targets: YieldTargets) -> Double? {
        switch self {
        case .fpy: targets.fpy
        case .finalYield: targets.finalYield
        case .dpmo: targets.dpmo
        case .falseCallRate: targets.falseCallRate
        case .cpk: targets.cpk
        }
    }

    /// Met when the figure is on the target's good side (the target itself counts as met).
    public func meets(_ actual: Double, _ target: Double) -> Bool {
        higherIsBetter ? actual >= target : actual <= target
    }
}

/// One target of one product at one place (a station, or a station's measurement for Cpk): the figure over
/// the period and per week.
public struct ScorecardRow: Sendable, Equatable {
    public var product: String
    public var metric: ScorecardMetric
    /// `LINE/STATION`.
    public var station: String
    /// The measurement, for Cpk.
    public var measurement: String?
    public var target: Double
    /// nil: undefined over the period (no units, no values, no spec).
    public var actual: Double?
    /// Units (yield figures) or values (Cpk) behind the figure.
    public var count: Int
    /// The figure per week of `Scorecard.weeks` (nil: undefined that week).
    public var weeks: [Double?]

    /// nil when there is no figure to judge.
    public var met: Bool? { actual.map { metric.meets($0, target) } }
}

/// A local calendar week (Monday to Monday), clipped to the period.
public struct ScorecardWeek: Sendable, Equatable {
    /// `2026-W48`.
    public var label: String
    public var since: Int64
    public var until: Int64
}

/// `smtq report scorecard`: a customer's products, each target of its contract against the measured figure
/// over the period, met or missed, with the trend by week. The figures are the yield report's (cohort view,
/// per station) and the capability report's (Cpk per station and measurement) over the same window.
public struct Scorecard: Sendable {
    public var customer: String
    public var since: Int64
    public var until: Int64
    /// The plant's time zone (weeks and the period are local).
    public var timeZone: String
    public var weeks: [ScorecardWeek]
    /// By product (the customer's order), then metric, station and measurement.
    public var rows: [ScorecardRow]
    /// Products of the customer with no target at all in the configuration.
    public var productsWithoutTargets: [String]

    public var met: Int { rows.filter { $0.met == true }.count }
    public var missed: Int { rows.filter { $0.met == false }.count }
}

public enum ScorecardQuery {
    public static func run(_ db: any SQLReader, customer: CustomerConfig, since: Int64, until: Int64,
                           configuration: SMTQConfig.Configuration) throws -> Scorecard {
        let weeks = self.weeks(since: since, until: until, time: configuration.time)
        var rows: [ScorecardRow] = []
        var withoutTargets: [String] = []
        for product in customer.products {
            guard let config = configuration.products[product] else { continue }
            let metrics = ScorecardMetric.allCases.filter { $0.target(config.targets) != nil }
            if metrics.isEmpty { withoutTargets.append(product) }
            var productRows: [ScorecardRow] = []
            func add(_ figures: [Place: (Double?, Int)], week: Int?) {
                for (place, figure) in figures {
                    if let index = productRows.firstIndex(where: { $0.metric == place.metric && $0.station == place.station
                        && $0.measurement == place.measurement }) {
                        if let week { productRows[index].weeks[week] = figure.0 }
                        continue
                    }
                    guard let target = place.metric.target(config.targets) else { continue }
                    var row = ScorecardRow(product: product, metric: place.metric, station: place.station, measurement: place.measurement,
                                           target: target, actual: nil, count: 0, weeks: Array(repeating: nil, count: weeks.count))
                    if let week {
                        row.weeks[week] = figure.0
                    } else {
                        row.actual = figure.0
                        row.count = figure.1
                    }
                    productRows.append(row)
                }
            }
            add(try figures(db, product: config, metrics: metrics, since: since, until: until, configuration: configuration), week: nil)
            for (offset, week) in weeks.enumerated() {
                add(try figures(db, product: config, metrics: metrics, since: week.since, until: week.until, configuration: configuration),
                    week: offset)
            }
            // Metrics in their order, stations in their line's route order, measurements by name.
            func place(_ station: String) -> (String, Int, String) {
                let parts = station.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { return (station, Int.max, station) }
                return (parts[0], configuration.line(named: parts[0])?.route.firstIndex(of: parts[1]) ?? Int.max, parts[1])
            }
            let order = ScorecardMetric.allCases
            rows += productRows.sorted { a, b in
                let (lineA, indexA, nameA) = place(a.station), (lineB, indexB, nameB) = place(b.station)
                return (order.firstIndex(of: a.metric)!, lineA, indexA, nameA, a.measurement ?? "")
                    < (order.firstIndex(of: b.metric)!, lineB, indexB, nameB, b.measurement ?? "")
            }
        }
        return Scorecard(customer: customer.name, since: since, until: until, timeZone: configuration.time.timeZone, weeks: weeks, rows: rows,
                         productsWithoutTargets: withoutTargets)
    }

    private struct Place: Hashable {
        var metric: ScorecardMetric
        var station: String
        var measurement: String?
    }

    /// The figures of one product over one window, by place: yield figures per station, Cpk per station and
    /// specified measurement.
    private static func figures(_ db: any SQLReader, product: ProductConfig, metrics: [ScorecardMetric], since: Int64, until: Int64,
                                configuration: SMTQConfig.Configuration) throws -> [Place: (Double?, Int)] {
        var result: [Place: (Double?, Int)] = [:]
        let scope = ReportScope(program: product.name, since: since, until: until)
        let yieldMetrics = metrics.filter { $0 != .cpk }
        if !yieldMetrics.isEmpty, let report = try unlessUnknown({ try YieldQuery.run(db, scope: scope, by: [], configuration: configuration) }) {
            for row in report.rows {
                let station = "\(row.keys["line"] ?? "?")/\(row.keys["station"] ?? "?")"
                for metric in yieldMetrics {
                    let value: Double? = switch metric {
                    case .fpy: row.figures.fpy
                    case .finalYield: row.figures.finalYield
                    case .dpmo: row.dpmo
                    case .falseCallRate: row.figures.falseCallRate
                    case .cpk: nil
                    }
                    result[Place(metric: metric, station: station)] = (value, row.figures.units)
                }
            }
        }
        if metrics.contains(.cpk) {
            for measurement in product.measurements.keys.sorted() {
                guard let rows = try unlessUnknown({ try CapabilityQuery.run(db, scope: scope, measurement: measurement, configuration: configuration) })
                else { continue }
                for row in rows where row.program == product.name {
                    result[Place(metric: .cpk, station: row.station, measurement: measurement)] = (row.result?.cpk, row.n)
                }
            }
        }
        return result
    }

    /// nil when the store has never seen the product or measurement (no figures, not an error).
    private static func unlessUnknown<T>(_ work: () throws -> T) throws -> T? {
        do {
            return try work()
        } catch is UnknownFilterValue {
            return nil
        }
    }

    /// The default period: the four whole local weeks before this one, and this week so far.
    public static func defaultSince(now: Date, time: TimeConfig) -> Int64 {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: time.timeZone) ?? TimeZone(identifier: "UTC")!
        let week = calendar.dateInterval(of: .weekOfYear, for: now)?.start ?? now
        return (calendar.date(byAdding: .weekOfYear, value: -4, to: week) ?? week).storeMicroseconds
    }

    /// The local weeks (Monday 00:00) the period touches, each clipped to it.
    public static func weeks(since: Int64, until: Int64, time: TimeConfig) -> [ScorecardWeek] {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: time.timeZone) ?? TimeZone(identifier: "UTC")!
        guard since < until,
              var start = calendar.dateInterval(of: .weekOfYear, for: Date(storeMicroseconds: since))?.start else { return [] }
        var weeks: [ScorecardWeek] = []
        while start.storeMicroseconds < until, weeks.count < 520 {
            guard let next = calendar.date(byAdding: .weekOfYear, value: 1, to: start) else { break }
            let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: start)
            weeks.append(ScorecardWeek(label: String(format: "%04d-W%02d", parts.yearForWeekOfYear ?? 0, parts.weekOfYear ?? 0),
                                       since: max(since, start.storeMicroseconds), until: min(until, next.storeMicroseconds)))
            start = next
        }
        return weeks
    }
}
