import Foundation
import SMTQCore
import SMTQStatistics
import SMTQStore

/// A control chart as SVG: per plotted series a panel with the center line, the control limits (stepped
/// where they vary with the subgroup size), the ±1σ and ±2σ zone boundaries, the points (signals in red, with
/// the rule ids as a tooltip and a label), and labelled axes. Capability draws the fitted normal curves
/// against the specification limits.
public enum ChartSVG {
    /// `labels` name the points in their tooltips (e.g. subgroup start times and shifts), and on the x axis
    /// when no `times` are given; without either the axis shows the point numbers.
    /// `times` (microseconds since 1970 UTC, one per point, e.g. each subgroup's start) put ticks at round
    /// local times of `timeZone` on the x axis; the points stay equally spaced by index.
    /// `annotations` mark alerts at their signal points (acknowledged ones with who and the note).
    public static func render(_ result: ChartResult, title: String, labels: [String]? = nil, times: [Int64]? = nil,
                              timeZone: TimeZone = .gmt, annotations: [ChartAnnotation] = []) -> String {
        var panels: [Panel] = []
        switch result {
        case let .attribute(type, series):
            let names = ["p": "Proportion defective", "np": "Defectives", "c": "Defects", "u": "Defects per unit"]
            panels = [Panel(name: names[type] ?? type, series: series)]
        case let .subgroups(type, _, xbar, spread):
            panels = [Panel(name: "Subgroup mean (X̄)", series: xbar), Panel(name: type == "xbar-r" ? "Range (R)" : "Std. dev. (S)", series: spread)]
        case let .imr(_, individuals, movingRange):
            panels = [Panel(name: "Individual value", series: individuals), Panel(name: "Moving range", series: movingRange)]
        case let .ewma(_, series):
            panels = [Panel(name: "EWMA (z)", series: series)]
        case let .cusum(_, h, _, sigma, points):
            panels = [Panel.cusum(points, decision: h * sigma)]
        case let .capability(capability):
            return capabilitySVG(capability, title: title)
        }
        // Per panel: a legend row above the plot, the plot, then two axis label lines and the axis title below it.
        let panelHeight = 270.0, top = 58.0, plotHeight = 200.0
        var canvas = SVGCanvas(width: 960, height: top + panelHeight * Double(panels.count) - 10)
        canvas.text(480, 26, title, size: 16, anchor: "middle", weight: "bold")
        let axis = XAxis(labels: labels, times: times, timeZone: timeZone)
        for (offset, panel) in panels.enumerated() {
            let panelTop = top + Double(offset) * panelHeight
            draw(panel, on: &canvas, top: panelTop, bottom: panelTop + plotHeight, axis: axis,
                 annotations: annotations.filter { $0.panel == offset })
        }
        return canvas.render(title: title)
    }

    struct Panel {
        var name: String
        var points: [ChartPoint]
        /// Extra plotted values (the CUSUM's lower sum, drawn negative).
        var secondValues: [Double]?
        var center: Double

        init(name: String, series: ChartSeries) {
            self.name = name
            points = series.points
            center = series.center
        }

        static func cusum(_ points: [CusumPoint], decision: Double) -> Panel {
            var panel = Panel(name: "CUSUM (C+ above, −C− below)", series: ChartSeries(center: 0, sigma: nil, points: points.map {
                ChartPoint(index: $0.index, value: $0.cplus, center: 0, ucl: decision, lcl: -decision,
                           signals: $0.signals, sigma: decision / 3)
            }))
            panel.secondValues = points.map { -$0.cminus }
            return panel
        }
    }

    private static func draw(_ panel: Panel, on canvas: inout SVGCanvas, top: Double, bottom: Double, axis: XAxis,
                             annotations: [ChartAnnotation]) {
        let left = 80.0, right = canvas.width - 100
        let values = panel.points.flatMap { point in [point.value, point.ucl, point.lcl, point.center].compactMap { $0 } }
            + (panel.secondValues ?? [])
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high - low < 1e-12 { (low, high) = (low - 1, high + 1) }
        let pad = (high - low) * 0.08
        low -= pad
        high += pad
        let count = max(panel.points.count, 1)
        let step = (right - left) / Double(count)
        func x(_ offset: Int) -> Double { left + step * (Double(offset) + 0.5) }
        func y(_ value: Double) -> Double { bottom - (value - low) / (high - low) * (bottom - top) }

        canvas.rect(left, top, right - left, bottom - top, fill: "#fafafa")
        let ticks = Ticks.nice(low, high)
        for tick in ticks {
            canvas.line(left, y(tick), right, y(tick), stroke: "#e4e4e4")
            canvas.text(left - 6, y(tick) + 4, Ticks.label(tick, step: ticks.count > 1 ? ticks[1] - ticks[0] : 1), size: 10, anchor: "end")
        }
        let isCusum = panel.secondValues != nil
        if !isCusum {
            for (k, colour) in [(2.0, "#f0c36d"), (1.0, "#9ccc9c")] {
                for sign in [1.0, -1.0] {
                    // A zone beyond a limit (a p chart's LCL held at 0) is drawn on the limit, not outside the plot.
                    canvas.polyline(stepped(panel.points, x: x, step: step) { y(min(max($0.center + sign * k * $0.sigma, $0.lcl), $0.ucl)) },
                                    stroke: colour, dash: "3 3")
                }
            }
        }
        canvas.polyline(stepped(panel.points, x: x, step: step) { y($0.center) }, stroke: "#2e7d32", width: 1.5)
        canvas.polyline(stepped(panel.points, x: x, step: step) { y($0.ucl) }, stroke: "#c62828", width: 1.5, dash: "6 3")
        canvas.polyline(stepped(panel.points, x: x, step: step) { y($0.lcl) }, stroke: "#c62828", width: 1.5, dash: "6 3")
        if let last = panel.points.last {
            let limits = [(y(last.ucl), "\(isCusum ? "H" : "UCL") \(Ticks.label(last.ucl))", "#c62828"),
                          (y(last.center), isCusum ? "0" : "CL \(Ticks.label(last.center))", "#2e7d32"),
                          (y(last.lcl), isCusum ? "−H \(Ticks.label(-last.lcl))" : "LCL \(Ticks.label(last.lcl))", "#c62828")]
            // Close limits get their labels pushed apart downwards, a line each.
            var below = -Double.infinity
            for (level, text, colour) in limits.sorted(by: { $0.0 < $1.0 }) {
                below = max(level + 4, below + 11)
                canvas.text(right + 6, below, text, size: 10, fill: colour)
            }
        }
        let plotted = panel.points.enumerated().compactMap { offset, point in point.value.map { (x(offset), y($0)) } }
        canvas.polyline(plotted, stroke: "#1f4e9c", width: 1.2, cssClass: "data")
        if let second = panel.secondValues {
            canvas.polyline(second.enumerated().map { (x($0.offset), y($0.element)) }, stroke: "#6a3d9a", width: 1.2)
        }
        var marks = SignalMarks(top: top, bottom: bottom)
        for (offset, point) in panel.points.enumerated() {
            guard var value = point.value else { continue }
            if let second = panel.secondValues, point.signals == ["cusum_lower"] { value = second[offset] }
            let name = axis.name(offset) ?? "point \(point.index)"
            if point.signals.isEmpty {
                canvas.circle(x(offset), y(value), radius: count > 150 ? 1.5 : 2.6, fill: "#1f4e9c",
                              title: "\(name): \(Ticks.label(value))")
            } else {
                canvas.circle(x(offset), y(value), radius: count > 150 ? 3.2 : 4.2, fill: "#d32f2f",
                              title: "\(name): \(Ticks.label(value)) — \(point.signals.joined(separator: ", "))", cssClass: "signal")
                marks.add(point.signals, x: x(offset), y: y(value), on: &canvas)
            }
        }
        if let legend = marks.legend {  // smaller type when many rules fired, to stay within the plot's width
            let size = min(10, 10 * (right - left) / SVGCanvas.textWidth(legend, size: 10))
            canvas.text(right, top - 7, legend, size: size, anchor: "end", fill: "#d32f2f")
        }
        for annotation in annotations where panel.points.indices.contains(annotation.offset) {
            guard let value = panel.points[annotation.offset].value else { continue }
            let colour = annotation.acknowledged ? "#2e7d32" : "#ef6c00"
            canvas.ring(x(annotation.offset), y(value), radius: 7.5, stroke: colour, title: annotation.detail)
            canvas.text(x(annotation.offset), y(value) + 20, annotation.label, size: 9, anchor: "middle", fill: colour)
        }
        let axisTitle = axis.draw(panel.points.map(\.index), on: &canvas, left: left, right: right, bottom: bottom)
        canvas.line(left, bottom, right, bottom, stroke: "#444")
        canvas.line(left, top, left, bottom, stroke: "#444")
        canvas.text(16, (top + bottom) / 2, panel.name, size: 11, anchor: "middle", rotate: true)
        canvas.text((left + right) / 2, bottom + 45, axisTitle, size: 11, anchor: "middle")
    }

    /// A horizontal segment per point, so limits that change with the subgroup size show as steps.
    private static func stepped(_ points: [ChartPoint], x: (Int) -> Double, step: Double,
                                _ level: (ChartPoint) -> Double) -> [(Double, Double)] {
        points.enumerated().flatMap { offset, point in
            let value = level(point)
            return [(x(offset) - step / 2, value), (x(offset) + step / 2, value)]
        }
    }

    private static func capabilitySVG(_ result: CapabilityResult, title: String) -> String {
        var canvas = SVGCanvas(width: 960, height: 400)
        canvas.text(480, 26, title, size: 16, anchor: "middle", weight: "bold")
        let left = 60.0, right = 900.0, top = 50.0, bottom = 320.0
        let spread = max(result.sigmaWithin, result.sigmaOverall)
        let low = min(result.lsl, result.mean - 4 * spread), high = max(result.usl, result.mean + 4 * spread)
        func x(_ value: Double) -> Double { left + (value - low) / (high - low) * (right - left) }
        func density(_ value: Double, _ sigma: Double) -> Double {
            exp(-0.5 * pow((value - result.mean) / sigma, 2)) / (sigma * (2 * Double.pi).squareRoot())
        }
        let peak = density(result.mean, min(result.sigmaWithin, result.sigmaOverall))
        func y(_ value: Double) -> Double { bottom - value / peak * (bottom - top) * 0.9 }
        canvas.rect(left, top, right - left, bottom - top, fill: "#fafafa")
        let samples = (0...200).map { low + (high - low) * Double($0) / 200 }
        canvas.polyline(samples.map { (x($0), y(density($0, result.sigmaWithin))) }, stroke: "#1f4e9c", width: 2)
        canvas.polyline(samples.map { (x($0), y(density($0, result.sigmaOverall))) }, stroke: "#6a3d9a", width: 2, dash: "6 3")
        for (value, name, colour) in [(result.lsl, "LSL", "#c62828"), (result.usl, "USL", "#c62828"), (result.mean, "mean", "#2e7d32")] {
            canvas.line(x(value), top, x(value), bottom, stroke: colour, width: 1.5, dash: name == "mean" ? nil : "6 3")
            canvas.text(x(value), top - 6, "\(name) \(Ticks.label(value))", size: 10, anchor: "middle", fill: colour)
        }
        let ticks = Ticks.nice(low, high, count: 8)
        for tick in ticks {
            canvas.line(x(tick), bottom, x(tick), bottom + 4, stroke: "#444")
            canvas.text(x(tick), bottom + 16, Ticks.label(tick, step: ticks.count > 1 ? ticks[1] - ticks[0] : 1), size: 10, anchor: "middle")
        }
        canvas.line(left, bottom, right, bottom, stroke: "#444")
        canvas.text((left + right) / 2, bottom + 34, "Measured value", size: 11, anchor: "middle")
        let figures = String(format: "n = %d   Cp %.3f   Cpk %.3f   Pp %.3f   Ppk %.3f   σ within %@ (%@, solid)   σ overall %@ (dashed)",
                             result.n, result.cp, result.cpk, result.pp, result.ppk, Ticks.label(result.sigmaWithin),
                             result.withinMethod, Ticks.label(result.sigmaOverall))
        canvas.text(480, 385, figures, size: 12, anchor: "middle")
        return canvas.render(title: title)
    }
}

/// An alert drawn on a chart: a ring at the signal point and a short label; its detail (who acknowledged it,
/// when, the note) is the tooltip.
public struct ChartAnnotation: Sendable, Equatable {
    /// 0 for the first panel (p, X̄, individuals…), 1 for the second (R, S, moving range).
    public var panel: Int
    /// The point's position in the drawn series.
    public var offset: Int
    public var label: String
    public var detail: String
    public var acknowledged: Bool

    public init(panel: Int, offset: Int, label: String, detail: String, acknowledged: Bool) {
        self.panel = panel
        self.offset = offset
        self.label = label
        self.detail = detail
        self.acknowledged = acknowledged
    }

    /// The annotations of `alerts` on a chart drawn from `subgroups`: each alert of the chart at the
    /// subgroup its signal point started.
    public static func from(_ alerts: [AlertListRow], chart: String, subgroupStarts: [Int64]) -> [ChartAnnotation] {
        let positions = Dictionary(subgroupStarts.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        return alerts.compactMap { alert in
            guard alert.chart == chart, let start = alert.pointStart, let offset = positions[start] else { return nil }
            let panel = ["range", "stdev", "moving_range"].contains(alert.series ?? "") ? 1 : 0
            var detail = "alert #\(alert.id) \(alert.rule): \(alert.summary)"
            for ack in alert.acks {
                detail += "\nacknowledged by \(ack.by) at \(RFC3339.string(from: ack.at)): \(ack.note)"
            }
            return ChartAnnotation(panel: panel, offset: offset, label: (alert.acks.isEmpty ? "#" : "✔ #") + String(alert.id),
                                   detail: detail, acknowledged: !alert.acks.isEmpty)
        }
    }
}
