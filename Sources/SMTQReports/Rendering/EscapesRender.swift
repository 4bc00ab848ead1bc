import Foundation
import SMTQCore

/// `smtq report escapes` as JSON, CSV or tables (the escapes, then counts by refdes and code).
public enum EscapesRender {
    static func time(_ microseconds: Int64) -> String { RFC3339.string(from: Date(timeIntervalSince1970: Double(microseconds) / 1e6)) }

    static func defectText(_ defect: Escape.Defect) -> String { "\(defect.refdes ?? "-") \(defect.code)" }

    /// Escapes counted by the later station's (refdes, code); an escape without a recorded defect counts as "(none)".
    public static func summary(_ escapes: [Escape]) -> [(refdes: String?, code: String, count: Int)] {
        var counts: [Escape.Defect: Int] = [:]
        for escape in escapes {
            for defect in Set(escape.defects.isEmpty ? [Escape.Defect(refdes: nil, code: "(none)")] : escape.defects) {
                counts[defect, default: 0] += 1
            }
        }
        return counts.map { ($0.key.refdes, $0.key.code, $0.value) }
            .sorted { ($1.count, $0.refdes ?? "", $0.code) < ($0.count, $1.refdes ?? "", $1.code) }
    }

    public static func json(_ escapes: [Escape], header: [(String, JSONValue)]) -> String {
        let list = escapes.map { escape in
            JSONValue.object([("line", .string(escape.line)), ("serial", .string(escape.serial)), ("program", .string(escape.program)),
                              ("aoi_station", .string(escape.aoiStation)), ("aoi_time", .string(time(escape.aoiTime))),
                              ("failed_station", .string(escape.failedStation)), ("failed_time", .string(time(escape.failedTime))),
                              ("defects", .array(escape.defects.map { .object([("refdes", .string($0.refdes)), ("code", .string($0.code))]) }))])
        }
        let summary = summary(escapes).map { JSONValue.object([("refdes", .string($0.refdes)), ("code", .string($0.code)), ("count", .integer($0.count))]) }
        return JSONValue.object(header + [("escape_count", .integer(escapes.count)), ("escapes", .array(list)),
                                          ("by_defect", .array(summary))]).render() + "\n"
    }

    public static func csv(_ escapes: [Escape]) -> String {
        CSVText.row(["line", "serial", "program", "aoi_station", "aoi_time", "failed_station", "failed_time", "defects"])
            + escapes.map { escape in
                CSVText.row([escape.line, escape.serial, escape.program, escape.aoiStation, time(escape.aoiTime), escape.failedStation,
                             time(escape.failedTime), escape.defects.map(defectText).joined(separator: "; ")])
            }.joined()
    }

    public static func table(_ escapes: [Escape]) -> String {
        TextTable.render(header: ["line", "serial", "program", "AOI pass", "failed at", "failed time", "defects"], rows: escapes.map { escape in
            [escape.line, escape.serial, escape.program, escape.aoiStation, escape.failedStation, time(escape.failedTime),
             escape.defects.map(defectText).joined(separator: ", ")]
        }) + "\n" + TextTable.render(header: ["refdes", "code", "escapes"], rows: summary(escapes).map { [$0.refdes ?? "-", $0.code, String($0.count)] })
            + "\(escapes.count) escapes\n"
    }
}
