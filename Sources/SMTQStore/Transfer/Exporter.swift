import Foundation
import SMTQCore

/// `smtq export`: units, defects, measurements or process values as JSON Lines (the interchange schema) or CSV, streamed
/// in time order from a read-only database (the local store or the central one) in constant memory.
public struct Exporter {
    public enum Table: String, Sendable, CaseIterable {
        case units, defects, measurements
        /// Sampled process values, as interchange `process_value` lines or CSV rows.
        case processValues = "process-values"
    }

    public enum Format: String, Sendable, CaseIterable {
        case jsonl, csv
    }

    public let source: any SQLSource
    public var since: Date?
    public var until: Date?

    public init(source: any SQLSource, since: Date? = nil, until: Date? = nil) {
        self.source = source
        self.since = since
        self.until = until
    }

    private static let unitColumns = ["line", "station", "device", "program", "serial", "position", "result", "time", "cycle_ms"]
    private static let defectColumns = ["refdes", "part", "code", "category", "verdict"]
    private static let measurementColumns = ["name", "value", "unit", "lsl", "usl"]

    /// Writes the export to `output`; returns the number of rows (units, defects or measurements) written.
    @discardableResult
    public func write(_ table: Table, as format: Format, to output: OutputBuffer) throws -> Int {
        if table == .processValues { return try writeProcessValues(as: format, to: output) }
        if format == .csv {
            let extra = table == .defects ? Self.defectColumns : table == .measurements ? Self.measurementColumns : []
            output.append(CSVText.row(Self.unitColumns + extra))
        }
        var rows = 0
        try forEachUnit { record in
            switch (table, format) {
            case (.units, .jsonl):
                output.append(InterchangeJSON.line(record, version: 1) + "\n")
                rows += 1
            case (.units, .csv):
                output.append(CSVText.row(Self.unitFields(record)))
                rows += 1
            case (.defects, _):
                for defect in record.defects ?? [] {
                    let fields = [defect.refdes, defect.part, defect.code, defect.category, defect.verdict.rawValue]
                    emit(record, fields, Self.defectColumns, format, output)
                    rows += 1
                }
            case (.processValues, _):
                break
            case (.measurements, _):
                for measurement in record.measurements ?? [] {
                    let fields = [measurement.name, InterchangeJSON.number(measurement.value), measurement.unit,
                                  measurement.lsl.map(InterchangeJSON.number), measurement.usl.map(InterchangeJSON.number)]
                    emit(record, fields, Self.measurementColumns, format, output)
                    rows += 1
                }
            }
        }
        output.flush()
        return rows
    }

    private func emit(_ record: UnitRecord, _ fields: [String?], _ columns: [String], _ format: Format,
                      _ output: OutputBuffer) {
        if format == .csv {
            output.append(CSVText.row(Self.unitFields(record) + fields))
            return
        }
        var object: [(String, String)] = []
        for (column, value) in zip(Self.unitColumns + columns, Self.unitFields(record) + fields) {
            guard let value else { continue }
            let numeric = ["position", "cycle_ms", "value", "lsl", "usl"].contains(column)
            object.append((column, numeric ? value : InterchangeJSON.string(value)))
        }
        output.append("{" + object.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n")
    }

    /// `WHERE` for the export window on `column` (empty without one), with its arguments.
    func window(_ column: String) -> (String, [SQLValue]) {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let since {
            conditions.append("\(column) >= ?")
            arguments.append(.integer(since.storeMicroseconds))
        }
        if let until {
            conditions.append("\(column) < ?")
            arguments.append(.integer(until.storeMicroseconds))
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    private static func unitFields(_ record: UnitRecord) -> [String?] {
        [record.line, record.station, record.device, record.program, record.serial, record.position.map(String.init),
         record.result.rawValue, RFC3339.string(from: record.time), record.cycleMilliseconds.map(String.init)]
    }

    /// Every unit in the window, in time order, with its defects and measurements.
    public func forEachUnit(_ body: (UnitRecord) throws -> Void) throws {
        let (filter, arguments) = window("u.time")
        try source.withReader { db in
            try UnitRows.forEach(db, "\(filter) ORDER BY u.time, u.id", arguments, measurements: true) { try body($0.record) }
        }
    }
}

/// Buffered output to a file handle (standard output by default), flushed every 64 KiB.
public final class OutputBuffer {
    private let handle: FileHandle
    private var buffer = Data()

    public init(handle: FileHandle = .standardOutput) {
        self.handle = handle
        buffer.reserveCapacity(70_000)
    }

    public func append(_ text: String) {
        append(Data(text.utf8))
    }

    public func append(_ data: Data) {
        buffer.append(data)
        if buffer.count >= 65_536 { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// RFC 4180 CSV fields.
