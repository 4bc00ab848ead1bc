import Foundation

/// One result at a station, as the yield definitions need it.
public struct YieldObservation: Sendable, Equatable {
    public var serial: String
    public var station: String
    public var program: String
    public var time: Date
    public var passed: Bool
    /// Real defects and false calls on this result.
    public var defects: Int
    public var falseCalls: Int

    public init(serial: String, station: String, program: String, time: Date, passed: Bool, defects: Int, falseCalls: Int) {
        self.serial = serial
        self.station = station
        self.program = program
        self.time = time
        self.passed = passed
        self.defects = defects
        self.falseCalls = falseCalls
    }
}

/// The yield figures of one station over a cohort (DESIGN.md, "Metric definitions"). A ratio with a zero
/// denominator is nil: undefined, never 0 or NaN.
public struct StationYield: Sendable, Equatable {
    public var units = 0
    public var tests = 0
    public var firstPassUnits = 0
    public var finalPassUnits = 0
    public var defects = 0
    public var falseCalls = 0
    /// Sum of the opportunities of the cohort's distinct serials (the DPMO denominator).
    public var opportunities = 0

    public init(units: Int = 0, tests: Int = 0, firstPassUnits: Int = 0, finalPassUnits: Int = 0, defects: Int = 0,
                falseCalls: Int = 0, opportunities: Int = 0) {
        self.units = units
        self.tests = tests
        self.firstPassUnits = firstPassUnits
        self.finalPassUnits = finalPassUnits
        self.defects = defects
        self.falseCalls = falseCalls
        self.opportunities = opportunities
    }

    public var fpy: Double? { Yield.ratio(Double(firstPassUnits), Double(units)) }
    public var finalYield: Double? { Yield.ratio(Double(finalPassUnits), Double(units)) }
    public var falseCallRate: Double? { Yield.ratio(Double(falseCalls), Double(defects + falseCalls)) }
    public var dpu: Double? { Yield.ratio(Double(defects), Double(units)) }
    public var dpmo: Double? { Yield.ratio(Double(defects) * 1_000_000, Double(opportunities)) }
}

/// Yield, RTY and escapes by the definitions, from observations. Pure.
public enum Yield {
    public static func ratio(_ numerator: Double, _ denominator: Double) -> Double? {
        denominator == 0 ? nil : numerator / denominator
    }

    /// The figures of one station's results: serials form cohorts by their first result, and `includeCohort`
    /// (given that first result) chooses which cohorts count: a time window, a program, or all.
    public static func station(_ results: [YieldObservation], opportunities: [String: Int],
                               includeCohort: (YieldObservation) -> Bool = { _ in true }) -> StationYield {
        var figures = StationYield()
        for (_, group) in Dictionary(grouping: results, by: \.serial) {
            let sorted = group.sorted { $0.time < $1.time }
            guard let first = sorted.first, let last = sorted.last, includeCohort(first) else { continue }
            figures.units += 1
            figures.tests += sorted.count
            figures.firstPassUnits += first.passed ? 1 : 0
            figures.finalPassUnits += last.passed ? 1 : 0
            figures.defects += sorted.reduce(0) { $0 + $1.defects }
            figures.falseCalls += sorted.reduce(0) { $0 + $1.falseCalls }
            figures.opportunities += opportunities[first.program] ?? 0
        }
        return figures
    }

    /// Rolled throughput yield: the product of the route's first-pass yields; nil if any is undefined.
    public static func rty(_ fpys: [Double?]) -> Double? {
        var product = 1.0
        for fpy in fpys {
            guard let fpy else { return nil }
            product *= fpy
        }
        return product
    }

    /// Serials whose last result at an AOI station of the route (a station named AOI…) is a pass and that
    /// failed at a station after it on the route; sorted. A serial without an AOI result is never an escape.
    public static func escapes(route: [String], results: [YieldObservation]) -> [String] {
        var escapes: [String] = []
        for (serial, group) in Dictionary(grouping: results, by: \.serial) {
            let escaped = route.enumerated().contains { index, station in
                guard station.hasPrefix("AOI"),
                      let lastAOI = group.filter({ $0.station == station }).max(by: { $0.time < $1.time }),
                      lastAOI.passed else { return false }
                let later = Set(route[(index + 1)...])
                return group.contains { later.contains($0.station) && !$0.passed }
            }
            if escaped { escapes.append(serial) }
        }
        return escapes.sorted()
    }
}
