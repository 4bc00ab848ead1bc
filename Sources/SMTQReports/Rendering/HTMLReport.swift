import Foundation
import SMTQStore
import SMTQCore
import SMTQConfig
import SMTQStatistics

/// `smtq report html`: one self-contained page (no external assets) with the period's yield, RTY, the defect
/// Pareto, escapes and the configured control charts as inline SVG; readable on a phone, printable.
public struct HTMLReport {
    public var title: String
    public var period: String
    public var generated: String
    public var yield: YieldReport
    public var products: [String: ProductConfig]
    public var pareto: [Pareto.Row]
    public var escapes: [Escape]
    /// Chart name, caption and SVG; or chart name and why it could not be drawn.
    public var charts: [(name: String, caption: String, svg: String?)]
    /// Alerts raised in the period, with their acknowledgements.
    public var alerts: [AlertListRow]

    public init(title: String, period: String, generated: String, yield: YieldReport, products: [String: ProductConfig],
                pareto: [Pareto.Row], escapes: [Escape], charts: [(name: String, caption: String, svg: String?)],
                alerts: [AlertListRow] = []) {
        self.title = title
        self.period = period
        self.generated = generated
        self.yield = yield
        self.products = products
        self.pareto = pareto
        self.escapes = escapes
        self.charts = charts
        self.alerts = alerts
    }

    static func escape(_ text: String) -> String { SVGCanvas.escape(text) }

    static let style = """
        body{font-family:Helvetica,Arial,sans-serif;margin:0 auto;max-width:1000px;padding:12px;color:#222}
        h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid #ccc}
        .meta{color:#555;font-size:.9em}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;font-size:.85em;width:100%}
        th,td{padding:4px 6px;border-bottom:1px solid #e2e2e2;text-align:right;white-space:nowrap}
        th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
        td.miss{color:#b71c1c;font-weight:bold}
        td.note{white-space:normal;text-align:left}
        figure{margin:0 0 1.2em}figcaption{font-size:.85em;color:#555}
        svg{width:100%;height:auto;display:block}
        @media print{body{max-width:none}h2{page-break-after:avoid}figure{page-break-inside:avoid}.scroll{overflow:visible}}
        """

    public func render() -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escape(title))</title><style>\(Self.style)</style></head><body>
            <h1>\(Self.escape(title))</h1>
            <p class="meta">\(Self.escape(period)) · generated \(Self.escape(generated))</p>

            """
        html += "<h2>Yield by station</h2>\n"
        if yield.rows.isEmpty {
            html += "<p>No units in this period.</p>\n"
        } else {
            let columns = ["line", "station"] + YieldRender.figureKeys
            html += "<div class=\"scroll\"><table><tr>" + columns.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
            for row in yield.rows {
                let checks = YieldRender.checks(row, products: products)
                html += "<tr><td>\(Self.escape(row.keys["line"] ?? ""))</td><td>\(Self.escape(row.keys["station"] ?? ""))</td>"
                for key in YieldRender.figureKeys {
                    if let count = YieldRender.counts(row)[key] {
                        html += "<td>\(count)</td>"
                    } else {
                        let miss = checks.contains { $0.key == key && $0.met == false }
                        let target = checks.first { $0.key == key }.map { " title=\"target \(YieldRender.format(key, $0.target))\"" } ?? ""
                        html += "<td\(miss ? " class=\"miss\"" : "")\(target)>\(YieldRender.format(key, YieldRender.values(row)[key]!))</td>"
                    }
                }
                html += "</tr>\n"
            }
            html += "</table></div>\n"
            if yield.rows.contains(where: { row in YieldRender.checks(row, products: products).contains { $0.met == false } }) {
                html += "<p class=\"meta\">Figures in red miss the product's target.</p>\n"
            }
            for line in yield.lines {
                html += "<p>Line \(Self.escape(line.keys["line"] ?? "")): route \(Self.escape(line.route.joined(separator: " → "))), "
                    + "RTY <b>\(YieldRender.format("fpy", line.rty))</b></p>\n"
            }
        }
        html += "<h2>Defect Pareto</h2>\n"
        if pareto.isEmpty {
            html += "<p>No defects in this period.</p>\n"
        } else {
            html += "<figure>\(ParetoRender.svg(pareto, key: "code", title: "Real defects by code"))</figure>\n"
        }
        html += "<h2>Escapes</h2>\n<p>\(escapes.count) unit\(escapes.count == 1 ? "" : "s") passed AOI and failed at a later station.</p>\n"
        if !escapes.isEmpty {
            html += "<div class=\"scroll\"><table><tr><th>refdes</th><th>code</th><th>escapes</th></tr>\n"
            for row in EscapesRender.summary(escapes) {
                html += "<tr><td>\(Self.escape(row.refdes ?? "-"))</td><td>\(Self.escape(row.code))</td><td>\(row.count)</td></tr>\n"
            }
            html += "</table></div>\n"
        }
        html += "<h2>Control charts</h2>\n"
        if charts.isEmpty { html += "<p>No charts are configured (spc.charts).</p>\n" }
        for chart in charts {
            if let svg = chart.svg {
                html += "<figure>\(svg)<figcaption>\(Self.escape(chart.caption))</figcaption></figure>\n"
            } else {
                html += "<p><b>\(Self.escape(chart.name))</b>: \(Self.escape(chart.caption))</p>\n"
            }
        }
        html += alertsSection()
        return html + "</body></html>\n"
    }

    /// Each alert with its state and the acknowledgements: who, when, the assignable cause and action.
    func alertsSection() -> String {
        var html = "<h2>Alerts</h2>\n"
        guard !alerts.isEmpty else { return html + "<p>No alerts in this period.</p>\n" }
        let open = alerts.filter { $0.acks.isEmpty }.count
        html += "<p>\(alerts.count) alert\(alerts.count == 1 ? "" : "s"), \(open) not acknowledged.</p>\n"
        html += "<div class=\"scroll\"><table><tr><th>id</th><th>rule</th><th>state</th><th>started</th><th>scope</th>"
            + "<th>summary</th><th>acknowledged</th></tr>\n"
        for alert in alerts {
            let acks = alert.acks.map { "\(Self.escape($0.by)), \(Self.escape(RFC3339.string(from: $0.at))): \(Self.escape($0.note))" }
            let started = Self.escape(RFC3339.string(from: alert.startedAt))
            let acknowledged = acks.isEmpty ? "—" : acks.joined(separator: "<br>")
            var row = "<tr><td>\(alert.id)</td><td>\(Self.escape(alert.rule))</td><td>\(Self.escape(alert.state))</td>"
            row += "<td>\(started)</td><td>\(Self.escape(alert.scope))</td>"
            row += "<td class=\"note\">\(Self.escape(alert.summary))</td><td class=\"note\">\(acknowledged)</td></tr>\n"
            html += row
        }
        return html + "</table></div>\n"
    }
}
