/// Writes records as interchange-schema JSON text, keys in the schema's order.
///
/// Written by hand rather than with `JSONEncoder` because Foundation's encoder on Linux emits keys in hash
/// order (so the same record would not always give the same line, and an export could not be compared
/// byte for byte), and because exports write millions of lines.
public enum InterchangeJSON {
    /// One line of the interchange schema (without the newline); `version` adds `"v":N` first.
    public static func line(_ record: UnitRecord, version: Int? = nil) -> String {
        var out = "{"
        if let version { out += "\"v\":\(version)," }
        out += "\"line\":" + string(record.line)
        out += ",\"station\":" + string(record.station)
        out += ",\"device\":" + string(record.device)
        out += ",\"program\":" + string(record.program)
        out += ",\"serial\":" + string(record.serial)
        if let position = record.position { out += ",\"position\":\(position)" }
        out += ",\"result\":\"" + record.result.rawValue + "\""
        out += ",\"time\":\"" + RFC3339.string(from: record.time) + "\""
        if let cycle = record.cycleMilliseconds { out += ",\"cycle_ms\":\(cycle)" }
        if let defects = record.defects {
            out += ",\"defects\":[" + defects.map(defect).joined(separator: ",") + "]"
        }
        if let measurements = record.measurements {
            out += ",\"measurements\":[" + measurements.map(measurement).joined(separator: ",") + "]"
        }
        return out + "}"
    }

    public static func defect(_ defect: DefectRecord) -> String {
        var fields: [String] = []
        if let refdes = defect.refdes { fields.append("\"refdes\":" + string(refdes)) }
        if let part = defect.part { fields.append("\"part\":" + string(part)) }
        fields.append("\"code\":" + string(defect.code))
        if let category = defect.category { fields.append("\"category\":" + string(category)) }
        fields.append("\"verdict\":\"" + defect.verdict.rawValue + "\"")
        return "{" + fields.joined(separator: ",") + "}"
    }

    public static func measurement(_ measurement: MeasurementRecord) -> String {
        var fields = ["\"name\":" + string(measurement.name), "\"value\":" + number(measurement.value)]
        if let unit = measurement.unit { fields.append("\"unit\":" + string(unit)) }
        if let lsl = measurement.lsl { fields.append("\"lsl\":" + number(lsl)) }
        if let usl = measurement.usl { fields.append("\"usl\":" + number(usl)) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    public static func string(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A JSON number: the shortest text that reads back as the same Double; integral values without `.0`.
    public static func number(_ value: Double) -> String {
        if value == value.rounded(.towardZero), abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return "\(value)"
    }
}
