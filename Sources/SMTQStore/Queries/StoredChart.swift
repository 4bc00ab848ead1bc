import Foundation
import SMTQConfig
import SMTQStatistics

/// A configured chart (`spc.charts`) over stored data: its scope, its subgroup rule, its subgroups over a
/// time window. Reports, `smtq spc baseline` and the live engine's warm start all read charts this way, so
/// they form the same subgroups.
public struct StoredChart: Sendable {
    public let config: ChartConfig
    public let rule: SubgroupRule
    public let scope: ChartScope

    /// `site`: the chart's line at that site (a central database; nil on a line host's store).
    public init(_ config: ChartConfig, time: TimeConfig, site: String? = nil) {
        self.config = config
        scope = ChartScope(line: config.line, station: config.station, program: config.program,
                           measurement: config.type.isAttribute ? nil : config.measurement, site: site)
        let zone = TimeZone(identifier: time.timeZone) ?? TimeZone(identifier: "UTC")!
        switch config.subgroup {
        case let .every(duration)?: rule = .every(duration.totalMilliseconds * 1000, zone: zone)
        case let .units(count)?: rule = .count(count)
        case .shift?: rule = .shifts(time.shifts, zone: zone)
        case nil: rule = .individuals
        }
    }

    /// Whether the rollups' quarter hours can stand in for single results: an attribute chart whose
    /// subgroups are unions of whole quarter hours.
    public var readsRollups: Bool {
        guard scope.measurement == nil else { return false }
        let quarter = StoreSchema.bucketMicroseconds
        switch rule {
        case let .every(length, zone): return length % quarter == 0 && zone.secondsFromGMT() % 900 == 0
        case let .shifts(shifts, zone):
            return zone.secondsFromGMT() % 900 == 0 && shifts.allSatisfy { $0.startMinute % 15 == 0 && $0.endMinute % 15 == 0 }
        case .individuals, .count: return false
        }
    }

    /// The chart's subgroups with `since <= time < until` (microseconds), in time order; a trailing time
    /// bucket counts even if it has not ended, a trailing incomplete count does not. Nil when the store has
    /// never seen the chart's station, program or measurement.
    public func subgroups(_ db: any SQLReader, since: Int64? = nil, until: Int64? = nil) throws -> [Subgroup]? {
        var builder = SubgroupBuilder(rule: rule)
        var subgroups: [Subgroup] = []
        let aggregated = readsRollups && [since, until].allSatisfy { ($0 ?? 0) % StoreSchema.bucketMicroseconds == 0 }
        let found = try ChartEventQuery.forEach(db, scope: scope, since: since, until: until, aggregated: aggregated,
                                                arrivalOrder: arrivalOrder) { event in
            if let closed = builder.add(event) { subgroups.append(closed) }
        }
        guard found != nil else { return nil }
        if let last = builder.finish() { subgroups.append(last) }
        return subgroups
    }

    /// Unit-count subgroups take results in the order they were stored (the live engine's order); time
    /// buckets, shifts and individual values in time order.
    public var arrivalOrder: Bool {
        if case .count = rule { return true }
        return false
    }

    /// The `smtq chart` options of this chart (limit width, EWMA and CUSUM parameters).
    public var options: ChartOptions {
        var options = ChartOptions()
        options.limitSigmas = config.limitSigmas
        options.lambda = config.lambda
        options.k = config.cusumK
        options.h = config.cusumH
        return options
    }
}
