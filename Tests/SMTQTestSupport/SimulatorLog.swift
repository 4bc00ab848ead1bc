import Foundation
import SMTQCore

/// What `smtq simulate --log` wrote: every record it produced (the truth the acquisition tests compare the
/// store against) with its SEQ and unit id, and the process values it put in its registers.
public enum SimulatorLog {
    public struct Entry: Sendable {
        public var record: UnitRecord
        public var seq: Int
        public var unit: Int
    }

    /// The produced records, in order (a missing file reads as none yet).
    public static func records(_ path: URL) throws -> [Entry] {
        let text = (try? String(contentsOf: path, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").filter { !$0.contains(#""type":"process_value""#) }.map { line in
            let data = Data(line.utf8)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            return Entry(record: try JSONDecoder().decode(UnitRecord.self, from: data),
                         seq: object["seq"] as? Int ?? -1, unit: object["unit_id"] as? Int ?? -1)
        }
    }

    /// The process values, by name.
    public static func processValues(_ path: URL) throws -> [String: [ProcessValueRecord]] {
        let text = (try? String(contentsOf: path, encoding: .utf8)) ?? ""
        let values = try text.split(separator: "\n").filter { $0.contains(#""type":"process_value""#) }.map {
            try JSONDecoder().decode(ProcessValueRecord.self, from: Data($0.utf8))
        }
        return Dictionary(grouping: values, by: \.name)
    }
}
