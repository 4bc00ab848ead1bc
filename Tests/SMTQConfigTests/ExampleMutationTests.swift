import Foundation
import SMTQConfig
import Testing

/// Breaks the example configuration one line at a time, the way people break configs, and checks that each
/// break is caught with the right line.
struct ExampleMutationTests {
    static let exampleLines: [String] = {
        let text = (try? String(contentsOfFile: TestPaths.exampleConfig, encoding: .utf8)) ?? ""
        return text.components(separatedBy: "\n")
    }()

    /// Lines of the form `key: value` in block style, with their 1-based number, indentation, key and value.
    /// `prefix` is the line's text before the key (indentation and any `- `); `indent` is the indentation of a
    /// sibling key.
    static let scalarKeyLines: [(number: Int, prefix: String, indent: String, key: String, value: String)] = {
        let pattern = try! NSRegularExpression(pattern: #"^(\s*(?:- )?)([a-z_]+): ([^\s\[{#][^#]*?)\s*(#.*)?$"#)
        return exampleLines.enumerated().compactMap { offset, line in
            let range = NSRange(line.startIndex..., in: line)
            guard let match = pattern.firstMatch(in: line, range: range) else { return nil }
            func group(_ index: Int) -> String { String(line[Range(match.range(at: index), in: line)!]) }
            let indent = group(1).replacingOccurrences(of: "- ", with: "  ")
            return (offset + 1, group(1), indent, group(2), group(3))
        }
    }()

    func diagnostics(_ lines: [String]) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.load(text: lines.joined(separator: "\n"), file: "smtq.yaml",
                                      directory: TestPaths.configFolder)
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func theExampleHasEnoughKeysToMutate() {
        #expect(Self.scalarKeyLines.count > 40)
        #expect(diagnostics(Self.exampleLines).isEmpty)
    }

    @Test("a value replaced by a mapping is a wrong type at that line")
    func wrongTypeEverywhere() {
        for entry in Self.scalarKeyLines {
            var lines = Self.exampleLines
            lines[entry.number - 1] = "\(entry.prefix)\(entry.key): {zz: 1}"
            let found = diagnostics(lines)
            #expect(found.contains { $0.line == entry.number && $0.path.hasSuffix(entry.key) },
                    "line \(entry.number) (\(entry.key)): \(found)")
        }
    }

    @Test("an unknown key added under any key is reported at its line")
    func unknownKeyEverywhere() {
        for entry in Self.scalarKeyLines {
            var lines = Self.exampleLines
            lines.insert("\(entry.indent)zz_unknown_key: 1", at: entry.number)
            let found = diagnostics(lines)
            #expect(found.contains { $0.line == entry.number + 1 && $0.path.hasSuffix("zz_unknown_key") },
                    "after line \(entry.number): \(found)")
        }
    }

    @Test("a line of garbage anywhere is a problem at or next to it")
    func garbageLineEverywhere() {
        for number in 1...Self.exampleLines.count {
            var lines = Self.exampleLines
            let indent = String(lines[number - 1].prefix { $0 == " " })
            lines.insert(indent + "this line is garbage", at: number - 1)
            let found = diagnostics(lines)
            #expect(found.contains { ($0.line ?? 0) >= number - 1 && ($0.line ?? 0) <= number + 1 },
                    "garbage at line \(number): \(found)")
        }
    }

    @Test("every duration replaced by nonsense is reported at its line")
    func badDurations() {
        let duration = try! NSRegularExpression(pattern: #"\b\d+(ms|s|m|h|d)\b"#)
        var mutated = 0
        for (offset, line) in Self.exampleLines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
            let code = line.components(separatedBy: " #")[0]
            let matches = duration.matches(in: code, range: NSRange(code.startIndex..., in: code))
            for match in matches {
                var lines = Self.exampleLines
                lines[offset] = (code as NSString).replacingCharacters(in: match.range, with: "12 parsecs")
                let found = diagnostics(lines)
                #expect(found.contains { $0.line == offset + 1 && $0.message.contains("is not a duration") },
                        "line \(offset + 1): \(found)")
                mutated += 1
            }
        }
        #expect(mutated >= 12)
    }

    @Test("every whole number replaced by a word is a wrong type at its line")
    func wordsForNumbers() {
        var mutated = 0
        for entry in Self.scalarKeyLines where Int(entry.value) != nil {
            var lines = Self.exampleLines
            lines[entry.number - 1] = "\(entry.prefix)\(entry.key): seven"
            let found = diagnostics(lines)
            #expect(found.contains { $0.line == entry.number && $0.message.contains("expected a whole number") },
                    "line \(entry.number) (\(entry.key)): \(found)")
            mutated += 1
        }
        #expect(mutated >= 8)
    }
}
