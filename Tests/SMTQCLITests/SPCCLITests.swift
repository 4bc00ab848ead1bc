import Foundation
import FoundationXML
import SMTQTestSupport
import Testing

/// `smtq chart --svg` and `smtq spc baseline|limits|clear` through the built binary.
struct SPCCLITests {
    static var reference: URL { TestEnvironment.referenceFolder }

    @Test func everyReferenceChartDrawsAWellFormedSVGWithItsSignalsMarked() throws {
        let folder = try TemporaryFolder("smtq-svg")
        let cases = try FileManager.default.contentsOfDirectory(atPath: Self.reference.path)
            .filter { FileManager.default.fileExists(atPath: Self.reference.appendingPathComponent("\($0)/case.json").path) }.sorted()
        #expect(cases.count >= 20)
        for name in cases {
            let caseFolder = Self.reference.appendingPathComponent(name)
            let spec = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: caseFolder.appendingPathComponent("case.json"))) as? [String: Any])
            let chart = try #require(spec["chart"] as? String), args = spec["args"] as? [String] ?? []
            let svg = folder.path("\(name).svg")
            let result = try BinaryRunner.run("smtq", ["chart", chart, "--input", caseFolder.appendingPathComponent("input.csv").path,
                                                       "--format", "json", "--svg", svg] + args)
            #expect(result.status == 0, "\(name): \(result.standardError)")
            let document = try XMLDocument(contentsOf: URL(fileURLWithPath: svg))
            #expect(document.rootElement()?.name == "svg", "\(name)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            let signalled = Self.signalledPoints(json)
            let marked = try document.nodes(forXPath: "//*[local-name()='circle'][@class='signal']").count
            #expect(marked == signalled, "\(name): \(marked) marked points, \(signalled) points with signals")
            let texts = try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
            if chart != "capability" {
                #expect(texts.contains { $0.hasPrefix("UCL") || $0.hasPrefix("H ") } && texts.contains("Sample"), "\(name): axis and limit labels")
            }
        }
    }

    static func signalledPoints(_ json: [String: Any]) -> Int {
        let lists = [json["points"]] + ["xbar", "range", "stdev", "individuals", "moving_range"].map { (json[$0] as? [String: Any])?["points"] }
        return lists.compactMap { $0 as? [[String: Any]] }.joined().filter { !(($0["signals"] as? [String]) ?? []).isEmpty }.count
    }

    @Test func baselineLimitsAndClear() throws {
        let folder = try TemporaryFolder("smtq-spc")
        let config = try CLIFixtures.referenceDatabase(in: folder)
        let units = CLIFixtures.referenceUnits

        let none = try BinaryRunner.run("smtq", ["spc", "limits", "--config", config])
        #expect(none.standardOutput.contains("no active limits"))

        let baseline = try BinaryRunner.run("smtq", ["spc", "baseline", "aoi-p", "--config", config, "--until", "2026-11-25T01:00:00Z",
                                                     "--by", "Q. Engineer"])
        #expect(baseline.status == 0, "\(baseline.standardError)")
        // p-bar of the baseline, counted here from the records: AOI-1 fails over AOI-1 results before 01:00Z.
        let records = try String(contentsOfFile: units, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }.filter { $0["station"] as? String == "AOI-1" && ($0["time"] as? String ?? "") < "2026-11-25T01:00:00Z" }
        let pbar = Double(records.filter { $0["result"] as? String == "fail" }.count) / Double(records.count)
        #expect(baseline.standardOutput.contains("p-bar \(String(format: "%.6g", pbar))"), "\(baseline.standardOutput)")
        #expect(baseline.standardOutput.contains("from 12 subgroups, 2026-11-24T22:00:00Z to 2026-11-25T01:00:00Z"))
        #expect(baseline.standardError.contains("only 12 subgroups"))

        let limits = try BinaryRunner.run("smtq", ["spc", "limits", "--config", config])
        let row = try #require(limits.standardOutput.split(separator: "\n").first { $0.contains("aoi-p") })
        #expect(row.contains(" yes ") && row.contains("Q. Engineer") && row.contains("2026-11-24T22:00:00Z"))

        for (arguments, message) in [(["nope"], "no chart 'nope'"), (["aoi-p", "--since", "soon"], "--since 'soon' is not")] {
            let refused = try BinaryRunner.run("smtq", ["spc", "baseline"] + arguments + ["--config", config])
            #expect(refused.status == 64 && refused.standardError.contains(message)
                    && refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
        }
        let empty = try BinaryRunner.run("smtq", ["spc", "baseline", "aoi-p", "--config", config, "--since", "2030-01-01"])
        #expect(empty.status == 65 && empty.standardError.contains("no stored data in that period"))

        let cleared = try BinaryRunner.run("smtq", ["spc", "clear", "aoi-p", "--config", config])
        #expect(cleared.standardOutput.contains("phase I again"))
        let history = try BinaryRunner.run("smtq", ["spc", "limits", "--history", "--config", config])
        #expect(history.standardOutput.split(separator: "\n").first { $0.contains("aoi-p") }?.contains(" no ") == true)
    }
}
