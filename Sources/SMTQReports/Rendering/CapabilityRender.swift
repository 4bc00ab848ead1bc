import Foundation
import SMTQCore

/// `smtq report capability` as JSON, CSV or a table; the Cpk target of the product is shown beside Cpk.
public enum CapabilityRender {
    static let columns = ["station", "program", "measurement", "n", "lsl", "usl", "mean", "sigma_within", "sigma_overall", "cp", "cpk", "pp", "ppk",
                          "out_of_spec", "out_of_spec_percent"]

    static func values(_ row: CapabilityRow) -> [Double?] {
        [row.lsl, row.usl, row.result?.mean, row.result?.sigmaWithin, row.result?.sigmaOverall, row.result?.cp, row.result?.cpk,
         row.result?.pp, row.result?.ppk]
    }

    public static func json(_ rows: [CapabilityRow], header: [(String, JSONValue)]) -> String {
        JSONValue.object(header + [("rows", .array(rows.map { row in
            var fields: [(String, JSONValue)] = [("station", .string(row.station)), ("program", .string(row.program)), ("measurement", .string(row.measurement)),
                                                 ("n", .integer(row.n))]
            fields += zip(columns[4..<13], values(row)).map { ($0, .number($1)) }
            fields += [("within_method", .string(row.result == nil ? nil : "mr")), ("out_of_spec", .integer(row.outOfSpec)),
                       ("out_of_spec_percent", .number(row.outOfSpecShare.map { $0 * 100 })), ("refusal", .string(row.refusal))]
            if let target = row.target {
                fields.append(("targets", .object([("cpk", .object([("target", .number(target)),
                                                                     ("met", row.result.map { .bool($0.cpk >= target) } ?? .string(nil))]))])))
            }
            return .object(fields)
        }))]).render() + "\n"
    }

    public static func csv(_ rows: [CapabilityRow]) -> String {
        CSVText.row(columns + ["refusal"]) + rows.map { row in
            CSVText.row([row.station, row.program, row.measurement, String(row.n)] + values(row).map { $0.map(InterchangeJSON.number) }
                + [String(row.outOfSpec), row.outOfSpecShare.map { InterchangeJSON.number($0 * 100) }, row.refusal])
        }.joined()
    }

    public static func table(_ rows: [CapabilityRow]) -> String {
        var missed = false
        var text = TextTable.render(header: columns.map { $0 == "out_of_spec_percent" ? "out %" : $0 }, rows: rows.map { row in
            var cells = [row.station, row.program, row.measurement, String(row.n)] + values(row).map { $0.map { String(format: "%.4g", $0) } ?? "n/a" }
            if let target = row.target, let cpk = row.result?.cpk, cpk < target {
                cells[10] += " !"
                missed = true
            }
            return cells + [String(row.outOfSpec), row.outOfSpecShare.map { String(format: "%.2f", $0 * 100) } ?? "n/a"]
        })
        if missed { text += "! Cpk below the product's target (products.*.targets.cpk)\n" }
        for row in rows where row.refusal != nil { text += "\(row.station) \(row.program): \(row.refusal!)\n" }
        return text
    }
}
