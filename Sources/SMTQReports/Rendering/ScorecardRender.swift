import Foundation
import SMTQCore

/// `smtq report scorecard` and the dashboard's scorecard page: per product and target, the figure over the
/// period against the target (met / missed), then the figure per week.
public enum ScorecardRender {
    /// A figure as people read it: yields and rates in percent, DPMO to one decimal, Cpk to three.
    public static func format(_ metric: ScorecardMetric, _ value: Double?) -> String {
        guard let value else { return "n/a" }
        switch metric {
        case .dpmo: return String(format: "%.1f", value)
        case .cpk: return String(format: "%.3f", value)
        case .fpy, .finalYield, .falseCallRate: return String(format: "%.2f%%", value * 100)
        }
    }

    /// The target with its direction: "≥ 98.50%", "≤ 500.0".
    public static func target(_ row: ScorecardRow) -> String {
        (row.metric.higherIsBetter ? "≥ " : "≤ ") + format(row.metric, row.target)
    }

    public static func verdict(_ met: Bool?) -> String {
        switch met {
        case true?: "met"
        case false?: "MISSED"
        case nil: "no data"
        }
    }

    static func place(_ row: ScorecardRow) -> String {
        row.station + (row.measurement.map { " " + $0 } ?? "")
    }

    public static func table(_ card: Scorecard) -> String {
        var text = "customer \(card.customer), \(period(card)): \(card.met) met, \(card.missed) missed\n"
        let header = ["product", "target", "where", "goal", "actual", "n", "verdict"] + card.weeks.map { weekHeading($0, card.timeZone) }
        text += TextTable.render(header: header, rows: card.rows.map { row in
            [row.product, row.metric.rawValue, place(row), target(row), format(row.metric, row.actual), String(row.count), verdict(row.met)]
                + row.weeks.map { format(row.metric, $0) }
        })
        if card.rows.isEmpty { text += "no targets to check: set products.<name>.targets for this customer's products\n" }
        for product in card.productsWithoutTargets { text += "\(product) has no targets (products.\(product).targets)\n" }
        return text
    }

    public static func json(_ card: Scorecard, header: [(String, JSONValue)]) -> String {
        func time(_ value: Int64) -> JSONValue { .string(RFC3339.string(from: Date(storeMicroseconds: value))) }
        let weeks = JSONValue.array(card.weeks.map { .object([("week", .string($0.label)), ("since", time($0.since)), ("until", time($0.until))]) })
        let rows = JSONValue.array(card.rows.map { row in
            .object([("product", .string(row.product)), ("metric", .string(row.metric.rawValue)), ("station", .string(row.station)),
                     ("measurement", .string(row.measurement)), ("target", .number(row.target)),
                     ("direction", .string(row.metric.higherIsBetter ? "min" : "max")), ("actual", .number(row.actual)),
                     ("n", .integer(row.count)), ("met", row.met.map(JSONValue.bool) ?? .string(nil)),
                     ("weeks", .array(row.weeks.map { .number($0) }))])
        })
        return JSONValue.object(header + [("customer", .string(card.customer)), ("since", time(card.since)), ("until", time(card.until)),
                                           ("met", .integer(card.met)), ("missed", .integer(card.missed)), ("weeks", weeks),
                                           ("rows", rows), ("products_without_targets", .array(card.productsWithoutTargets.map { .string($0) }))])
            .render() + "\n"
    }

    /// "2026-11-02 00:00 to 2026-12-02 03:10 Europe/Berlin".
    static func period(_ card: Scorecard) -> String {
        "\(local(card.since, card.timeZone, "yyyy-MM-dd HH:mm")) to \(local(card.until, card.timeZone, "yyyy-MM-dd HH:mm")) \(card.timeZone)"
    }

    static func local(_ time: Int64, _ zone: String, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: Date(storeMicroseconds: time))
    }

    /// A week's column heading: "W45 11-02" (its ISO week and the date it starts, or the period's start).
    static func weekHeading(_ week: ScorecardWeek, _ zone: String) -> String {
        "\(week.label.split(separator: "-").last ?? "") \(local(week.since, zone, "MM-dd"))"
    }

    /// The scorecard as an HTML fragment (a summary line and one table), for a page of its own or the dashboard.
    public static func fragment(_ card: Scorecard) -> String {
        let escape = SVGCanvas.escape
        var html = "<p class=\"summary\"><b>\(card.met)</b> met, <b class=\"\(card.missed > 0 ? "miss" : "")\">\(card.missed)</b> missed · "
            + "\(escape(period(card)))</p>\n"
        guard !card.rows.isEmpty else {
            return html + "<p>No targets to check: set <code>products.&lt;name&gt;.targets</code> for this customer's products.</p>\n"
        }
        html += "<div class=\"scroll\"><table class=\"scorecard\"><thead><tr><th class=\"text\">product</th><th class=\"text\">target</th><th class=\"text\">where</th><th>goal</th>"
            + "<th>actual</th><th>n</th><th>verdict</th>"
            + card.weeks.map { "<th title=\"\(escape($0.label))\">\(escape(weekHeading($0, card.timeZone)))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in card.rows {
            let verdictClass = row.met == false ? "miss" : row.met == true ? "met" : "none"
            html += "<tr data-product=\"\(escape(row.product))\" data-metric=\"\(row.metric.rawValue)\"><td class=\"text\">\(escape(row.product))</td>"
                + "<td class=\"text\">\(row.metric.rawValue)</td><td class=\"text\">\(escape(place(row)))</td><td>\(escape(target(row)))</td>"
                + "<td class=\"\(verdictClass)\">\(format(row.metric, row.actual))</td><td>\(row.count)</td>"
                + "<td class=\"text \(verdictClass)\">\(verdict(row.met))</td>"
            for value in row.weeks {
                let met = value.map { row.metric.meets($0, row.target) }
                html += "<td class=\"\(met == false ? "miss" : "")\">\(format(row.metric, value))</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table></div>\n"
    }

    /// A self-contained page (`--format html`), styled like `smtq report html`.
    public static func page(_ card: Scorecard, generated: String) -> String {
        let title = "Scorecard: \(card.customer)"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(SVGCanvas.escape(title))</title><style>\(HTMLReport.style)td.met{color:#1b5e20}th.text,td.text{text-align:left}</style></head><body>
            <h1>\(SVGCanvas.escape(title))</h1>
            <p class="meta">generated \(SVGCanvas.escape(generated))</p>
            \(fragment(card))</body></html>

            """
    }
}
