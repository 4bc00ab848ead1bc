import Foundation
import SMTQCore
import SMTQStatistics

/// `smtq report pareto` as JSON, CSV, a table, or SVG bars with the cumulative line.
public enum ParetoRender {
    public static func json(_ rows: [Pareto.Row], key: String, header: [(String, JSONValue)]) -> String {
        JSONValue.object(header + [("key", .string(key)), ("total", .integer(rows.reduce(0) { $0 + $1.count })),
                                   ("rows", .array(rows.map { row in
                                       .object([(key, .string(row.key)), ("count", .integer(row.count)), ("percent", .number(row.percent)),
                                                ("cumulative_percent", .number(row.cumulativePercent))])
                                   }))]).render() + "\n"
    }

    public static func csv(_ rows: [Pareto.Row], key: String) -> String {
        CSVText.row([key, "count", "percent", "cumulative_percent"]) + rows.map {
            CSVText.row([$0.key, String($0.count), InterchangeJSON.number($0.percent), InterchangeJSON.number($0.cumulativePercent)])
        }.joined()
    }

    public static func table(_ rows: [Pareto.Row], key: String) -> String {
        TextTable.render(header: [key, "count", "%", "cumulative %"], rows: rows.map {
            [$0.key, String($0.count), String(format: "%.1f", $0.percent), String(format: "%.1f", $0.cumulativePercent)]
        })
    }

    /// Bars by count (left axis) and the cumulative percentage (right axis), the 80 % line dashed.
    public static func svg(_ rows: [Pareto.Row], key: String, title: String, limit: Int = 25) -> String {
        let shown = Array(rows.prefix(limit))
        var canvas = SVGCanvas(width: 960, height: 420)
        canvas.text(480, 26, title, size: 16, anchor: "middle", weight: "bold")
        let left = 70.0, right = 890.0, top = 50.0, bottom = 330.0
        let maximum = Double(shown.map(\.count).max() ?? 1)
        let step = (right - left) / Double(max(shown.count, 1))
        let ticks = Ticks.nice(0, maximum)
        let topValue = max(ticks.last ?? maximum, maximum)
        func y(_ count: Double) -> Double { bottom - count / topValue * (bottom - top) }
        func yPercent(_ percent: Double) -> Double { bottom - percent / 100 * (bottom - top) }
        canvas.rect(left, top, right - left, bottom - top, fill: "#fafafa")
        for tick in ticks {
            canvas.line(left, y(tick), right, y(tick), stroke: "#e4e4e4")
            canvas.text(left - 6, y(tick) + 4, Ticks.label(tick, step: ticks.count > 1 ? ticks[1] - ticks[0] : 1), size: 10, anchor: "end")
        }
        for percent in stride(from: 0.0, through: 100, by: 20) {
            canvas.text(right + 6, yPercent(percent) + 4, "\(Int(percent)) %", size: 10)
        }
        canvas.line(left, yPercent(80), right, yPercent(80), stroke: "#c62828", dash: "4 3")
        for (offset, row) in shown.enumerated() {
            let x = left + step * Double(offset)
            canvas.rect(x + step * 0.12, y(Double(row.count)), step * 0.76, bottom - y(Double(row.count)), fill: "#1f4e9c",
                        title: "\(row.key): \(row.count) (\(String(format: "%.1f", row.percent)) %)")
            canvas.text(x + step / 2, bottom + 14, row.key.count > 12 ? String(row.key.prefix(11)) + "…" : row.key, size: 10, anchor: "middle")
        }
        canvas.polyline(shown.enumerated().map { (left + step * (Double($0.offset) + 0.5), yPercent($0.element.cumulativePercent)) },
                        stroke: "#e65100", width: 2)
        for (offset, row) in shown.enumerated() {
            canvas.circle(left + step * (Double(offset) + 0.5), yPercent(row.cumulativePercent), radius: 3, fill: "#e65100")
        }
        canvas.line(left, bottom, right, bottom, stroke: "#444")
        canvas.line(left, top, left, bottom, stroke: "#444")
        canvas.text(16, (top + bottom) / 2, "Defects", size: 11, anchor: "middle", rotate: true)
        canvas.text(944, (top + bottom) / 2, "Cumulative %", size: 11, anchor: "middle", rotate: true)
        canvas.text((left + right) / 2, bottom + 40, key + (rows.count > shown.count ? " (top \(shown.count) of \(rows.count))" : ""),
                    size: 11, anchor: "middle")
        return canvas.render(title: title)
    }
}
