import Foundation
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStore

/// The pages behind the line page: a chart, a unit's history, a device's state, a customer's scorecard, the
/// list of lines, and the answers without data (not found, token needed).
enum DetailPages {
    static func chart(_ view: ChartView, alerts: AlertTable) -> String {
        var html = "<h1>\(esc(ChartPanels.title(view.chart)))</h1>\n"
        html += "<p class=\"meta\">\(view.points) points, \(view.signals) with signals · rules: "
            + "\(esc(view.chart.rules.map(\.rawValue).joined(separator: ", ")))</p>\n"
        html += "<section id=\"charts\">\(ChartFigure(view: view).render())</section>\n"
        html += "<section class=\"panel\"><h2>Alerts on this chart</h2><div id=\"alerts\">\(alerts.render())</div></section>\n"
        return html
    }

    static func unit(_ serial: String, entries: [TraceEntry], timeZone: String) -> String {
        let clock = PageClock(timeZone: timeZone)
        var html = "<h1>Unit \(esc(serial))</h1>\n<p class=\"meta\">\(entries.count) result\(entries.count == 1 ? "" : "s") at "
            + "\(Set(entries.map { $0.record.station }).count) station(s)</p>\n"
        html += "<div class=\"panel\"><table id=\"trace\"><thead><tr><th class=\"text\">time</th><th class=\"text\">line</th>"
            + "<th class=\"text\">station</th><th class=\"text\">device</th><th class=\"text\">program</th><th class=\"text\">test</th>"
            + "<th class=\"text\">result</th><th class=\"text\">defects</th><th class=\"text\">measurements</th></tr></thead><tbody>\n"
        for entry in entries {
            let record = entry.record
            html += "<tr><td class=\"text\">\(esc(clock.string(record.time)))</td><td class=\"text\">\(esc(record.line))</td>"
                + "<td class=\"text\">\(esc(record.station))</td><td class=\"text\">\(esc(record.device))</td>"
                + "<td class=\"text\">\(esc(record.program))</td><td class=\"text\">\(entry.attempt == 1 ? "first" : "retest \(entry.attempt - 1)")</td>"
                + "<td class=\"text \(record.result == .pass ? "met" : "miss")\">\(record.result.rawValue)</td>"
                + "<td class=\"note\">\(esc(TraceRender.defects(record)))</td><td class=\"note\">\(esc(TraceRender.measurements(record)))</td></tr>\n"
        }
        return html + "</tbody></table></div>\n"
    }

    static func device(_ device: DashboardDevice) -> String {
        var html = "<h1>Device \(esc(device.name))</h1>\n<p class=\"meta\">line <a href=\"/lines/\(pathSegment(device.line))\">"
            + "\(esc(device.line))</a>, station \(esc(device.station)) · <b data-field=\"device-state\">\(device.state.rawValue)</b></p>\n"
        html += "<div class=\"panel\"><dl class=\"facts\">"
        for (label, value) in device.facts { html += "<dt>\(esc(label))</dt><dd>\(esc(value))</dd>" }
        return html + "</dl></div>\n"
    }

    static func scorecard(_ card: Scorecard) -> String {
        "<h1>Scorecard: \(esc(card.customer))</h1>\n<div class=\"panel\">\(ScorecardRender.fragment(card))</div>\n"
            + "<p class=\"meta\">Targets from products.*.targets; figures as the yield and capability reports compute them "
            + "(per station, cohort view). Period: add ?since=…&amp;until=… (e.g. 2026-11-01, 7d).</p>\n"
    }

    static func customers(_ customers: [CustomerConfig]) -> String {
        var html = "<h1>Scorecards</h1>\n"
        guard !customers.isEmpty else { return html + "<p>No customers are configured (customers: in the configuration).</p>\n" }
        html += "<ul>"
        for customer in customers {
            html += "<li><a href=\"/scorecard?customer=\(pathSegment(customer.name))\">\(esc(customer.name))</a>: "
                + "\(esc(customer.products.joined(separator: ", ")))</li>"
        }
        return html + "</ul>\n"
    }

    static func lines(_ lines: [String]) -> String {
        var html = "<h1>Lines</h1>\n"
        guard !lines.isEmpty else { return html + "<p>No lines are configured.</p>\n" }
        html += "<ul>" + lines.map { "<li><a href=\"/lines/\(pathSegment($0))\">\(esc($0))</a></li>" }.joined() + "</ul>\n"
        return html
    }

    /// Said the same way whether the thing does not exist or the viewer may not see it (nor is what was asked
    /// for repeated).
    static func notFound() -> String {
        "<h1>Not found</h1>\n<p>There is nothing at this address. <a href=\"/\">Back to the lines</a>.</p>\n"
    }

    /// A request that cannot be answered as asked (a bad `since`, a form without a note), with what to change.
    static func problem(_ message: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Cannot do that · smtq</title><link rel="stylesheet" href="\(Assets.url("dashboard.css"))"></head>
        <body data-page="problem"><main><div class="login"><h1>Cannot do that</h1><p>\(esc(message))</p>
        <p><a href="/">Back to the lines</a></p></div></main></body></html>

        """
    }

    /// The answer to a request without a valid token: no data, a form to give one.
    static func login(message: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Token needed · smtq</title><link rel="stylesheet" href="\(Assets.url("dashboard.css"))">
        <script src="\(Assets.url("dashboard.js"))" defer></script></head>
        <body data-page="login"><main><form class="login" method="post" action="/login">
        <h1>Token needed</h1><p>\(esc(message))</p><input type="hidden" name="return" value="/" id="return">
        <label>Token <input name="token" type="password" autocomplete="off" required></label>
        <button type="submit">Open the dashboard</button></form></main></body></html>

        """
    }
}
