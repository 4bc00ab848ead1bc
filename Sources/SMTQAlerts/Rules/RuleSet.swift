import Foundation
import SMTQConfig
import SMTQCore
import SMTQEngine
import SMTQStore

/// Every configured rule, fed the store's commits, the engine's points and the clock; returns what each
/// rule observed. Pure: no I/O, no clock of its own.
struct RuleSet {
    private enum Instance {
        case repeated(RepeatedDefectRule)
        case threshold(ThresholdRule)
        case spike(SpikeRule)
        case spc(SPCSignalRule)
        case device(DeviceRule)
    }

    let configs: [String: AlertRuleConfig]
    private var rules: [(config: AlertRuleConfig, instance: Instance)] = []
    private var batches = 0

    /// `earlier`: the rules before a reload, whose knowledge of which devices are up carries over.
    init(configuration: Configuration, startedAt: Date, earlier: RuleSet? = nil) {
        configs = Dictionary(configuration.alerts.rules.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let opportunities = configuration.products.mapValues(\.opportunities)
        for rule in configuration.alerts.rules {
            let instance: Instance?
            switch rule.condition {
            case let .repeatedDefect(count, within):
                instance = .repeated(RepeatedDefectRule(rule: rule.name, count: count, within: within))
            case let .threshold(metric, below, above, window, minUnits):
                instance = .threshold(ThresholdRule(rule: rule.name, metric: metric, below: below, above: above,
                                                    window: window, minUnits: minUnits, opportunities: opportunities))
            case let .spike(factor, window, baseline, minUnits, minDefects):
                instance = .spike(SpikeRule(rule: rule.name, factor: factor, window: window, baseline: baseline,
                                            minUnits: minUnits, minDefects: minDefects))
            case let .spcSignal(chart, runRules):
                instance = configuration.spc.charts.first { $0.name == chart }
                    .map { .spc(SPCSignalRule(rule: rule.name, chart: $0, rules: runRules)) }
            case let .device(downAfter, gaps):
                let watched = configuration.devices.filter {
                    (rule.device == nil || rule.device == $0.name) && rule.covers(line: $0.line, station: $0.station, program: nil)
                }
                instance = .device(DeviceRule(rule: rule.name, downAfter: downAfter, gaps: gaps, devices: watched,
                                              startedAt: startedAt))
            }
            if let instance { rules.append((rule, instance)) }
        }
        let earlierDevices = earlier?.rules.compactMap { entry -> DeviceRule? in
            if case let .device(rule) = entry.instance { return rule }
            return nil
        } ?? []
        for entry in rules {
            guard case let .device(rule) = entry.instance else { continue }
            // Any device rule that watched the same devices, then the same rule (its knowledge wins).
            for earlierRule in earlierDevices where earlierRule.rule != rule.rule { rule.adopt(earlierRule) }
            for earlierRule in earlierDevices where earlierRule.rule == rule.rule { rule.adopt(earlierRule) }
        }
        batches = earlier?.batches ?? 0
    }

    /// How far back the windows reach: the time span and the unit count a warm start should read.
    var history: (span: Duration?, units: Int) {
        var span: Duration?
        var units = 0
        for (config, _) in rules {
            switch config.condition {
            case let .repeatedDefect(_, within): units = max(units, within)
            case let .threshold(_, _, _, .units(count), _): units = max(units, count * 4)
            case let .threshold(_, _, _, .time(window), _): span = max(span ?? .zero, window)
            case let .spike(_, window, baseline, _, _): span = max(span ?? .zero, window + baseline)
            default: break
            }
        }
        return (span, units)
    }

    /// Feeds units read at a warm start: windows fill, nothing is observed.
    mutating func warm(_ units: [StoredUnit]) {
        for unit in units { _ = add(unit, batch: 0, warming: true) }
    }

    /// Feeds one committed batch that reached the rules at `now` (the host's clock).
    mutating func receive(_ batch: CommittedBatch, now: Date) -> [Observation] {
        batches += 1
        var observations: [Observation] = []
        for event in batch.events {
            for index in rules.indices {
                guard case let .device(rule) = rules[index].instance else { continue }
                observations += rule.event(event, batch: batches)
            }
        }
        for unit in batch.units { observations += add(unit, batch: batches, arrival: now) }
        return observations
    }

    /// `warming`: history read at a start says nothing about whether a device is up now.
    private mutating func add(_ unit: StoredUnit, batch: Int, arrival: Date? = nil, warming: Bool = false) -> [Observation] {
        let record = unit.record
        let facts = UnitFacts(unit, arrival: warming ? nil : arrival)
        let group = GroupKey(line: record.line, station: record.station, program: record.program)
        var observations: [Observation] = []
        for index in rules.indices {
            let config = rules[index].config
            switch rules[index].instance {
            case let .device(rule):
                if warming { continue }
                observations += rule.delivered(device: record.device, at: record.time, unitID: unit.id, batch: batch)
                continue
            case .spc:
                continue
            default:
                break
            }
            guard config.covers(line: record.line, station: record.station, program: record.program) else { continue }
            switch rules[index].instance {
            case let .repeated(rule):
                observations += rule.add(facts, group: group)
            case let .threshold(rule):
                observations += rule.add(facts, group: group)
            case let .spike(rule):
                observations += rule.add(facts, group: group)
            case .spc, .device:
                break
            }
        }
        return observations
    }

    func point(_ point: LivePoint) -> [Observation] {
        rules.flatMap { entry -> [Observation] in
            guard case let .spc(rule) = entry.instance else { return [] }
            return rule.point(point)
        }
    }

    mutating func tick(now: Date) -> [Observation] {
        var observations: [Observation] = []
        for index in rules.indices {
            switch rules[index].instance {
            case let .threshold(rule):
                observations += rule.tick(now: now)
            case let .spike(rule):
                observations += rule.tick(now: now)
            case let .device(rule):
                observations += rule.tick(now: now)
            case .repeated, .spc:
                break
            }
        }
        return observations
    }
}
