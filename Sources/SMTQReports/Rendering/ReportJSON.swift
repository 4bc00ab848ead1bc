import SMTQCore

/// A small ordered JSON writer for report output: keys in the order given, numbers in full precision
/// (shortest round-trip form), nil as null. Hand-written because Foundation's encoder on Linux orders keys
/// by hash, and report JSON is a documented, stable schema.
public indirect enum JSONValue: Sendable {
    case number(Double?)
    case integer(Int)
    case string(String?)
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public func render() -> String {
        switch self {
        case let .number(value):
            guard let value, value.isFinite else { return "null" }
            return InterchangeJSON.number(value)
        case let .integer(value): return String(value)
        case let .string(value): return value.map(InterchangeJSON.string) ?? "null"
        case let .bool(value): return value ? "true" : "false"
        case let .array(values): return "[" + values.map { $0.render() }.joined(separator: ",") + "]"
        case let .object(fields):
            return "{" + fields.map { InterchangeJSON.string($0.0) + ":" + $0.1.render() }.joined(separator: ",") + "}"
        }
    }
}
