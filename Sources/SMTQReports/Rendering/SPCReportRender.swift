import Foundation
import SMTQConfig
import SMTQCore
import SMTQStatistics
import SMTQStore

/// `smtq report spc` output: the `smtq chart` schema plus the subgroups' time spans and the limits' origin.
public enum SPCReportRender {
    /// A label per point: the subgroup's local start ("2026-11-24 08:00"), with the shift name for shifts.
    public static func labels(_ subgroups: [Subgroup], time: TimeConfig) -> [String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: time.timeZone) ?? TimeZone(identifier: "UTC")
        // With daylight saving time the offset tells the repeated autumn hour apart.
        formatter.dateFormat = formatter.timeZone.nextDaylightSavingTimeTransition == nil ? "yyyy-MM-dd HH:mm" : "yyyy-MM-dd HH:mmxxx"
        return subgroups.map { subgroup in
            formatter.string(from: Date(storeMicroseconds: subgroup.start)) + (subgroup.shift.map { " \($0)" } ?? "")
        }
    }

    /// An empty report in the JSON schema (no stored data in the window).
    public static func emptyJSON(_ chart: ChartConfig, header: [(String, JSONValue)], message: String) -> String {
        JSONValue.object([("chart", .string(chart.type.rawValue)), ("points", .array([]))] + header
            + [("name", .string(chart.name)), ("subgroups", .array([])), ("message", .string(message))]).render()
    }

    public static func caption(_ report: SPCReport) -> String {
        if let limits = report.limits {
            let start = limits.baselineFrom.map { "; the series starts at the baseline's start \(RFC3339.string(from: Date(storeMicroseconds: $0)))" } ?? ""
            return "\(report.chart.name): stored limits #\(limits.id) set by \(limits.createdBy) from \(limits.baselinePoints) subgroups (phase II)\(start)"
        }
        return "\(report.chart.name): limits computed from these \(report.subgroups.count) subgroups (phase I; 'smtq spc baseline' freezes them)"
    }

    public static func json(_ report: SPCReport, labels: [String], header: [(String, JSONValue)]) -> String {
        let chart = ChartJSON.render(report.result)
        let subgroups = JSONValue.array(report.subgroups.enumerated().map { offset, subgroup in
            .object([("index", .integer(offset + 1)), ("start", .string(RFC3339.string(from: Date(storeMicroseconds: subgroup.start)))),
                     ("end", .string(RFC3339.string(from: Date(storeMicroseconds: subgroup.end)))), ("label", .string(labels[offset])),
                     ("shift", .string(subgroup.shift)), ("size", .integer(subgroup.values.isEmpty ? subgroup.tests : subgroup.values.count))])
        })
        let limits: JSONValue = report.limits.map { limits in
            .object([("phase", .string("II")), ("id", .integer(Int(limits.id))),
                     ("series_start", .string(limits.baselineFrom.map { RFC3339.string(from: Date(storeMicroseconds: $0)) })),
                     ("created_by", .string(limits.createdBy)),
                     ("created_at", .string(RFC3339.string(from: Date(storeMicroseconds: limits.createdAt)))),
                     ("baseline_points", .integer(limits.baselinePoints))])
        } ?? .object([("phase", .string("I"))])
        let extra = (header + [("name", .string(report.chart.name)), ("limits", limits), ("subgroups", subgroups)])
            .map { InterchangeJSON.string($0.0) + ":" + $0.1.render() }.joined(separator: ",")
        // The chart object first (its schema unchanged), then the report's own keys.
        return String(chart.dropLast()) + "," + extra + "}"
    }

    public static func table(_ report: SPCReport, labels: [String]) -> String {
        let (header, rows) = ChartTable.rows(report.result)
        guard header.first == "index", rows.count == labels.count else { return ChartTable.text(report.result) }
        return TextTable.render(header: ["subgroup"] + header, rows: zip(labels, rows).map { [$0] + $1 })
    }
}
