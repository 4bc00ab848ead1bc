import Foundation
import SMTQCore

extension Exporter {
    private static let processValueColumns = ["line", "station", "device", "name", "time", "value", "unit", "lsl", "usl"]

    /// Process values in the window, in time order: interchange `process_value` lines (which `smtq import`
    /// reads back) or CSV rows.
    func writeProcessValues(as format: Format, to output: OutputBuffer) throws -> Int {
        if format == .csv { output.append(CSVText.row(Self.processValueColumns)) }
        var rows = 0
        try forEachProcessValue { value in
            switch format {
            case .jsonl:
                output.append(InterchangeJSON.line(value, version: 1) + "\n")
            case .csv:
                output.append(CSVText.row([value.line, value.station, value.device, value.name, RFC3339.string(from: value.time),
                                           InterchangeJSON.number(value.value), value.unit,
                                           value.lsl.map(InterchangeJSON.number), value.usl.map(InterchangeJSON.number)]))
            }
            rows += 1
        }
        output.flush()
        return rows
    }

    /// Every process value in the window, in time order.
    public func forEachProcessValue(_ body: (ProcessValueRecord) throws -> Void) throws {
        let (filter, arguments) = window("v.time")
        try source.withReader { db in
            try db.forEachRow("""
                SELECT l.name, s.name, d.name, v.name, v.time, v.value, v.unit, v.lsl, v.usl
                FROM process_values v
                JOIN stations s ON s.id = v.station_id
                JOIN lines l ON l.id = s.line_id
                JOIN devices d ON d.id = v.device_id
                \(filter)
                ORDER BY v.time, v.id
                """, arguments) { row in
                try body(ProcessValueRecord(line: row[0], station: row[1], device: row[2], name: row[3],
                                            time: Date(storeMicroseconds: row[4]), value: row[5], unit: row[6],
                                            lsl: row[7], usl: row[8]))
            }
        }
    }
}
