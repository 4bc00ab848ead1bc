import Foundation
import SMTQConfig
import SMTQStore

/// A figure in an alert: a number, or undefined (a ratio over zero units).
public typealias Figures = [String: Double?]

/// One rule's reading of its condition for one scope at one moment: the input of the alert lifecycle.
public struct Observation: Sendable {
    public var rule: String
    public var scope: AlertScope
    /// Whether the condition holds.
    public var active: Bool
    /// The figures that tripped it (or show it clear) and the limits they were held against.
    public var figures: Figures
    public var threshold: Figures
    public var signals: [String]
    public var firstSerial: String?
    public var lastSerial: String?
    public var summary: String
    /// The data time of what was observed (a unit's time, a point's end, a device event).
    public var dataTime: Date
    /// Identifies the evidence (a unit id, a point's start): with the rule, scope and transition it makes
    /// the decision key that a replay after a restart finds taken.
    public var evidence: String
    /// The SPC point the signal is on.
    public var pointStart: Int64?

    public init(rule: String, scope: AlertScope, active: Bool, figures: Figures = [:], threshold: Figures = [:],
                signals: [String] = [], firstSerial: String? = nil, lastSerial: String? = nil, summary: String,
                dataTime: Date, evidence: String, pointStart: Int64? = nil) {
        self.rule = rule
        self.scope = scope
        self.active = active
        self.figures = figures
        self.threshold = threshold
        self.signals = signals
        self.firstSerial = firstSerial
        self.lastSerial = lastSerial
        self.summary = summary
        self.dataTime = dataTime
        self.evidence = evidence
        self.pointStart = pointStart
    }

    /// One alert per rule and scope while it persists.
    public var dedupKey: String { ([rule] + scope.parts).joined(separator: "|") }
}

/// The part of a unit the rules read, whichever rule asks.
struct UnitFacts {
    var id: Int64
    var serial: String
    var time: Date
    /// When smtqd received it (host clock); `time` may be the device's clock.
    var arrival: Date
    var isFirst: Bool
    var passed: Bool
    var realDefects: Int
    var falseCalls: Int
    /// Real defects as (refdes, code), each pair once per unit.
    var defectKeys: Set<DefectKey>

    /// `arrival`: when the unit reached the rules by the host's clock (its own time when read as history).
    init(_ unit: StoredUnit, arrival: Date? = nil) {
        id = unit.id
        serial = unit.record.serial
        time = unit.record.time
        self.arrival = arrival ?? unit.record.time
        isFirst = unit.isFirstPass
        passed = unit.record.result == .pass
        let defects = unit.record.defects ?? []
        let real = defects.filter { $0.verdict == .real }
        realDefects = real.count
        falseCalls = defects.count - real.count
        defectKeys = Set(real.map { DefectKey(refdes: $0.refdes ?? "", code: $0.code) })
    }
}

/// A reference designator and defect code (what a feeder or nozzle repeats).
struct DefectKey: Hashable {
    var refdes: String
    var code: String
}

/// Where a unit was made: the rules keep one window per group. Made once per unit and looked up several
/// times by every rule, so its hash is computed once, at creation.
struct GroupKey: Hashable {
    let line: String
    let station: String
    let program: String
    private let hash: Int

    init(line: String, station: String, program: String) {
        self.line = line
        self.station = station
        self.program = program
        var hasher = Hasher()
        hasher.combine(line)
        hasher.combine(station)
        hasher.combine(program)
        hash = hasher.finalize()
    }

    static func == (lhs: GroupKey, rhs: GroupKey) -> Bool {
        lhs.hash == rhs.hash && lhs.line == rhs.line && lhs.station == rhs.station && lhs.program == rhs.program
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    var scope: AlertScope { AlertScope(line: line, station: station, program: program) }
}

extension AlertRuleConfig {
    /// Whether a unit made at (line, station, program) is in the rule's scope.
    func covers(line: String, station: String, program: String?) -> Bool {
        (self.line == nil || self.line == line) && (self.station == nil || self.station == station)
            && (self.program == nil || self.program == program)
    }
}

/// Formats a figure for a summary: fractions as percentages, counts as integers.
func describe(_ value: Double?, fraction: Bool = false) -> String {
    guard let value else { return "n/a" }
    if fraction { return String(format: "%.1f%%", value * 100) }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(format: "%.4g", value)
}
