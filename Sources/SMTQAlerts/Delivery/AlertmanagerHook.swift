import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SMTQConfig
import SMTQCore
import SMTQStore

/// `alertmanager`: POSTs to a Prometheus Alertmanager's `/api/v2/alerts`. Labels identify the alert (the
/// same set for its firing, reminders and resolution, so Alertmanager groups and resolves it): `alertname`
/// (the rule), `severity`, `smtq_kind` and the scope. Annotations carry the summary, the figures, the alert id
/// and the report hint. A firing alert's `endsAt` lies ahead (three reminder intervals, or 24 h without
/// reminders) so Alertmanager does not time it out while smtq still sees it; the resolution sets `endsAt`
/// to its time.
struct AlertmanagerHook: AlertHook {
    let name: String
    let baseURL: String
    let timeout: Duration
    let repeats: [String: Duration?]

    /// The request body for one notification.
    static func body(_ payload: AlertPayload, repeat every: Duration?) -> Data {
        var labels = ["alertname": payload.rule, "severity": payload.severity.rawValue, "smtq_kind": payload.kind.rawValue]
        let scope = payload.scope
        let scopeLabels: [(String, String?)] = [("line", scope.line), ("station", scope.station), ("program", scope.program),
                                                ("device", scope.device), ("chart", scope.chart), ("series", scope.series),
                                                ("refdes", scope.refdes), ("code", scope.code)]
        for (key, value) in scopeLabels {
            if let value, !value.isEmpty { labels[key] = value }
        }
        if let site = payload.site { labels["site"] = site }
        labels["instance"] = payload.host
        if payload.event == .test { labels["smtq_test"] = "true" }
        let figures = payload.figures.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.map { String($0) } ?? "n/a")" }.joined(separator: ", ")
        let annotations = ["summary": payload.summary, "description": figures, "smtq_alert_id": String(payload.id),
                           "report": payload.report]
        var alert: [String: Any] = ["labels": labels, "annotations": annotations, "startsAt": payload.startedAt]
        if let resolved = payload.resolvedAt {
            alert["endsAt"] = resolved
        } else {
            let now = RFC3339.date(from: payload.time) ?? Date()
            let hold = payload.event == .test ? 300 : (every.map { 3 * $0.totalSeconds } ?? 86_400)
            alert["endsAt"] = RFC3339.string(from: now.addingTimeInterval(hold))
        }
        return (try? JSONSerialization.data(withJSONObject: [alert], options: [.sortedKeys])) ?? Data("[]".utf8)
    }

    func deliver(_ payload: String, event: AlertEventKind) async -> DeliveryResult {
        guard let decoded = try? JSONDecoder().decode(AlertPayload.self, from: Data(payload.utf8)) else {
            return .failed("the stored alert is not valid alert JSON")
        }
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard let target = URL(string: base + "/api/v2/alerts") else { return .failed("'\(baseURL)' is not a URL") }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.httpBody = Self.body(decoded, repeat: repeats[decoded.rule] ?? nil)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("smtq/\(SMTQVersion.current)", forHTTPHeaderField: "User-Agent")
        return await HTTPPost.send(request, timeout: timeout)
    }
}
