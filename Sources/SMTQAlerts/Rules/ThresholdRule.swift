import DequeModule
import Foundation
import SMTQStore
import SMTQConfig

/// `threshold`: per line, station and program, a yield figure over a sliding window of units, counted as the
/// reports count them (DESIGN.md, metric definitions): a unit belongs to the window of its first result at
/// the station, with its later retests there; a retest of a unit first tested before the window is not
/// counted. Sums are kept incrementally, so a unit in or out costs the same whatever the window's size.
final class ThresholdRule {
    let rule: String
    let metric: ThresholdMetric
    let below: Double?
    let above: Double?
    let window: AlertWindow
    let minUnits: Int
    /// Opportunities per unit by program (DPMO).
    let opportunities: [String: Int]
    private var windows: [GroupKey: Window] = [:]
    /// What each group's last reading said: a clear reading after a clear one is not reported again (the
    /// lifecycle would ignore it), which keeps a steady line cheap. Unknown (a new group, a restart) reports.
    private var lastActive: [GroupKey: Bool] = [:]

    init(rule: String, metric: ThresholdMetric, below: Double?, above: Double?, window: AlertWindow, minUnits: Int,
         opportunities: [String: Int]) {
        self.rule = rule
        self.metric = metric
        self.below = below
        self.above = above
        self.window = window
        self.minUnits = minUnits
        self.opportunities = opportunities
    }

    /// A serial first tested in the window, with all its results there so far.
    private struct Cohort {
        var serial: String
        var firstTime: Date
        var firstPass: Bool
        var lastPass: Bool
        var defects: Int
        var falseCalls: Int
    }

    private struct Window {
        var cohorts = Deque<Cohort>()
        /// Position of each serial's cohort as `offset + index`, so lookups survive removals at the front.
        var position: [String: Int] = [:]
        var offset = 0
        var units = 0, firstPass = 0, finalPass = 0, defects = 0, falseCalls = 0
        /// The newest unit time (the data's clock) and when it arrived (the host's): the window's end moves
        /// on from `latest` as the host's clock moves on from `arrived`, so a device clock that runs behind
        /// does not shorten the window.
        var latest: Date = .distantPast
        var arrived: Date = .distantPast

        mutating func add(_ unit: UnitFacts) {
            if unit.time >= latest {
                latest = unit.time
                arrived = unit.arrival
            }
            if unit.isFirst {
                guard position[unit.serial] == nil else { return }
                position[unit.serial] = offset + cohorts.count
                cohorts.append(Cohort(serial: unit.serial, firstTime: unit.time, firstPass: unit.passed,
                                      lastPass: unit.passed, defects: unit.realDefects, falseCalls: unit.falseCalls))
                units += 1
                firstPass += unit.passed ? 1 : 0
                finalPass += unit.passed ? 1 : 0
                defects += unit.realDefects
                falseCalls += unit.falseCalls
            } else if let at = position[unit.serial] {
                let index = at - offset
                finalPass += (unit.passed ? 1 : 0) - (cohorts[index].lastPass ? 1 : 0)
                cohorts[index].lastPass = unit.passed
                cohorts[index].defects += unit.realDefects
                cohorts[index].falseCalls += unit.falseCalls
                defects += unit.realDefects
                falseCalls += unit.falseCalls
            }
        }

        mutating func removeFirst() {
            let out = cohorts.removeFirst()
            position[out.serial] = nil
            offset += 1
            units -= 1
            firstPass -= out.firstPass ? 1 : 0
            finalPass -= out.lastPass ? 1 : 0
            defects -= out.defects
            falseCalls -= out.falseCalls
        }

        /// Drops cohorts out of the window ending at `end`.
        mutating func trim(_ window: AlertWindow, end: Date) {
            switch window {
            case let .units(count):
                while cohorts.count > count { removeFirst() }
            case let .time(span):
                let start = end.addingTimeInterval(-span.totalSeconds)
                while let first = cohorts.first, first.firstTime < start { removeFirst() }
            }
        }
    }

    func add(_ unit: UnitFacts, group: GroupKey) -> [Observation] {
        // In place: a copy of the window per unit would cost its whole size.
        windows[group, default: Window()].add(unit)
        windows[group]!.trim(window, end: windows[group]!.latest)
        return report(group, at: unit.time, evidence: "unit:\(unit.id)")
    }

    /// Time windows slide with the clock too: a window that emptied out of a firing condition resolves.
    func tick(now: Date) -> [Observation] {
        guard case .time = window else { return [] }
        var observations: [Observation] = []
        for group in Array(windows.keys) {
            let before = windows[group]!.units
            let state = windows[group]!
            windows[group]!.trim(window, end: state.latest.addingTimeInterval(max(0, now.timeIntervalSince(state.arrived))))
            if windows[group]!.units != before {
                observations += report(group, at: now, evidence: "tick:\(now.storeSeconds)")
            }
        }
        return observations
    }

    private func value(_ state: Window, program: String) -> Double? {
        let units = Double(state.units)
        switch metric {
        case .fpy: return state.units > 0 ? Double(state.firstPass) / units : nil
        case .finalYield: return state.units > 0 ? Double(state.finalPass) / units : nil
        case .dpu: return state.units > 0 ? Double(state.defects) / units : nil
        case .dpmo:
            guard state.units > 0, let opportunities = opportunities[program], opportunities > 0 else { return nil }
            return Double(state.defects) * 1_000_000 / (units * Double(opportunities))
        case .falseCallRate:
            let calls = state.defects + state.falseCalls
            return calls > 0 ? Double(state.falseCalls) / Double(calls) : nil
        }
    }

    /// Whether the condition holds for a window, and the metric's value.
    private func judge(_ state: Window, program: String) -> (active: Bool, value: Double?) {
        let value = value(state, program: program)
        guard state.units >= minUnits, let value else { return (false, value) }
        return ((below.map { value < $0 } ?? false) || (above.map { value > $0 } ?? false), value)
    }

    private func report(_ group: GroupKey, at time: Date, evidence: String) -> [Observation] {
        let state = windows[group]!
        let (active, value) = judge(state, program: group.program)
        defer { lastActive[group] = active }
        if !active, lastActive[group] == false { return [] }
        return [observe(state, group, active: active, value: value, at: time, evidence: evidence)]
    }

    private func observe(_ state: Window, _ group: GroupKey, active: Bool, value: Double?, at time: Date,
                         evidence: String) -> Observation {
        let enough = state.units >= minUnits
        var threshold: Figures = ["min_units": Double(minUnits)]
        if let below { threshold["below"] = below }
        if let above { threshold["above"] = above }
        switch window {
        case let .units(count): threshold["window_units"] = Double(count)
        case let .time(span): threshold["window_seconds"] = span.totalSeconds
        }
        let fraction = metric.isFraction
        let limit = [below.map { "below \(describe($0, fraction: fraction))" }, above.map { "above \(describe($0, fraction: fraction))" }]
            .compactMap { $0 }.joined(separator: " or ")
        let place = "\(group.line)/\(group.station) (\(group.program))"
        let summary = enough
            ? "\(metric.rawValue) \(describe(value, fraction: fraction)) over \(state.units) units at \(place) (alert \(limit))"
            : "\(metric.rawValue) not judged at \(place): \(state.units) units in the window, fewer than \(minUnits)"
        return Observation(
            rule: rule, scope: group.scope, active: active,
            figures: [metric.rawValue: value, "units": Double(state.units), "first_pass_units": Double(state.firstPass),
                      "final_pass_units": Double(state.finalPass), "defects": Double(state.defects),
                      "false_calls": Double(state.falseCalls)],
            threshold: threshold, firstSerial: state.cohorts.first?.serial, lastSerial: state.cohorts.last?.serial,
            summary: summary, dataTime: time, evidence: evidence)
    }
}

extension Date {
    /// Whole seconds since 1970, for evidence keys.
    var storeSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
}
