import DequeModule
import Foundation

/// `repeated_defect`: per line, station and program, the last `within` units; the same reference designator
/// and real-defect code on `count` of them is a feeder or a nozzle. Counting is incremental: a unit in adds
/// its pairs, the unit pushed out removes its own.
final class RepeatedDefectRule {
    let rule: String
    let count: Int
    let within: Int
    private var windows: [GroupKey: Window] = [:]

    private struct Window {
        var units = Deque<UnitFacts>()
        var counts: [DefectKey: Int] = [:]

        /// Adds a unit and drops what falls out; `changed` gains every pair whose count moved.
        mutating func push(_ unit: UnitFacts, within: Int, changed: inout Set<DefectKey>) {
            units.append(unit)
            for key in unit.defectKeys { counts[key, default: 0] += 1 }
            while units.count > within {
                let out = units.removeFirst()
                for key in out.defectKeys {
                    changed.insert(key)
                    let left = (counts[key] ?? 1) - 1
                    counts[key] = left > 0 ? left : nil
                }
            }
        }
    }

    init(rule: String, count: Int, within: Int) {
        self.rule = rule
        self.count = count
        self.within = within
    }

    /// Adds a unit; returns an observation for every pair whose count changed.
    func add(_ unit: UnitFacts, group: GroupKey) -> [Observation] {
        var changed = unit.defectKeys
        // In place: a copy of the window per unit would cost its whole size.
        windows[group, default: Window()].push(unit, within: within, changed: &changed)
        guard !changed.isEmpty, let window = windows[group] else { return [] }
        return changed.sorted { ($0.refdes, $0.code) < ($1.refdes, $1.code) }.map { observe($0, window, group, unit) }
    }

    private func observe(_ key: DefectKey, _ window: Window, _ group: GroupKey, _ latest: UnitFacts) -> Observation {
        let seen = window.counts[key] ?? 0
        let involved = seen >= count ? window.units.filter { $0.defectKeys.contains(key) } : []
        var scope = group.scope
        scope.refdes = key.refdes
        scope.code = key.code
        let place = "\(group.line)/\(group.station) (\(group.program))"
        return Observation(
            rule: rule, scope: scope, active: seen >= count,
            figures: ["occurrences": Double(seen), "window_units": Double(window.units.count)],
            threshold: ["count": Double(count), "within_units": Double(within)],
            firstSerial: involved.first?.serial, lastSerial: involved.last?.serial,
            summary: "\(key.refdes) \(key.code) on \(seen) of the last \(window.units.count) units at \(place)",
            dataTime: latest.time, evidence: "unit:\(latest.id)")
    }
}
