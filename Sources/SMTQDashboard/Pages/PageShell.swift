import Foundation
import SMTQCore

/// Text made safe for HTML text and attribute values.
func esc(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        .replacingOccurrences(of: "'", with: "&#39;")
}

/// A path segment made safe for a URL (line, chart, serial and device names may hold any character).
func pathSegment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}

/// A ratio as a percentage, or "n/a" when undefined.
func percent(_ value: Double?, decimals: Int = 1) -> String {
    value.map { String(format: "%.\(decimals)f%%", $0 * 100) } ?? "n/a"
}

/// The frame every page shares: head with the stylesheet and script (our own, same origin), the navigation
/// bar with the live-update indicator, and the page's main content.
struct PageShell {
    var title: String
    var viewer: Viewer
    var lines: [String]
    /// The page's live stream (`/events?…`), if it updates live.
    var stream: String?

    func render(_ main: String, page: String) -> String {
        let who: String
        switch viewer {
        case .plant: who = "plant view"
        case let .customer(customer): who = "customer: " + customer.name
        }
        var nav = "<a class=\"brand\" href=\"/\">smtq</a>"
        for line in lines { nav += "<a href=\"/lines/\(pathSegment(line))\">\(esc(line))</a>" }
        nav += "<a href=\"/scorecard\">Scorecard</a>"
        if stream != nil { nav += "<span id=\"live\" data-state=\"connecting\" title=\"live updates\">● live</span>" }
        nav += "<span class=\"who\">\(esc(who))</span>"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(title)) · smtq</title>
            <link rel="icon" href="\(Assets.url("icon.svg"))" type="image/svg+xml">
            <link rel="stylesheet" href="\(Assets.url("dashboard.css"))">
            <script src="\(Assets.url("dashboard.js"))" defer></script>
            </head>
            <body data-page="\(page)"\(stream.map { " data-stream=\"\(esc($0))\"" } ?? "")>
            <header>\(nav)</header>
            <main>
            \(main)
            </main>
            </body></html>

            """
    }
}

/// Short local times for pages.
struct PageClock {
    let formatter: DateFormatter

    init(timeZone: String) {
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    }

    func string(_ date: Date) -> String { formatter.string(from: date) }

    /// The time alone when it is today, else with the date.
    func short(_ date: Date, now: Date) -> String {
        let full = string(date)
        return full.prefix(10) == string(now).prefix(10) ? String(full.dropFirst(11)) : full
    }
}
