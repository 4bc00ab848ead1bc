import Foundation
import Testing

/// docs/configuration.md documents every key the parser reads.
struct ConfigReferenceTests {
    @Test func everyKeyIsDocumented() throws {
        let parsing = TestPaths.packageRoot.appendingPathComponent("Sources/SMTQConfig/Parsing")
        let reference = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/configuration.md"),
                                   encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"\.(?:optional|required|contains|errorAtKey)\("([a-zA-Z_]+)""#)
        var keys: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: parsing.path) {
            let source = try String(contentsOf: parsing.appendingPathComponent(file), encoding: .utf8)
            for match in pattern.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
                keys.insert(String(source[Range(match.range(at: 1), in: source)!]))
            }
        }
        #expect(keys.count > 60)
        for key in keys.sorted() {
            let documented = reference.contains("`\(key)`") || reference.contains(".\(key)`")
                || reference.contains("`\(key):") || reference.contains("`\(key) ")
            #expect(documented, "docs/configuration.md does not document '\(key)'")
        }
    }
}
