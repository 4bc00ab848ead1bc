import Foundation
@testable import SMTQAlerts
import SMTQConfig
import SMTQCore
import SMTQStore
@testable import SMTQEngine
import Testing

/// The rules as pure functions of what they are fed.
struct RuleTests {
    let group = GroupKey(line: "L1", station: "AOI-1", program: "PCB-A")

    @Test("repeated_defect: K of the last N units fires on the K-th, per refdes and code, and clears as they leave")
    func repeatedDefect() {
        let rule = RepeatedDefectRule(rule: "feeder", count: 3, within: 5)
        var active: [Bool] = []
        let pattern: [[(String, String)]] = [[("C12", "BRIDGE")], [], [("C12", "BRIDGE"), ("R3", "MISSING")], [],
                                             [("C12", "BRIDGE")], [], [], [], []]
        var fired: Observation?
        for (index, defects) in pattern.enumerated() {
            let observations = rule.add(UnitFacts(Make.unit(Int64(index + 1), defects: defects)), group: group)
            if let c12 = observations.first(where: { $0.scope.refdes == "C12" }) {
                active.append(c12.active)
                if c12.active, fired == nil { fired = c12 }
            }
        }
        // Units 1, 3, 5 carry C12 BRIDGE: the 5th unit makes 3 of 5; unit 6 pushes unit 1 out (2 of 5), unit 8
        // pushes unit 3 out (1 of 5).
        #expect(active == [false, false, true, false, false])
        #expect(fired?.figures["occurrences"] == 3)
        #expect(fired?.firstSerial == "SN1")
        #expect(fired?.lastSerial == "SN5")
        #expect(fired?.dedupKey == "feeder|L1|AOI-1|PCB-A||||C12|BRIDGE")
        #expect(fired?.evidence == "unit:5")
    }

    @Test("repeated_defect ignores false calls and keeps stations and programs apart")
    func repeatedDefectScopes() {
        let rule = RepeatedDefectRule(rule: "feeder", count: 2, within: 10)
        let other = GroupKey(line: "L1", station: "AOI-1", program: "PCB-B")
        _ = rule.add(UnitFacts(Make.unit(1, defects: [("C1", "BRIDGE")])), group: group)
        #expect(rule.add(UnitFacts(Make.unit(2, program: "PCB-B", defects: [("C1", "BRIDGE")])), group: other).active.isEmpty)
        #expect(rule.add(UnitFacts(Make.unit(3, falseCalls: 3)), group: group).isEmpty)
        #expect(rule.add(UnitFacts(Make.unit(4, defects: [("C1", "BRIDGE")])), group: group).active.count == 1)
    }

    @Test("threshold FPY counts units by their first result: a retest changes final yield, not FPY")
    func thresholdCohorts() {
        let rule = ThresholdRule(rule: "fpy", metric: .fpy, below: 0.9, above: nil, window: .units(10), minUnits: 4,
                                 opportunities: [:])
        let final = ThresholdRule(rule: "final", metric: .finalYield, below: 0.9, above: nil, window: .units(10),
                                  minUnits: 4, opportunities: [:])
        var last: [Observation] = []
        var finalReadings: [Observation] = []
        let units = [Make.unit(1), Make.unit(2, defects: [("C1", "BRIDGE")]), Make.unit(3), Make.unit(4),
                     Make.unit(5, serial: "SN2", pass: true, first: false), Make.unit(6, serial: "SN-old", pass: false, first: false)]
        for unit in units {
            last = rule.add(UnitFacts(unit), group: group)
            finalReadings += final.add(UnitFacts(unit), group: group)
        }
        // 4 units first tested here, 3 passed first time; SN2 passed its retest; SN-old was first tested earlier.
        #expect(last[0].figures["fpy"] == 0.75)
        #expect(last[0].figures["units"] == 4)
        #expect(last[0].active)
        // Final yield: 3 of 4 after unit 4 (fires), 4 of 4 after SN2's retest passed (clears); a clear reading
        // after a clear one is not reported again.
        #expect(finalReadings.map(\.active) == [false, true, false])
        #expect(finalReadings.last?.figures["final_yield"] == 1.0)
    }

    @Test("threshold is not judged below min_units, and a time window slides with the clock")
    func thresholdWindow() {
        let rule = ThresholdRule(rule: "dpmo", metric: .dpmo, below: nil, above: 1000, window: .time(.seconds(60)),
                                 minUnits: 3, opportunities: ["PCB-A": 500])
        let first = rule.add(UnitFacts(Make.unit(1, defects: [("C1", "X")], at: 0)), group: group)
        #expect(first.count == 1 && !first[0].active)
        // Clear again, and again at 3 units (1 defect × 10^6 / (3 units × 500 opportunities) = 666.7) and at
        // 4 (1000, not above): not reported again.
        #expect(rule.add(UnitFacts(Make.unit(2, at: 10)), group: group).isEmpty)
        #expect(rule.add(UnitFacts(Make.unit(3, at: 20)), group: group).isEmpty)
        #expect(rule.add(UnitFacts(Make.unit(4, defects: [("C2", "X")], at: 30)), group: group).isEmpty)
        let fifth = rule.add(UnitFacts(Make.unit(5, defects: [("C3", "X")], at: 40)), group: group)[0]
        // 3 defects × 10^6 / (5 units × 500) = 1200.
        #expect(fifth.active)
        #expect(abs((fifth.figures["dpmo"] ?? 0)! - 1200) < 1e-9)
        // At 85 s the window starts at 25 s: only units 4 and 5 remain, fewer than min_units.
        let slid = rule.tick(now: Make.t0.addingTimeInterval(85))
        #expect(slid.count == 1)
        #expect(slid[0].figures["units"] == 2)
        #expect(!slid[0].active)
    }

    @Test("a device clock behind the host's does not shorten a time window")
    func deviceClockBehind() {
        let rule = ThresholdRule(rule: "fpy", metric: .fpy, below: 0.9, above: nil, window: .time(.seconds(60)),
                                 minUnits: 2, opportunities: [:])
        // The device's clock is ten minutes behind: units are stamped 600 s before they arrive.
        func behind(_ id: Int64, at seconds: Double, pass: Bool) -> UnitFacts {
            UnitFacts(Make.unit(id, pass: pass, at: seconds - 600), arrival: Make.t0.addingTimeInterval(seconds))
        }
        _ = rule.add(behind(1, at: 0, pass: false), group: group)
        let fired = rule.add(behind(2, at: 10, pass: false), group: group)
        #expect(fired.first?.active == true)
        // 30 s later by the host's clock both units are still inside the last minute of the data.
        #expect(rule.tick(now: Make.t0.addingTimeInterval(40)).isEmpty)
        // 65 s after the first arrived it has left the window: one unit, fewer than min_units.
        let slid = rule.tick(now: Make.t0.addingTimeInterval(65))
        #expect(slid.first?.figures["units"] == 1)
        #expect(slid.first?.active == false)
    }

    @Test("false-call rate over zero calls is undefined and never fires")
    func falseCallRateUndefined() {
        let rule = ThresholdRule(rule: "fc", metric: .falseCallRate, below: nil, above: 0.2, window: .units(5),
                                 minUnits: 1, opportunities: [:])
        let clean = rule.add(UnitFacts(Make.unit(1)), group: group)[0]
        #expect(clean.figures["false_call_rate"] == .some(nil))
        #expect(!clean.active)
        let calls = rule.add(UnitFacts(Make.unit(2, falseCalls: 2)), group: group)[0]
        #expect(calls.figures["false_call_rate"] == 1.0)
        #expect(calls.active)
    }

    @Test("spike: the window's defect rate against the baseline before it, with minimum counts")
    func spike() {
        let rule = SpikeRule(rule: "spike", factor: 3, window: .seconds(100), baseline: .seconds(1000), minUnits: 10,
                             minDefects: 3)
        // Baseline: 100 units over 900 s, one defect in ten (rate 0.1).
        for index in 0..<100 {
            _ = rule.add(UnitFacts(Make.unit(Int64(index + 1), defects: index % 10 == 0 ? [("C1", "X")] : [],
                                             at: Double(index) * 9)), group: group)
        }
        var observations: [Observation] = []
        // Window: 20 units from 1000 s, every other one with a defect (rate 0.5 ≥ 3 × 0.1).
        for index in 0..<20 {
            observations = rule.add(UnitFacts(Make.unit(Int64(200 + index), defects: index % 2 == 0 ? [("C2", "Y")] : [],
                                                        at: 1000 + Double(index) * 4)), group: group)
            if index == 4 {
                // Five units in the window: fewer than min_units (clear, as before: not reported).
                #expect(observations.isEmpty)
            }
        }
        let last = observations[0]
        #expect(last.active)
        #expect(last.figures["window_units"] == 20)
        #expect(last.figures["window_defects"] == 10)
        #expect(last.figures["window_rate"] == 0.5)
        #expect(abs((last.figures["ratio"] ?? 0)! - 5) < 0.6)
    }

    @Test("spike: one defect on a few boards against a clean baseline is not a spike")
    func spikeMinimumDefects() {
        let rule = SpikeRule(rule: "spike", factor: 2, window: .seconds(10), baseline: .seconds(100), minUnits: 2,
                             minDefects: 3)
        for index in 0..<20 { _ = rule.add(UnitFacts(Make.unit(Int64(index), at: Double(index) * 5)), group: group) }
        let one = rule.add(UnitFacts(Make.unit(100, defects: [("C1", "X")], at: 101)), group: group)
        #expect(one.allSatisfy { !$0.active })
    }

    @Test("spc_signal: a point with one of the rule's signals fires, the series' next clean point resolves")
    func spcSignal() throws {
        let configuration = try Make.configuration("""
            lines:
              L1: {route: [AOI-1]}
            devices: []
            spc:
              charts:
                - {name: aoi-p, chart: p, line: L1, station: AOI-1, subgroup: {every: 1h}, rules: [nelson1, nelson2]}
            """)
        let rule = SPCSignalRule(rule: "spc", chart: configuration.spc.charts[0], rules: [.nelson1])
        func point(_ signals: [String], index: Int) -> LivePointFixture { LivePointFixture(signals: signals, index: index) }
        let fired = rule.point(point(["nelson2", "nelson1"], index: 7).live)
        #expect(fired.count == 1)
        #expect(fired[0].active)
        #expect(fired[0].signals == ["nelson1"])
        #expect(fired[0].scope.chart == "aoi-p")
        #expect(fired[0].pointStart == 7_000_000)
        #expect(!rule.point(point(["nelson2"], index: 8).live)[0].active)
        #expect(rule.point(LivePointFixture(signals: ["nelson1"], index: 9, chart: "other").live).isEmpty)
    }

    @Test("device: down longer than down_after fires once; a connect resolves; a gap resolves on a later commit")
    func device() throws {
        let configuration = try Make.configuration("""
            lines:
              L1: {route: [AOI-1]}
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:1502", unit_id: 1}
            """)
        let rule = DeviceRule(rule: "dev", downAfter: .seconds(30), gaps: true, devices: configuration.devices,
                              startedAt: Make.t0)
        let identity = configuration.devices[0].identity
        #expect(rule.event(DeviceEvent(device: identity, time: Make.t0, kind: .connect), batch: 1).active.isEmpty)
        #expect(rule.event(DeviceEvent(device: identity, time: Make.t0.addingTimeInterval(5), kind: .disconnect), batch: 2).isEmpty)
        #expect(rule.tick(now: Make.t0.addingTimeInterval(30)).isEmpty)
        let down = rule.tick(now: Make.t0.addingTimeInterval(36))
        #expect(down.count == 1 && down[0].active)
        #expect(down[0].scope.code == "down")
        #expect(rule.tick(now: Make.t0.addingTimeInterval(60)).isEmpty)
        let back = rule.event(DeviceEvent(device: identity, time: Make.t0.addingTimeInterval(70), kind: .connect), batch: 3)
        #expect(back.count == 1 && !back[0].active)
        let gap = rule.event(DeviceEvent(device: identity, time: Make.t0.addingTimeInterval(80), kind: .gap, count: 4), batch: 4)
        #expect(gap.count == 1 && gap[0].active && gap[0].figures["lost_records"] == 4)
        #expect(rule.delivered(device: "aoi1", at: Make.t0, unitID: 9, batch: 4).isEmpty)
        let flowing = rule.delivered(device: "aoi1", at: Make.t0, unitID: 10, batch: 5)
        #expect(flowing.count == 1 && !flowing[0].active && flowing[0].scope.code == "lost_records")
    }

    @Test("a device that never connects after the start is reported down")
    func deviceNeverConnected() throws {
        let configuration = try Make.configuration("""
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:1502", unit_id: 1}
            """)
        let rule = DeviceRule(rule: "dev", downAfter: .seconds(10), gaps: false, devices: configuration.devices,
                              startedAt: Make.t0)
        #expect(rule.tick(now: Make.t0.addingTimeInterval(11)).active.count == 1)
    }
}

/// A closed chart point for the SPC rule tests.
struct LivePointFixture {
    var signals: [String]
    var index: Int
    var chart = "aoi-p"

    var live: LivePoint {
        LivePoint(chart: chart, series: "points", index: index, start: Int64(index) * 1_000_000,
                  end: Int64(index + 1) * 1_000_000, shift: nil, value: 0.2, center: 0.05, ucl: 0.15, lcl: 0,
                  signals: signals, phase: .estimated)
    }
}
