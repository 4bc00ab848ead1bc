import Foundation
import Testing

/// `smtq check-config` through the built binary.
struct CheckConfigCLITests {
    static let brokenFolder = BinaryRunner.packageRoot.appendingPathComponent("Tests/SMTQConfigTests/Fixtures/broken")
    static let brokenFixtures: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: brokenFolder.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test func exampleConfigIsValid() throws {
        let result = try BinaryRunner.run("smtq", ["check-config", "config/smtq.yaml"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("config/smtq.yaml: OK\n"))
        #expect(result.standardOutput.contains("aoi1"))
        #expect(result.standardError.isEmpty)
    }

    @Test("every broken fixture exits 78 with FILE:LINE: lines and no crash", arguments: brokenFixtures)
    func brokenFixture(name: String) throws {
        let path = "Tests/SMTQConfigTests/Fixtures/broken/\(name)"
        let result = try BinaryRunner.run("smtq", ["check-config", path])
        #expect(result.status == 78)
        #expect(result.standardOutput.isEmpty)
        let lines = result.standardError.split(separator: "\n").map(String.init)
        #expect(lines.count >= 2)
        for line in lines.dropLast() {
            #expect(line.range(of: #"^\#(NSRegularExpression.escapedPattern(for: path)):\d+: "#, options: .regularExpression) != nil,
                    "not FILE:LINE: … : \(line)")
        }
        #expect(lines.last?.hasSuffix("found") == true)
        for crash in ["Fatal error", "Stack dump", "Backtrace", "Swift runtime failure"] {
            #expect(!result.standardError.contains(crash))
        }
    }

    @Test func missingFileAndBadArguments() throws {
        let missing = try BinaryRunner.run("smtq", ["check-config", "/nonexistent/smtq.yaml"])
        #expect(missing.status == 78)
        #expect(missing.standardError.hasPrefix("/nonexistent/smtq.yaml: cannot read the file: "))
        let noArgument = try BinaryRunner.run("smtq", ["check-config"])
        #expect(noArgument.status == 64)
        #expect(noArgument.standardError.contains("Missing expected argument"))
        let unknown = try BinaryRunner.run("smtq", ["frobnicate"])
        #expect(unknown.status == 64)
    }

    /// The example config broken the four ways the issue names, each caught at its line by the binary.
    @Test(arguments: [
        ("garbage", "devices:", "devices:\n  this line is garbage"),
        ("unknown key", "    poll_interval: 500ms", "    poll_interval: 500ms\n    pol_interval: 1s"),
        ("bad duration", "    timeout: 500ms", "    timeout: half a second"),
        ("wrong type", "    unit_id: 3", "    unit_id: three"),
    ])
    func mutatedExample(kind: String, original: String, replacement: String) throws {
        let folder = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: BinaryRunner.packageRoot.appendingPathComponent("config/profiles"),
                                         to: folder.appendingPathComponent("profiles"))
        let example = try String(contentsOf: BinaryRunner.packageRoot.appendingPathComponent("config/smtq.yaml"), encoding: .utf8)
        let range = try #require(example.range(of: original + "\n"))
        let mutated = example.replacingCharacters(in: range, with: replacement + "\n")
        let changedLine = example[..<range.lowerBound].filter { $0 == "\n" }.count + replacement.split(separator: "\n").count
        let file = folder.appendingPathComponent("smtq.yaml")
        try mutated.write(to: file, atomically: true, encoding: .utf8)
        let result = try BinaryRunner.run("smtq", ["check-config", file.path])
        #expect(result.status == 78, "\(kind)")
        let reported = result.standardError.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix(file.path + ":") else { return nil }
            return Int(line.dropFirst(file.path.count + 1).prefix { $0.isNumber })
        }
        #expect(reported.contains { abs($0 - changedLine) <= 1 }, "\(kind): line \(changedLine), got \(result.standardError)")
    }

    @Test func versionNamesTheLinkedLibraries() throws {
        let result = try BinaryRunner.run("smtq", ["version"])
        #expect(result.status == 0)
        #expect(result.standardOutput.range(of: #"libmodbus 3\.1\.\d+"#, options: .regularExpression) != nil)
        #expect(result.standardOutput.range(of: #"sqlite 3\.\d+\.\d+"#, options: .regularExpression) != nil)
    }

    @Test func helpTextDescribesCheckConfig() throws {
        let result = try BinaryRunner.run("smtq", ["help", "check-config"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("exits 78"))
    }
}
