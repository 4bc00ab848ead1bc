import Foundation
import SMTQConfig
import Testing

/// Each file in Fixtures/broken is a configuration with known problems. Its `# expect: LINE PATH: TEXT` header
/// lines name every diagnostic it must produce (PATH `-` for the document itself); all must be reported. A file
/// with an `# expect-only` line must produce those diagnostics and no others (each exactly once).
struct BrokenConfigTests {
    struct Expectation: CustomStringConvertible {
        var line: Int
        var path: String
        var text: String
        var description: String { "\(line) \(path.isEmpty ? "-" : path): \(text)" }
    }

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: TestPaths.brokenFixtures.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    static func expectations(in file: URL) throws -> [Expectation] {
        let text = try String(contentsOf: file, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> Expectation? in
            guard line.hasPrefix("# expect: ") else { return nil }
            let rest = line.dropFirst("# expect: ".count)
            guard let space = rest.firstIndex(of: " "), let number = Int(rest[..<space]) else { return nil }
            let afterLine = rest[rest.index(after: space)...]
            guard let colon = afterLine.range(of: ": ") else { return nil }
            let path = String(afterLine[..<colon.lowerBound])
            return Expectation(line: number, path: path == "-" ? "" : path,
                               text: String(afterLine[colon.upperBound...]))
        }
    }

    @Test("at least 15 kinds of broken configuration are covered")
    func fixtureSetIsLargeEnough() {
        #expect(Self.fixtureNames.count >= 15)
    }

    @Test("each broken configuration reports every expected problem at its line and key", arguments: fixtureNames)
    func brokenFixture(name: String) throws {
        let file = TestPaths.brokenFixtures.appendingPathComponent(name)
        let expectations = try Self.expectations(in: file)
        #expect(!expectations.isEmpty, "\(name) has no '# expect:' lines")
        do {
            _ = try ConfigLoader.load(path: file.path)
            Issue.record("\(name) loaded without errors")
        } catch {
            for expectation in expectations {
                let found = error.diagnostics.contains { diagnostic in
                    diagnostic.line == expectation.line && diagnostic.path == expectation.path
                        && diagnostic.description.contains(expectation.text)
                }
                #expect(found, "\(name): expected \(expectation); got:\n\(error.description)")
            }
            if try String(contentsOf: file, encoding: .utf8).split(separator: "\n").contains("# expect-only") {
                #expect(error.diagnostics.count == expectations.count,
                        "\(name): expected only \(expectations); got:\n\(error.description)")
            }
            for diagnostic in error.diagnostics {
                #expect(diagnostic.file == file.path, "diagnostic names another file: \(diagnostic)")
                #expect(diagnostic.line != nil, "diagnostic without a line: \(diagnostic)")
                #expect(!diagnostic.description.contains("\n"), "a diagnostic must be one line: \(diagnostic)")
            }
        }
    }

    @Test("problems in an included profile file name that file and its line")
    func includedFileProblems() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtq-include-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        profiles:
          counters-only:
            mode: counters
            counters:
              - {name: inspected, address: 0, type: u32}
              - {name: passed, address: 1, type: u32}
              - {name: failed, address: 4, type: f32}
        """.write(to: folder.appendingPathComponent("profiles/bad.yaml"), atomically: true, encoding: .utf8)
        try """
        storage: {database: /tmp/x.sqlite}
        include: [profiles/*.yaml]
        devices: []
        """.write(to: folder.appendingPathComponent("smtq.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try ConfigLoader.load(path: folder.appendingPathComponent("smtq.yaml").path)
            Issue.record("loaded without errors")
        } catch {
            let profileFile = folder.appendingPathComponent("profiles/bad.yaml").path
            let lines = error.diagnostics.filter { $0.file == profileFile }.map(\.line)
            #expect(lines == [6, 7], "\(error)")
            #expect(error.description.contains("overlaps 'inspected'"))
            #expect(error.description.contains("counter 'failed' must be a plain unsigned integer"))
        }
    }
}
