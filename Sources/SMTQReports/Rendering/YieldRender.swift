import Foundation
import SMTQConfig
import SMTQCore
import SMTQStatistics

/// `smtq report yield` as JSON, CSV or an aligned table, with the product targets beside the figures.
public enum YieldRender {
    public static let figureKeys = ["units", "tests", "first_pass_units", "fpy", "final_yield", "defects", "false_calls",
                                    "false_call_rate", "dpu", "dpmo"]

    /// A target check of one figure: the agreed value, and whether the figure meets it (nil: undefined).
    struct Check {
        var key: String
        var target: Double
        var met: Bool?
    }

    static func checks(_ row: YieldRow, products: [String: ProductConfig]) -> [Check] {
        guard row.programs.count == 1, let targets = products[row.programs.first!]?.targets else { return [] }
        var checks: [Check] = []
        func minimum(_ key: String, _ target: Double?, _ value: Double?) {
            if let target { checks.append(Check(key: key, target: target, met: value.map { $0 >= target })) }
        }
        func maximum(_ key: String, _ target: Double?, _ value: Double?) {
            if let target { checks.append(Check(key: key, target: target, met: value.map { $0 <= target })) }
        }
        minimum("fpy", targets.fpy, row.figures.fpy)
        minimum("final_yield", targets.finalYield, row.figures.finalYield)
        maximum("false_call_rate", targets.falseCallRate, row.figures.falseCallRate)
        maximum("dpmo", targets.dpmo, row.dpmo)
        return checks
    }

    static func values(_ row: YieldRow) -> [String: Double?] {
        ["fpy": row.figures.fpy, "final_yield": row.figures.finalYield, "false_call_rate": row.figures.falseCallRate,
         "dpu": row.figures.dpu, "dpmo": row.dpmo]
    }

    static func counts(_ row: YieldRow) -> [String: Int] {
        ["units": row.figures.units, "tests": row.figures.tests, "first_pass_units": row.figures.firstPassUnits,
         "defects": row.figures.defects, "false_calls": row.figures.falseCalls]
    }

    public static func json(_ report: YieldReport, keys: [String], header: [(String, JSONValue)], products: [String: ProductConfig]) -> String {
        let rows = report.rows.map { row -> JSONValue in
            var fields: [(String, JSONValue)] = keys.map { ($0, .string(row.keys[$0])) }
            for key in figureKeys {
                if let count = counts(row)[key] { fields.append((key, .integer(count))) } else { fields.append((key, .number(values(row)[key]!))) }
            }
            let checks = checks(row, products: products)
            if !checks.isEmpty {
                fields.append(("targets", .object(checks.map { ($0.key, .object([("target", .number($0.target)),
                                                                                  ("met", $0.met.map(JSONValue.bool) ?? .string(nil))])) })))
            }
            return .object(fields)
        }
        let lineKeys = keys.filter { $0 != "station" && $0 != "device" }
        let lines = report.lines.map { line -> JSONValue in
            .object(lineKeys.map { ($0, .string(line.keys[$0])) } + [
                ("route", .array(line.route.map { .string($0) })),
                ("fpy_by_station", .object(zip(line.route, line.fpys).map { ($0, .number($1)) })),
                ("rty", .number(line.rty)),
            ])
        }
        return JSONValue.object(header + [("source", .string(report.fromRollups ? "rollups" : "units")), ("rows", .array(rows)),
                                          ("lines", .array(lines))]).render() + "\n"
    }

    public static func csv(_ report: YieldReport, keys: [String]) -> String {
        var text = CSVText.row(keys + figureKeys)
        for row in report.rows {
            text += CSVText.row(keys.map { row.keys[$0] } + figureKeys.map { key in
                counts(row)[key].map(String.init) ?? values(row)[key]!.map(InterchangeJSON.number) ?? ""
            })
        }
        return text
    }

    public static func table(_ report: YieldReport, keys: [String], products: [String: ProductConfig]) -> String {
        var missed = false
        let rows = report.rows.map { row -> [String] in
            let checks = checks(row, products: products)
            return keys.map { row.keys[$0] ?? "" } + figureKeys.map { key in
                if let count = counts(row)[key] { return String(count) }
                let text = format(key, values(row)[key]!)
                if checks.contains(where: { $0.key == key && $0.met == false }) {
                    missed = true
                    return text + " !"
                }
                return text
            }
        }
        var text = TextTable.render(header: keys + figureKeys, rows: rows)
        if missed { text += "! misses the product's target (products.*.targets in the configuration)\n" }
        if !report.lines.isEmpty {
            let lineKeys = keys.filter { $0 != "station" && $0 != "device" }
            text += "\n" + TextTable.render(header: lineKeys + ["route", "rty"], rows: report.lines.map { line in
                lineKeys.map { line.keys[$0] ?? "" } + [line.route.joined(separator: " → "), format("fpy", line.rty)]
            })
        }
        return text
    }

    public static func json(_ totals: OverallFigures) -> JSONValue {
        func time(_ value: Int64?) -> JSONValue { .string(value.map { RFC3339.string(from: Date(timeIntervalSince1970: Double($0) / 1e6)) }) }
        return .object([("units", .integer(totals.units)), ("tests", .integer(totals.tests)), ("defects", .integer(totals.defects)),
                        ("false_calls", .integer(totals.falseCalls)), ("false_call_rate", .number(totals.falseCallRate)),
                        ("dpu", .number(totals.dpu)), ("dpmo", .number(totals.dpmo)), ("first_time", time(totals.firstTime)),
                        ("last_time", time(totals.lastTime))])
    }

    public static func table(_ totals: OverallFigures) -> String {
        TextTable.render(header: ["overall", "units", "tests", "defects", "false_calls", "false_call_rate", "dpu", "dpmo"], rows: [[
            "all stations", String(totals.units), String(totals.tests), String(totals.defects), String(totals.falseCalls),
            format("false_call_rate", totals.falseCallRate), format("dpu", totals.dpu), format("dpmo", totals.dpmo),
        ]])
    }

    /// Ratios as percentages with two decimals, DPU with four, DPMO with one; "n/a" when undefined.
    public static func format(_ key: String, _ value: Double?) -> String {
        guard let value else { return "n/a" }
        switch key {
        case "dpu": return String(format: "%.4f", value)
        case "dpmo": return String(format: "%.1f", value)
        default: return String(format: "%.2f%%", value * 100)
        }
    }
}
