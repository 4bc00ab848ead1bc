import ArgumentParser
import Foundation
import SMTQReports
import SMTQCore
import SMTQStore

/// `smtq events`: what happened to the devices, read-only.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Device events in time order: connects, disconnects, errors, gaps (lost records) and resets.",
        discussion: """
            Kinds: \(kindNames). An error event's detail holds the message, and for an undecodable record its \
            raw registers; a gap's count is the number of records lost (mailbox devices). Times are RFC 3339 UTC. \
            The table ends with the events per kind and the records lost in gaps. Read-only.
            """
    )

    static var kindNames: String { DeviceEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ") }

    @Option(name: .customLong("device"), help: "Only this device (repeat for several).") var devices: [String] = []
    @Option(name: .customLong("kind"), help: "Only this kind: \(kindNames) (repeat for several).") var kinds: [String] = []
    @Option(help: "Start of the window: \(TimeWindow.expected).") var since: String?
    @Option(help: "End of the window (exclusive), same forms.") var until: String?
    @OptionGroup var output: FormatOption
    @OptionGroup var source: ConfigurationOptions

    func run() throws {
        let kinds = try self.kinds.map { name in
            guard let kind = DeviceEvent.Kind(rawValue: name) else {
                Console.error("smtq events: --kind '\(name)' is not one of \(Self.kindNames)")
                throw ExitCode(64)
            }
            return kind
        }
        let format = try output.resolve()
        let configuration = try ReportOptions.configuration(source)
        let (from, to) = try SPCCommands.window(since, until, TimeWindow(time: configuration.time))
        let out = OutputBuffer()
        try ReportOptions.read(configuration, command: "smtq events") { db in
            let filter = EventExporter.Filter(deviceIDs: try EventsQuery.deviceIDs(db, names: devices), kinds: kinds,
                                              since: from, until: to)
            var summary = EventSummary()
            switch format {
            case .csv:
                out.append(CSVText.row(EventExporter.columns))
                try EventExporter.forEach(db, filter) { out.append(EventExporter.csvRow($0)) }
            case .json:
                func time(_ value: Int64?) -> JSONValue { .string(value.map { RFC3339.string(from: Date(storeMicroseconds: $0)) }) }
                out.append(EventsRender.jsonOpening([
                    ("report", .string("events")), ("time_zone", .string(configuration.time.timeZone)), ("since", time(from)),
                    ("until", time(to)), ("devices", devices.isEmpty ? .string(nil) : .array(devices.map { .string($0) })),
                    ("kinds", kinds.isEmpty ? .string(nil) : .array(kinds.map { .string($0.rawValue) })),
                ]))
                try EventExporter.forEach(db, filter) { event in
                    out.append((summary.events == 0 ? "" : ",") + EventExporter.json(event))
                    summary.add(event)
                }
                out.append(EventsRender.jsonClosing(summary))
            case .table:
                var events: [EventExporter.Event] = []
                try EventExporter.forEach(db, filter) { event in
                    events.append(event)
                    summary.add(event)
                }
                out.append(events.isEmpty ? "no device events in this window and filter\n" : EventsRender.table(events, summary))
            }
        }
        out.flush()
    }
}
