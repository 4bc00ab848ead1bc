import Foundation
import SMTQCore
import SMTQStore

/// `smtq alerts` as a table or JSON, and the alerts section of the HTML report.
public enum AlertsRender {
    public static func table(_ alerts: [AlertListRow]) -> String {
        let rows = alerts.map { alert -> [String] in
            var delivery = "\(alert.delivered)/\(alert.deliveries)"
            if let error = alert.lastError, alert.delivered < alert.deliveries {
                delivery += " (" + (error.count > 60 ? error.prefix(59) + "…" : error) + ")"
            }
            let ack = alert.acks.last.map { "\($0.by): \($0.note)" } ?? ""
            return [String(alert.id), alert.state, alert.severity, alert.rule, alert.scope,
                    RFC3339.string(from: alert.startedAt), delivery, ack, alert.summary]
        }
        return TextTable.render(header: ["id", "state", "severity", "rule", "scope", "started", "delivered", "ack", "summary"],
                                rows: rows)
    }

    public static func json(_ alerts: [AlertListRow], since: Date) -> String {
        JSONValue.object([
            ("report", .string("alerts")), ("since", .string(RFC3339.string(from: since))),
            ("alerts", .array(alerts.map(json))),
        ]).render()
    }

    static func json(_ alert: AlertListRow) -> JSONValue {
        .object([
            ("id", .integer(Int(alert.id))), ("rule", .string(alert.rule)), ("kind", .string(alert.kind)),
            ("severity", .string(alert.severity)), ("scope", .string(alert.scope)), ("state", .string(alert.state)),
            ("started_at", .string(RFC3339.string(from: alert.startedAt))),
            ("resolved_at", .string(alert.resolvedAt.map(RFC3339.string))), ("summary", .string(alert.summary)),
            ("deliveries", .object([("delivered", .integer(alert.delivered)), ("total", .integer(alert.deliveries)),
                                    ("last_error", .string(alert.lastError))])),
            ("acks", .array(alert.acks.map {
                .object([("by", .string($0.by)), ("at", .string(RFC3339.string(from: $0.at))), ("note", .string($0.note))])
            })),
        ])
    }
}
