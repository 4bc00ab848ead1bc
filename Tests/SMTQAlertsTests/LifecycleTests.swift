import Foundation
@testable import SMTQAlerts
import SMTQConfig
import SMTQStore
import Testing

/// The alert lifecycle: firing, reminders, resolution, cool-down, restart.
struct LifecycleTests {
    func observation(_ active: Bool, evidence: String = "e") -> Observation {
        Observation(rule: "r", scope: AlertScope(line: "L1", station: "AOI-1"), active: active, summary: "s",
                    dataTime: Make.t0, evidence: evidence)
    }

    func at(_ seconds: Double) -> Date { Make.t0.addingTimeInterval(seconds) }

    /// A decision that must be made.
    func decided(_ lifecycle: inout AlertLifecycle, _ observation: Observation, rule: AlertRuleConfig,
                 now: Date) throws -> AlertDecision {
        let decision = lifecycle.decide(observation, rule: rule, now: now)
        return try #require(decision)
    }

    @Test("fires once while the condition persists, reminds every repeat, resolves when it clears")
    func lifecycle() throws {
        let rule = Make.rule(.repeatedDefect(count: 2, withinUnits: 5), cooldown: .seconds(600), repeat: .seconds(60))
        var lifecycle = AlertLifecycle()
        let fire = try decided(&lifecycle, observation(true), rule: rule, now: at(0))
        #expect(fire.event == .firing)
        #expect(lifecycle.decide(observation(true), rule: rule, now: at(1)) != nil, "not durable yet: decided again")
        lifecycle.commit(fire, id: 41)
        #expect(lifecycle.decide(observation(true), rule: rule, now: at(30)) == nil)
        let remind = try decided(&lifecycle, observation(true), rule: rule, now: at(61))
        #expect(remind.event == .reminder && remind.alertID == 41)
        lifecycle.commit(remind, id: 41)
        #expect(lifecycle.decide(observation(true), rule: rule, now: at(100)) == nil)
        #expect(lifecycle.reminders(rules: ["r": rule], now: at(122)).map(\.alertID) == [41])
        let resolve = try decided(&lifecycle, observation(false), rule: rule, now: at(130))
        #expect(resolve.event == .resolved && resolve.alertID == 41)
        lifecycle.commit(resolve, id: 41)
        #expect(lifecycle.decide(observation(false), rule: rule, now: at(131)) == nil)
        #expect(lifecycle.openAlerts == 0)
    }

    @Test("a flapping condition within the cool-down does not fire again")
    func cooldown() throws {
        let rule = Make.rule(.repeatedDefect(count: 2, withinUnits: 5), cooldown: .seconds(600))
        var lifecycle = AlertLifecycle()
        lifecycle.commit(try decided(&lifecycle, observation(true), rule: rule, now: at(0)), id: 1)
        lifecycle.commit(try decided(&lifecycle, observation(false), rule: rule, now: at(60)), id: 1)
        #expect(lifecycle.decide(observation(true), rule: rule, now: at(120)) == nil)
        #expect(lifecycle.decide(observation(true), rule: rule, now: at(599)) == nil)
        #expect(lifecycle.suppressed == 2)
        #expect(lifecycle.decide(observation(true), rule: rule, now: at(601))?.event == .firing)
    }

    @Test("after a restart an open alert stays open: a replayed signal does not fire it twice")
    func restore() throws {
        let rule = Make.rule(.repeatedDefect(count: 2, withinUnits: 5), cooldown: .seconds(600))
        var lifecycle = AlertLifecycle()
        let key = observation(true).dedupKey
        lifecycle.restore([AlertStateRow(id: 7, rule: "r", dedupKey: key, firing: true, startedAt: at(0),
                                         lastNotifiedAt: at(0), payload: "{}")])
        #expect(lifecycle.decide(observation(true), rule: rule, now: at(10)) == nil)
        #expect(lifecycle.decide(observation(false), rule: rule, now: at(20))?.alertID == 7)
        var resolved = AlertLifecycle()
        resolved.restore([AlertStateRow(id: 8, rule: "r", dedupKey: key, firing: false, startedAt: at(0),
                                        lastNotifiedAt: at(5), payload: "{}")])
        #expect(resolved.decide(observation(true), rule: rule, now: at(100)) == nil, "still in its cool-down")
    }

    @Test("decision keys differ by transition and evidence, and repeat for a replay")
    func decisionKeys() throws {
        let rule = Make.rule(.repeatedDefect(count: 2, withinUnits: 5))
        var first = AlertLifecycle()
        var second = AlertLifecycle()
        let a = try decided(&first, observation(true, evidence: "point:7"), rule: rule, now: at(0))
        let b = try decided(&second, observation(true, evidence: "point:7"), rule: rule, now: at(50))
        #expect(a.key == b.key)
        let c = try decided(&second, observation(true, evidence: "point:8"), rule: rule, now: at(50))
        #expect(c.key != a.key)
    }

    @Test("retry back-off doubles from the initial delay up to the maximum")
    func backoff() {
        let delays = (1...8).map { AlertDispatcher.backoff(attempts: $0, initial: .seconds(5), max: .seconds(60)) }
        #expect(delays == [.seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(60), .seconds(60), .seconds(60),
                           .seconds(60)])
    }
}
