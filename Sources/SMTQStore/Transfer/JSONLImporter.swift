import Foundation
import SMTQCore

/// `smtq import`: interchange-schema JSON Lines into the store, through the writer: units, and process
/// values (lines with `"type":"process_value"`).
///
/// By default the whole file is checked first and nothing is stored when any line is bad; with
/// `skipBad` the good lines are stored and the bad ones reported. Importing a file twice stores it once.
public struct JSONLImporter {
    /// One bad line: `FILE:LINE: what is wrong`.
    public struct Problem: Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public struct Report: Sendable {
        public var lines = 0
        /// Units and process values stored.
        public var stored = 0
        /// Of `stored`, the process values.
        public var storedProcessValues = 0
        public var duplicates = 0
        public var problems: [Problem] = []
        /// Whether anything was written.
        public var wroteRecords = false
    }

    public let path: String
    public let displayName: String

    public init(path: String, displayName: String? = nil) {
        self.path = path
        self.displayName = displayName ?? path
    }

    /// Checks every line without storing anything.
    public func validate() throws -> Report {
        var report = Report()
        try forEachRecord { _, _ in } onProblem: { report.problems.append($0) } onLine: { report.lines += 1 }
        return report
    }

    /// Imports through `writer`. Without `skipBad`, a file with any bad line stores nothing.
    public func run(into writer: StoreWriter, skipBad: Bool, batchSize: Int = 500) throws -> Report {
        if !skipBad {
            let checked = try validate()
            if !checked.problems.isEmpty { return checked }
        }
        var report = Report()
        var batch: [IncomingUnit] = []
        var values: [ProcessValueRecord] = []
        let now = Date()
        var failure: String?
        func submit(_ write: StoreWrite) {
            guard failure == nil else { return }
            switch writer.submitAndWait(write) {
            case let .durable(stored, duplicates):
                report.stored += stored
                if case .processValues = write { report.storedProcessValues += stored }
                report.duplicates += duplicates
                report.wroteRecords = report.wroteRecords || stored > 0
            case let .refused(reason):
                failure = reason
            }
        }
        func flush() {
            if !batch.isEmpty { submit(.units(batch, cursor: nil)) }
            if !values.isEmpty { submit(.processValues(values)) }
            batch.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
        }
        try forEachRecord { line, _ in
            switch line {
            case let .unit(record): batch.append(IncomingUnit(record: record, hostTime: now))
            case let .processValue(value): values.append(value)
            }
            if batch.count + values.count >= batchSize { flush() }
        } onProblem: { report.problems.append($0) } onLine: { report.lines += 1 }
        flush()
        if let failure { throw ImportError(message: "\(displayName): stopped after \(report.stored) records: \(failure)") }
        return report
    }

    private func forEachRecord(_ body: (InterchangeLine, Int) throws -> Void, onProblem: (Problem) -> Void,
                               onLine: () -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportError(message: "\(displayName): cannot open the file (\(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))")
        }
        defer { try? handle.close() }
        var reader = LineReader(handle: handle)
        let decoder = JSONDecoder()
        while let line = try reader.next() {
            if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            onLine()
            do {
                try body(try Self.record(fromLine: line, with: decoder), reader.lineNumber)
            } catch let error as DecodingError {
                onProblem(Problem(file: displayName, line: reader.lineNumber, message: Self.problem(error, line: line)))
            }
        }
    }

    /// One line of the file (without its newline) as a unit or a process value: what `validate` and `run` do
    /// with each line, without a file or a store. Throws the `DecodingError` that `problem(_:line:)` words.
    public static func record(fromLine line: Data, with decoder: JSONDecoder) throws -> InterchangeLine {
        try InterchangeLine.decode(line, with: decoder)
    }

    /// What is wrong with `line`, in a sentence, from the error that decoding it threw.
    public static func problem(_ error: DecodingError, line: Data) -> String {
        var message = describe(error)
        if case .keyNotFound = error, line.range(of: Data("\"serial\"".utf8)) == nil,
           line.range(of: Data("\"type\"".utf8)) == nil, line.range(of: Data("\"value\"".utf8)) != nil {
            message += " (a process value line needs \"type\":\"process_value\")"
        }
        return message
    }

    /// A decoding error in a sentence.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing key '\(path(context, key))'"
        case let .typeMismatch(type, context):
            if context.codingPath.isEmpty { return "the line is not a JSON object" }
            return "'\(path(context))' should be \(typeName(type))"
        case let .valueNotFound(type, context):
            return "'\(path(context))' is null, should be \(typeName(type))"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty {
                let detail = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String
                return "not valid JSON" + (detail.map { " (\($0))" } ?? "")
            }
            return "'\(path(context))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Int.Type, is Double.Type: return "a number"
        case is Array<Any>.Type: return "a list"
        default: return "\(type)".lowercased().contains("array") ? "a list" : (type == UnitResult.self ? "pass or fail" : "an object")
        }
    }
}

/// The import could not run at all (unreadable file, the store refused).
public struct ImportError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// One line of the interchange file: a unit, or a process value (`"type":"process_value"`).
public enum InterchangeLine: Sendable {
    case unit(UnitRecord)
    case processValue(ProcessValueRecord)

    private struct Kind: Decodable {
        var type: String?
    }

    private static let typeKey = Data("\"type\"".utf8)

    /// Decodes a line; only a line that mentions `"type"` is looked at twice.
    static func decode(_ line: Data, with decoder: JSONDecoder) throws -> InterchangeLine {
        if line.range(of: typeKey) != nil {
            switch try decoder.decode(Kind.self, from: line).type {
            case ProcessValueRecord.interchangeType?:
                return .processValue(try decoder.decode(ProcessValueRecord.self, from: line))
            case "unit"?, nil:
                break
            case let other?:
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: [AnyKey("type")],
                    debugDescription: "'\(other)' is not a record type (unit or \(ProcessValueRecord.interchangeType))"))
            }
        }
        return .unit(try decoder.decode(UnitRecord.self, from: line))
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
