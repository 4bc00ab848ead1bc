import SMTQCore
import Yams

/// A YAML node being read into configuration values: the node, its key path and file, and the sink its
/// problems go to. Every accessor reports what is wrong and returns `nil`, so reading goes on and all
/// problems are found in one pass.
struct ConfigNode {
    let node: Node
    let path: ConfigPath
    let file: String
    let sink: DiagnosticSink
    /// The line of the key this node is the value of, when it has one.
    var keyLine: Int?

    var line: Int? { node.mark?.line }

    /// Reports a problem at this node.
    func error(_ message: String, expected: String? = nil) {
        report(ConfigDiagnostic(file: file, line: line, path: path.description, message: message, expected: expected),
               at: node.mark)
    }

    /// Reports a problem found at `mark` (this node or one of its keys). A node that YAML aliases reach more
    /// than once (under several key paths) has its problems reported once, under the first path that reached it.
    func report(_ diagnostic: ConfigDiagnostic, at mark: Mark?) {
        sink.report(diagnostic, source: mark.map { DiagnosticSink.Source(line: $0.line, column: $0.column) })
    }

    func child(_ node: Node, key: String, keyLine: Int? = nil) -> ConfigNode {
        ConfigNode(node: node, path: path.appending(key), file: file, sink: sink, keyLine: keyLine)
    }

    func child(_ node: Node, index: Int) -> ConfigNode {
        ConfigNode(node: node, path: path.appending(index), file: file, sink: sink)
    }

    var isNull: Bool {
        if case let .scalar(scalar) = node { return scalar.style == .plain && node.null != nil }
        return false
    }

    /// What the node is, for "found …" in messages.
    var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            if isNull { return "no value" }
            if Self.isQuoted(scalar) { return "quoted text \"\(scalar.string)\"" }
            return "'\(scalar.string)'"
        }
    }

    private func scalarText(expecting expected: String) -> Node.Scalar? {
        guard case let .scalar(scalar) = node, !isNull else {
            error("expected \(expected), found \(kindDescription)")
            return nil
        }
        return scalar
    }

    /// Whether a scalar is written in quotes: text, even when it looks like a number.
    static func isQuoted(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .singleQuoted || scalar.style == .doubleQuoted
    }

    // MARK: Scalars

    /// Any scalar as text (numbers and booleans included, exactly as written).
    func string(expecting expected: String = "a text value") -> String? {
        scalarText(expecting: expected)?.string
    }

    func nonEmptyString() -> String? {
        guard let text = string() else { return nil }
        guard !text.trimmingWhitespace().isEmpty else {
            error("must not be empty", expected: "a text value")
            return nil
        }
        return text
    }

    /// A whole number, decimal or `0x` hexadecimal, within `range`.
    func int(_ range: ClosedRange<Int>? = nil, expected: String? = nil) -> Int? {
        let wanted = expected ?? range.map { "a whole number from \($0.lowerBound) to \($0.upperBound)" } ?? "a whole number"
        guard let scalar = scalarText(expecting: wanted) else { return nil }
        guard !Self.isQuoted(scalar) else {
            error("expected a whole number, found quoted text \"\(scalar.string)\"", expected: "remove the quotes")
            return nil
        }
        guard let value = Self.wholeNumber(scalar.string) else {
            error("expected a whole number, found '\(scalar.string)'", expected: wanted)
            return nil
        }
        if let range, !range.contains(value) {
            error("\(value) is out of range", expected: wanted)
            return nil
        }
        return value
    }

    /// A whole number as written in a configuration: decimal or `0x` hexadecimal, `_` allowed as a separator.
    static func wholeNumber(_ text: String) -> Int? {
        let digits = text.replacingOccurrences(of: "_", with: "")
        return digits.lowercased().hasPrefix("0x") ? Int(digits.dropFirst(2), radix: 16) : Int(digits)
    }

    /// A finite number.
    func double(expected: String = "a number") -> Double? {
        guard let scalar = scalarText(expecting: expected) else { return nil }
        guard !Self.isQuoted(scalar) else {
            error("expected a number, found quoted text \"\(scalar.string)\"", expected: "remove the quotes")
            return nil
        }
        guard let value = Double(scalar.string.replacingOccurrences(of: "_", with: "")), value.isFinite else {
            error("expected a number, found '\(scalar.string)'", expected: expected)
            return nil
        }
        return value
    }

    /// `true` or `false`; YAML 1.1's yes/no/on/off are refused because they surprise people.
    func bool() -> Bool? {
        guard let scalar = scalarText(expecting: "true or false") else { return nil }
        switch scalar.string {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        case "yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off":
            error("'\(scalar.string)' is ambiguous in YAML", expected: "true or false")
        default:
            error("expected true or false, found \(kindDescription)", expected: "true or false")
        }
        return nil
    }

    /// A duration such as `500ms` or `1h`, at least `minimum`.
    func duration(minimum: Duration = .milliseconds(1)) -> Duration? {
        guard let text = string(expecting: DurationText.expected) else { return nil }
        guard let value = DurationText.parse(text) else {
            error("'\(text)' is not a duration", expected: DurationText.expected)
            return nil
        }
        guard value >= minimum else {
            error("'\(text)' is too short", expected: "at least \(DurationText.format(minimum))")
            return nil
        }
        return value
    }

    /// One of a closed set of words, with a "did you mean" for a near miss.
    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> T? where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        guard let text = string(expecting: "one of " + names.joined(separator: ", ")) else { return nil }
        if let value = T(rawValue: text) { return value }
        error("unknown value '\(text)'", expected: Suggestion.hint(for: text, in: names))
        return nil
    }

    // MARK: Collections

    /// The items of a list; a single scalar is not promoted to a list.
    func sequence() -> [ConfigNode]? {
        guard case let .sequence(sequence) = node else {
            error("expected a list, found \(kindDescription)")
            return nil
        }
        return sequence.enumerated().map { child($0.element, index: $0.offset) }
    }

    /// A list of non-empty texts.
    func stringList() -> [String]? {
        guard let items = sequence() else { return nil }
        let values = items.map { $0.nonEmptyString() }
        return values.contains(nil) ? nil : values.compactMap { $0 }
    }

    func mapping() -> MappingReader? {
        MappingReader(self)
    }
}

/// A key path into the configuration, printed as `devices[1].rtu.baud`.
struct ConfigPath: CustomStringConvertible {
    private enum Component {
        case key(String)
        case index(Int)
    }

    private var components: [Component] = []

    static let root = ConfigPath()

    func appending(_ key: String) -> ConfigPath {
        var copy = self
        copy.components.append(.key(key))
        return copy
    }

    func appending(_ index: Int) -> ConfigPath {
        var copy = self
        copy.components.append(.index(index))
        return copy
    }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case let .key(key): text += text.isEmpty ? key : "." + key
            case let .index(index): text += "[\(index)]"
            }
        }
        return text
    }
}
