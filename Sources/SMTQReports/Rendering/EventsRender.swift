import SMTQCore
import SMTQStore

/// How many device events of each kind, and how many records the gaps lost.
public struct EventSummary: Sendable {
    public private(set) var events = 0
    public private(set) var lostRecords = 0
    private var counts: [String: Int] = [:]

    public init() {}

    public mutating func add(_ event: EventExporter.Event) {
        events += 1
        counts[event.kind, default: 0] += 1
        if event.kind == DeviceEvent.Kind.gap.rawValue { lostRecords += event.count }
    }

    /// Every kind of `DeviceEvent.Kind` in its order (zeros included), then any other stored kind by name.
    public var byKind: [(kind: String, count: Int)] {
        let known = DeviceEvent.Kind.allCases.map(\.rawValue)
        return known.map { ($0, counts[$0] ?? 0) } + counts.keys.filter { !known.contains($0) }.sorted().map { ($0, counts[$0]!) }
    }

    /// One line for the table: `5 events: 1 connect, 2 error, 1 gap, 1 reset; 7 records lost in gaps`.
    public var text: String {
        let kinds = byKind.filter { $0.count > 0 }.map { "\($0.count) \($0.kind)" }.joined(separator: ", ")
        return "\(events) event\(events == 1 ? "" : "s"): \(kinds); \(lostRecords) record\(lostRecords == 1 ? "" : "s") lost in gaps"
    }

    /// The JSON fields after the events: `event_count`, `by_kind`, `lost_records`.
    public var json: [(String, JSONValue)] {
        [("event_count", .integer(events)), ("by_kind", .object(byKind.map { ($0.kind, .integer($0.count)) })),
         ("lost_records", .integer(lostRecords))]
    }
}

/// `smtq events` as a table, or the frame of its JSON document around the streamed events.
public enum EventsRender {
    /// The events in aligned columns (`EventExporter.columns`), then the summary line.
    public static func table(_ events: [EventExporter.Event], _ summary: EventSummary) -> String {
        TextTable.render(header: EventExporter.columns, rows: events.map { event in
            [RFC3339.string(from: event.time), event.device, event.line, event.station, event.kind, String(event.count),
             event.detail ?? ""]
        }) + summary.text + "\n"
    }

    /// The JSON document up to the first event: the header fields, then `"events":[`.
    public static func jsonOpening(_ header: [(String, JSONValue)]) -> String {
        String(JSONValue.object(header + [("events", .array([]))]).render().dropLast(2))
    }

    /// The JSON document after the last event: the summary's fields and the closing brace.
    public static func jsonClosing(_ summary: EventSummary) -> String {
        "]," + String(JSONValue.object(summary.json).render().dropFirst()) + "\n"
    }
}
