import Yams

/// Reads the keys of one YAML mapping. Every key asked for becomes known; `finish()` then reports each key
/// that nobody asked for as unknown, with the closest known key as a suggestion.
final class MappingReader {
    let owner: ConfigNode
    private let pairs: [(key: String, keyNode: Node, value: Node)]
    private var known: [String] = []

    /// `nil` (with a diagnostic) when the node is not a mapping.
    init?(_ owner: ConfigNode) {
        guard case let .mapping(mapping) = owner.node else {
            owner.error("expected a mapping (key: value lines), found \(owner.kindDescription)")
            return nil
        }
        self.owner = owner
        self.pairs = mapping.map { pair in (pair.key.string ?? "\(pair.key)", pair.key, pair.value) }
    }

    var isEmpty: Bool { pairs.isEmpty }

    /// The value under `key`, or `nil` when the key is absent or has no value.
    func optional(_ key: String) -> ConfigNode? {
        if !known.contains(key) { known.append(key) }
        guard let pair = pairs.first(where: { $0.key == key }) else { return nil }
        let node = owner.child(pair.value, key: key, keyLine: pair.keyNode.mark?.line)
        return node.isNull ? nil : node
    }

    /// The value under `key`; reports a missing key or an empty value.
    func required(_ key: String, expected: String? = nil) -> ConfigNode? {
        if let node = optional(key) { return node }
        if let pair = pairs.first(where: { $0.key == key }) {
            owner.child(pair.value, key: key).error("has no value", expected: expected)
        } else {
            owner.report(ConfigDiagnostic(
                file: owner.file, line: owner.keyLine ?? owner.line, path: owner.path.appending(key).description,
                message: "required key is missing", expected: expected), at: owner.node.mark)
        }
        return nil
    }

    func contains(_ key: String) -> Bool {
        pairs.contains { $0.key == key }
    }

    /// Every entry, for mappings whose keys are names the user chooses (profiles, products, hooks).
    func entries() -> [(name: String, keyLine: Int?, node: ConfigNode)] {
        known = pairs.map(\.key)
        return pairs.map { ($0.key, $0.keyNode.mark?.line, owner.child($0.value, key: $0.key, keyLine: $0.keyNode.mark?.line)) }
    }

    /// Reports a problem at a key's own line.
    func errorAtKey(_ key: String, _ message: String, expected: String? = nil) {
        let mark = pairs.first { $0.key == key }?.keyNode.mark
        owner.report(ConfigDiagnostic(
            file: owner.file, line: mark?.line ?? owner.line, path: owner.path.appending(key).description, message: message,
            expected: expected), at: mark ?? owner.node.mark)
    }

    /// Whether `key` is written in quotes (`"0"`): text, even when it looks like a number.
    func isQuoted(key: String) -> Bool {
        guard case let .scalar(scalar)? = pairs.first(where: { $0.key == key })?.keyNode else { return false }
        return ConfigNode.isQuoted(scalar)
    }

    /// Reports every key that was not asked for.
    func finish() {
        let knownKeys = Set(known)
        for (index, pair) in pairs.filter({ !knownKeys.contains($0.key) }).enumerated() {
            // A misspelling gets the nearest key; past the first few, a file of garbage keys stays quick.
            let nearest = index < 20 ? Suggestion.closest(to: pair.key, in: known) : nil
            let hint = nearest.map { "did you mean '\($0)'?" } ?? "known keys here: " + known.joined(separator: ", ")
            owner.report(ConfigDiagnostic(
                file: owner.file, line: pair.keyNode.mark?.line ?? owner.line,
                path: owner.path.appending(pair.key).description, message: "unknown key", expected: hint),
                at: pair.keyNode.mark ?? owner.node.mark)
        }
    }

    /// Reports when more than one of `keys` is present, or (if `required`) none is.
    @discardableResult
    func exactlyOne(of keys: [String], required: Bool = true) -> String? {
        let present = keys.filter { key in pairs.contains { $0.key == key } }
        if present.count > 1 {
            errorAtKey(present[1], "'\(present[0])' and '\(present[1])' cannot both be given",
                       expected: "exactly one of " + keys.joined(separator: ", "))
            return nil
        }
        if present.isEmpty, required {
            owner.error("needs one of " + keys.joined(separator: ", "), expected: "exactly one of them")
        }
        return present.first
    }
}
