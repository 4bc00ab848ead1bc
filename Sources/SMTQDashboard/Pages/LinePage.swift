import Foundation
import SMTQReports
import SMTQStatistics
import SMTQStore

/// The line page: a tile per station (FPY this hour and shift against the product's target), the line's
/// RTY, the shift's top defects, open alerts and the line's charts. Each section is also what a live
/// `sections` event carries, so the first paint and every update come from the same code.
struct LinePage {
    var snapshot: LineSnapshot
    var charts: [ChartView]
    var timeZone: String
    var canAcknowledge: Bool
    /// Whether alert numbers are shown (the plant's: they count every customer's alerts).
    var showIDs: Bool

    /// The sections by element id.
    func sections() -> [(String, String)] {
        [("tiles", tiles()), ("summary", summary()), ("pareto", pareto()),
         ("alerts", AlertTable(alerts: snapshot.alerts, timeZone: timeZone, canAcknowledge: canAcknowledge, showIDs: showIDs,
                               returnPath: "/lines/\(pathSegment(snapshot.line))", now: snapshot.generated).render())]
    }

    func main() -> String {
        let parts = Dictionary(uniqueKeysWithValues: sections())
        var html = "<h1>Line \(esc(snapshot.line))</h1>\n"
        html += "<div id=\"summary\">\(parts["summary"]!)</div>\n"
        html += "<section id=\"tiles\" class=\"tiles\" data-line=\"\(esc(snapshot.line))\">\(parts["tiles"]!)</section>\n"
        html += "<div class=\"cols\"><section class=\"panel\"><h2>Top defects this shift</h2><div id=\"pareto\">\(parts["pareto"]!)</div></section>\n"
        html += "<section class=\"panel\"><h2>Alerts</h2><div id=\"alerts\">\(parts["alerts"]!)</div></section></div>\n"
        html += "<h2>Control charts</h2>\n<section id=\"charts\" class=\"charts\">\n"
        if charts.isEmpty { html += "<p>No control charts on this line (spc.charts).</p>\n" }
        for chart in charts { html += ChartFigure(view: chart).render() }
        return html + "</section>\n"
    }

    func summary() -> String {
        let clock = PageClock(timeZone: timeZone)
        var html = "<p class=\"rty\">"
        if !snapshot.route.isEmpty {
            html += "RTY this shift <b data-field=\"rty\">\(percent(snapshot.rty))</b> "
                + "<span class=\"meta\">(\(esc(snapshot.route.joined(separator: " → "))))</span>"
        }
        html += "</p><p class=\"meta\">Shift <b>\(esc(snapshot.clock.shiftName))</b> since \(esc(clock.string(snapshot.clock.shiftStart)))"
            + " · updated <span data-field=\"generated\">\(esc(clock.string(snapshot.generated)))</span></p>"
        return html
    }

    func tiles() -> String {
        let clock = PageClock(timeZone: timeZone)
        var html = ""
        for tile in snapshot.tiles {
            let target: String
            switch tile.products.count {
            case 0: target = "no units this shift"
            case 1: target = tile.products[0].target.map { "target " + percent($0) + " (\(esc(tile.products[0].program)))" }
                ?? "\(esc(tile.products[0].program)): no target"
            default: target = "\(tile.products.count) products"
            }
            html += "<article class=\"tile state-\(tile.state.rawValue)\" data-station=\"\(esc(tile.station))\" data-state=\"\(tile.state.rawValue)\">"
            html += "<h3><span>\(esc(tile.station)) <span class=\"state-word\">\(Self.stateWord(tile.state))</span></span>"
                + "<span class=\"small\">\(target)</span></h3>"
            html += "<div class=\"caption\">FPY this hour</div>"
            html += "<div class=\"big\" data-field=\"fpy-hour\">\(percent(tile.hourFPY))</div>"
            html += "<div class=\"row\"><span>hour: <b data-field=\"units-hour\">\(tile.hourUnits)</b> units</span>"
            html += "<span>shift FPY <b data-field=\"fpy-shift\">\(percent(tile.shiftFPY))</b></span></div>"
            html += "<div class=\"row\"><span>shift: <b data-field=\"units\">\(tile.shiftUnits)</b> units</span>"
            html += "<span><b data-field=\"defects\">\(tile.shiftDefects)</b> defects</span></div>"
            if tile.products.count > 1 {
                for product in tile.products {
                    html += "<div class=\"small product state-\(product.state.rawValue)\" data-program=\"\(esc(product.program))\">"
                        + "\(esc(product.program)): hour \(percent(product.hourFPY)) · shift \(percent(product.shiftFPY))"
                        + (product.target.map { " · target \(percent($0))" } ?? " · no target") + "</div>"
                }
            }
            if let last = tile.last {
                html += "<div class=\"small\">last: <a data-field=\"last-serial\" href=\"/units/\(pathSegment(last.serial))\">\(esc(last.serial))</a> "
                    + "\(last.passed ? "pass" : "FAIL") \(esc(clock.short(last.time, now: snapshot.generated)))</div>"
            } else {
                html += "<div class=\"small\">no units yet</div>"
            }
            let devices = tile.devices.map { device in
                "<a href=\"/devices/\(pathSegment(device.name))\" data-field=\"device-state\" data-device=\"\(esc(device.name))\">"
                    + "\(esc(device.name)) \(device.state.rawValue)</a>"
            }
            if !devices.isEmpty { html += "<div class=\"small\">\(devices.joined(separator: " · "))</div>" }
            html += "</article>\n"
        }
        return html.isEmpty ? "<p>No stations on this line.</p>" : html
    }

    /// The tile's state in words, for print (on paper the colour is only a border).
    static func stateWord(_ state: TileState) -> String {
        switch state {
        case .green: "on target"
        case .amber: "just below target"
        case .red: "BELOW TARGET"
        case .neutral: "no target"
        case .idle: "no units"
        }
    }

    func pareto() -> String {
        guard !snapshot.pareto.isEmpty else { return "<p>No defects this shift.</p>" }
        var html = "<table><thead><tr><th class=\"text\">refdes · code</th><th>defects</th><th>%</th><th>cum. %</th></tr></thead><tbody>"
        for row in snapshot.pareto {
            html += "<tr><td>\(esc(row.key))</td><td>\(row.count)</td><td>\(String(format: "%.1f", row.percent))</td>"
                + "<td>\(String(format: "%.1f", row.cumulativePercent))</td></tr>"
        }
        return html + "</tbody></table>"
    }
}

/// One chart on a page: its plot (replaced live by `chart` events) and caption.
struct ChartFigure {
    var view: ChartView

    func render() -> String {
        let name = esc(view.chart.name)
        // The caption begins with the chart's name: the name becomes the link.
        let rest = view.caption.hasPrefix(view.chart.name + ": ") ? String(view.caption.dropFirst(view.chart.name.count + 2)) : view.caption
        return "<figure data-chart=\"\(name)\"><div class=\"plot\">\(plot())</div>"
            + "<figcaption><a href=\"/charts/\(pathSegment(view.chart.name))\">\(name)</a>: \(esc(rest))</figcaption></figure>\n"
    }

    func plot() -> String {
        view.svg ?? "<p class=\"meta\">\(esc(ChartPanels.title(view.chart))): \(esc(view.caption))</p>"
    }
}

/// Alerts with their state and acknowledgements; for the plant, a form to acknowledge each one.
struct AlertTable {
    var alerts: [AlertListRow]
    var timeZone: String
    var canAcknowledge: Bool
    var showIDs: Bool
    /// What an empty list says (the window it covers).
    var emptyNote = "No alerts in the last 24 hours."
    var returnPath: String
    var now: Date

    func render() -> String {
        guard !alerts.isEmpty else { return "<p>\(esc(emptyNote))</p>" }
        let clock = PageClock(timeZone: timeZone)
        var html = "<table><thead><tr>" + (showIDs ? "<th class=\"text\">#</th>" : "") + "<th class=\"text\">state</th><th class=\"text\">rule</th>"
            + "<th class=\"text\">started</th><th class=\"text\">what</th></tr></thead><tbody>"
        for alert in alerts {
            let acks = alert.acks.map { "✔ \(esc($0.by)), \(esc(clock.short($0.at, now: now))): \(esc($0.note))" }
            html += showIDs ? "<tr data-alert=\"\(alert.id)\"><td>\(alert.id)</td>" : "<tr>"
            html += "<td class=\"text state-\(esc(alert.state))\">\(esc(alert.state))</td>"
                + "<td class=\"text sev-\(esc(alert.severity))\">\(esc(alert.rule))</td><td class=\"text\">\(esc(clock.short(alert.startedAt, now: now)))</td>"
                + "<td class=\"note\">\(esc(alert.scope)): \(esc(alert.summary))"
            if !acks.isEmpty { html += "<br>" + acks.joined(separator: "<br>") }
            // Firing, or not acknowledged yet: a resolved alert someone has explained needs no form (the CLI adds notes).
            if canAcknowledge, alert.state == "firing" || alert.acks.isEmpty {
                html += "<form class=\"ack\" method=\"post\" action=\"/alerts/\(alert.id)/ack\">"
                    + "<input type=\"hidden\" name=\"return\" value=\"\(esc(returnPath))\">"
                    + "<input name=\"by\" placeholder=\"your name\" required maxlength=\"80\">"
                    + "<input name=\"note\" placeholder=\"cause found, action taken\" required maxlength=\"500\">"
                    + "<button type=\"submit\">Acknowledge</button></form>"
            }
            html += "</td></tr>"
        }
        return html + "</tbody></table>"
    }
}
