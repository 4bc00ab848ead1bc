import DequeModule
import Foundation
import SMTQStore

/// `spike`: per line, station and program, the real-defect rate (defects per tested unit) of the last
/// `window` against the `baseline` just before it. Results move from the window to the baseline and out as
/// time goes on; both sums are kept incrementally.
final class SpikeRule {
    let rule: String
    let factor: Double
    let window: Duration
    let baseline: Duration
    let minUnits: Int
    let minDefects: Int
    private var groups: [GroupKey: State] = [:]
    /// A clear reading after a clear one is not reported again (as in `ThresholdRule`).
    private var lastActive: [GroupKey: Bool] = [:]

    private struct Entry {
        var time: Date
        var defects: Int
        /// When it arrived by the host's clock.
        var arrival: Date
    }

    private struct Span {
        var entries = Deque<Entry>()
        var units = 0
        var defects = 0

        mutating func append(_ entry: Entry) {
            entries.append(entry)
            units += 1
            defects += entry.defects
        }

        mutating func removeFirst() -> Entry {
            let entry = entries.removeFirst()
            units -= 1
            defects -= entry.defects
            return entry
        }

        var rate: Double? { units > 0 ? Double(defects) / Double(units) : nil }
    }

    private struct State {
        var recent = Span()
        var before = Span()
        /// The newest unit time and when it arrived: the spans' end moves on with the host's clock from there
        /// (as in `ThresholdRule`), so a device clock that runs behind does not shorten them.
        var latest: Date = .distantPast
        var arrived: Date = .distantPast

        mutating func add(_ entry: Entry) {
            if entry.time >= latest {
                latest = entry.time
                arrived = entry.arrival
            }
            recent.append(entry)
        }

        func end(at now: Date) -> Date { latest.addingTimeInterval(max(0, now.timeIntervalSince(arrived))) }

        /// Moves what left the window into the baseline, and what left the baseline out.
        mutating func slide(window: Duration, baseline: Duration, end: Date) {
            let windowStart = end.addingTimeInterval(-window.totalSeconds)
            let baselineStart = windowStart.addingTimeInterval(-baseline.totalSeconds)
            while let first = recent.entries.first, first.time < windowStart {
                before.append(recent.removeFirst())
            }
            while let first = before.entries.first, first.time < baselineStart {
                _ = before.removeFirst()
            }
        }
    }

    init(rule: String, factor: Double, window: Duration, baseline: Duration, minUnits: Int, minDefects: Int) {
        self.rule = rule
        self.factor = factor
        self.window = window
        self.baseline = baseline
        self.minUnits = minUnits
        self.minDefects = minDefects
    }

    func add(_ unit: UnitFacts, group: GroupKey) -> [Observation] {
        // In place: a copy of the spans per unit would cost their whole size.
        groups[group, default: State()].add(Entry(time: unit.time, defects: unit.realDefects, arrival: unit.arrival))
        groups[group]!.slide(window: window, baseline: baseline, end: groups[group]!.latest)
        return report(group, at: unit.time, evidence: "unit:\(unit.id)")
    }

    func tick(now: Date) -> [Observation] {
        var observations: [Observation] = []
        for group in Array(groups.keys) {
            let before = (groups[group]!.recent.units, groups[group]!.before.units)
            groups[group]!.slide(window: window, baseline: baseline, end: groups[group]!.end(at: now))
            if (groups[group]!.recent.units, groups[group]!.before.units) != before {
                observations += report(group, at: now, evidence: "tick:\(now.storeSeconds)")
            }
        }
        return observations
    }

    private func judge(_ state: State) -> Bool {
        let enough = state.recent.units >= minUnits && state.before.units >= minUnits
            && state.recent.defects >= minDefects
        guard enough, let recent = state.recent.rate, let base = state.before.rate else { return false }
        return base == 0 ? recent > 0 : recent >= factor * base
    }

    private func report(_ group: GroupKey, at time: Date, evidence: String) -> [Observation] {
        let state = groups[group]!
        let active = judge(state)
        defer { lastActive[group] = active }
        if !active, lastActive[group] == false { return [] }
        return [observe(state, group, active: active, at: time, evidence: evidence)]
    }

    private func observe(_ state: State, _ group: GroupKey, active: Bool, at time: Date, evidence: String) -> Observation {
        let recent = state.recent.rate
        let base = state.before.rate
        let ratio: Double? = base.flatMap { base in recent.flatMap { base > 0 ? $0 / base : nil } }
        let place = "\(group.line)/\(group.station) (\(group.program))"
        let summary = "defect rate \(describe(recent)) per unit over \(state.recent.units) units at \(place), "
            + "baseline \(describe(base)) over \(state.before.units) units (alert at \(describe(factor))×)"
        return Observation(
            rule: rule, scope: group.scope, active: active,
            figures: ["window_rate": recent, "baseline_rate": base, "ratio": ratio,
                      "window_units": Double(state.recent.units), "window_defects": Double(state.recent.defects),
                      "baseline_units": Double(state.before.units), "baseline_defects": Double(state.before.defects)],
            threshold: ["factor": factor, "min_units": Double(minUnits), "min_defects": Double(minDefects),
                        "window_seconds": window.totalSeconds, "baseline_seconds": baseline.totalSeconds],
            summary: summary, dataTime: time, evidence: evidence)
    }
}
