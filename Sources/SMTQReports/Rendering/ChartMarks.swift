import Foundation
import SMTQStatistics

extension ChartSVG {
    /// The x axis of a control chart panel: round local times when each point's time is known, else the
    /// point labels or numbers, thinned so that no two labels overlap.
    struct XAxis {
        var labels: [String]?
        var times: [Int64]?
        var timeZone: TimeZone

        /// Least pixel distance between the centres of two time labels ("HH:mm", "2026-11-24" under it).
        static let timeSpacing = 70.0

        /// A point's name in its tooltip: its label, else its time, else nil.
        func name(_ offset: Int) -> String? {
            if let labels, offset < labels.count { return labels[offset] }
            if let times, offset < times.count { return TimeTicks.stamp(times[offset], timeZone: timeZone) }
            return nil
        }

        /// Draws the ticks and labels under a plot from `left` to `right` whose points are numbered `indices`;
        /// returns the axis title.
        func draw(_ indices: [Int], on canvas: inout SVGCanvas, left: Double, right: Double, bottom: Double) -> String {
            let count = max(indices.count, 1)
            let step = (right - left) / Double(count)
            func x(_ position: Double) -> Double { left + step * (position + 0.5) }
            if let times, times.count == indices.count {
                let axis = TimeTicks.axis(times, timeZone: timeZone, pixelsPerPoint: step, minimumSpacing: Self.timeSpacing)
                if !axis.ticks.isEmpty {
                    for tick in axis.ticks {
                        canvas.line(x(tick.position), bottom, x(tick.position), bottom + 4, stroke: "#444")
                        canvas.text(x(tick.position), bottom + 15, tick.label, size: 10, anchor: "middle")
                        if let date = tick.date { canvas.text(x(tick.position), bottom + 27, date, size: 10, anchor: "middle", fill: "#555") }
                    }
                    return "Subgroup start (\(timeZone.identifier))"
                }
            }
            let texts = indices.indices.map { offset in labels.flatMap { offset < $0.count ? $0[offset] : nil } ?? String(indices[offset]) }
            let widest = texts.map { SVGCanvas.textWidth($0, size: 10) }.max() ?? 0
            let every = IndexTicks.every(count: indices.count, pixelsPerPoint: step, labelWidth: widest, round: labels == nil)
            for offset in stride(from: 0, to: indices.count, by: every) {
                canvas.line(x(Double(offset)), bottom, x(Double(offset)), bottom + 4, stroke: "#444")
                canvas.text(x(Double(offset)), bottom + 15, texts[offset], size: 10, anchor: "middle")
            }
            return labels == nil ? "Sample" : "Subgroup"
        }
    }

    /// The red rule labels above a panel's signal points, placed where they collide with no label already
    /// drawn (else left out), and the count of signal points by rule for the panel's legend.
    struct SignalMarks {
        /// Labels closer than this horizontally share a row only if their rows differ.
        static let spacing = 22.0
        /// Labels whose baselines are closer than this vertically are in the same row.
        static let rowHeight = 11.0

        let top: Double
        let bottom: Double
        private(set) var drawn: [(x: Double, y: Double)] = []
        private(set) var counts: [String: Int] = [:]

        init(top: Double, bottom: Double = .infinity) {
            self.top = top
            self.bottom = bottom
        }

        /// Counts the point's rules and draws its first rule's short name just above it, a row higher, or (a point
        /// at the top of the plot) just below it, where free.
        mutating func add(_ signals: [String], x: Double, y: Double, on canvas: inout SVGCanvas) {
            for signal in Set(signals) { counts[signal, default: 0] += 1 }
            guard let first = signals.first else { return }
            let rows = [y - 8, y - 8 - Self.rowHeight - 1, y + 15, y + 15 + Self.rowHeight + 1]
            for row in rows where row >= top + 9 && row <= bottom - 2 && isFree(x: x, y: row) {
                canvas.text(x, row, Self.shortName(first), size: 9, anchor: "middle", fill: "#d32f2f")
                drawn.append((x, row))
                return
            }
        }

        /// Whether no drawn label is within `spacing` horizontally and `rowHeight` vertically (labels come left to right).
        func isFree(x: Double, y: Double) -> Bool {
            for label in drawn.reversed() {
                if x - label.x >= Self.spacing { break }
                if abs(label.y - y) < Self.rowHeight { return false }
            }
            return true
        }

        /// "signals: N1 ×12, WE1 ×12, N5 ×3" in rule order, or nil without signals.
        var legend: String? {
            guard !counts.isEmpty else { return nil }
            let order = RunRules.order + ["cusum_upper", "cusum_lower"]
            let rules = counts.keys.sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
            return "signals: " + rules.map { "\(Self.shortName($0)) ×\(counts[$0]!)" }.joined(separator: ", ")
        }

        static func shortName(_ signal: String) -> String {
            if signal == "cusum_upper" { return "C+" }
            if signal == "cusum_lower" { return "C−" }
            if signal.hasPrefix("nelson") { return "N" + signal.dropFirst(6) }
            if signal.hasPrefix("we") { return "WE" + signal.dropFirst(2) }
            return signal
        }
    }
}
