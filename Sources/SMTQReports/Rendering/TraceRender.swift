import Foundation
import SMTQCore

/// `smtq trace` as JSON (the interchange schema per result, plus its attempt), CSV or a readable history.
public enum TraceRender {
    public static func json(_ entries: [TraceEntry], serial: String) -> String {
        "{\"serial\":\(InterchangeJSON.string(serial)),\"results\":["
            + entries.map { entry in
                let line = InterchangeJSON.line(entry.record)
                return String(line.dropLast()) + ",\"attempt\":\(entry.attempt)}"
            }.joined(separator: ",") + "]}\n"
    }

    public static func csv(_ entries: [TraceEntry]) -> String {
        CSVText.row(["time", "line", "station", "device", "program", "attempt", "result", "cycle_ms", "defects", "measurements"])
            + entries.map { entry in
                let record = entry.record
                return CSVText.row([RFC3339.string(from: record.time), record.line, record.station, record.device, record.program,
                                    String(entry.attempt), record.result.rawValue, record.cycleMilliseconds.map(String.init),
                                    defects(record), measurements(record)])
            }.joined()
    }

    public static func text(_ entries: [TraceEntry], serial: String) -> String {
        var text = "\(serial): \(entries.count) results at \(Set(entries.map { $0.record.station }).count) stations\n"
        text += TextTable.render(header: ["time", "line", "station", "device", "program", "test", "result", "defects", "measurements"],
                                 rows: entries.map { entry in
            let record = entry.record
            return [RFC3339.string(from: record.time), record.line, record.station, record.device, record.program,
                    entry.attempt == 1 ? "first" : "retest \(entry.attempt - 1)", record.result.rawValue, defects(record), measurements(record)]
        })
        return text
    }

    public static func defects(_ record: UnitRecord) -> String {
        (record.defects ?? []).map { "\($0.refdes ?? "-") \($0.code)\($0.verdict == .falseCall ? " (false call)" : "")" }.joined(separator: "; ")
    }

    /// Values with their unit, marked `OUT` when outside the limits stored with them.
    public static func measurements(_ record: UnitRecord) -> String {
        (record.measurements ?? []).map { value in
            let out = (value.lsl.map { value.value < $0 } ?? false) || (value.usl.map { value.value > $0 } ?? false)
            return "\(value.name)=\(InterchangeJSON.number(value.value))\(value.unit.map { " " + $0 } ?? "")\(out ? " OUT" : "")"
        }.joined(separator: "; ")
    }
}
