import Foundation
import SMTQTestSupport
import Testing

/// `Tests/Reference/yield/` imported and reported through `smtq report yield|escapes --format json` gives
/// exactly its expected.json.
struct YieldReportTests {
    static let figureKeys = ["units", "tests", "first_pass_units", "fpy", "final_yield", "defects", "false_calls", "false_call_rate", "dpu", "dpmo"]

    /// Differences between an expected figure set and a report row (nil: no row, i.e. no units).
    func differences(_ expected: [String: Any], _ row: [String: Any]?, _ path: String) -> [String] {
        Self.figureKeys.compactMap { key in
            let want = expected[key], got = row?[key] ?? (["units", "tests", "first_pass_units", "defects", "false_calls"].contains(key) ? 0 : NSNull())
            if want is NSNull || got is NSNull { return (want is NSNull && got is NSNull) ? nil : "\(path).\(key): expected \(want ?? "nil"), got \(got)" }
            guard let a = (want as? NSNumber)?.doubleValue, let b = (got as? NSNumber)?.doubleValue, a == b else {
                return "\(path).\(key): expected \(want ?? "nil"), got \(got)"
            }
            return nil
        }
    }

    func rows(_ json: [String: Any]) -> [[String: Any]] { json["rows"] as? [[String: Any]] ?? [] }

    @Test func referenceYieldThroughTheBinary() throws {
        let folder = try TemporaryFolder("smtq-yield")
        let config = try CLIFixtures.referenceDatabase(in: folder)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: TestEnvironment.referenceFolder
            .appendingPathComponent("yield/expected.json"))) as? [String: Any])
        func report(_ arguments: [String]) throws -> [String: Any] {
            let result = try BinaryRunner.run("smtq", ["report"] + arguments + ["--config", config, "--format", "json"])
            #expect(result.status == 0, "\(result.standardError)")
            return try CLIFixtures.json(result)
        }
        var problems: [String] = []
        let byStation = try report(["yield", "--by", "station", "--overall"])
        for (station, figures) in try #require(expected["stations"] as? [String: [String: Any]]) {
            problems += differences(figures, rows(byStation).first { $0["station"] as? String == station }, "stations.\(station)")
        }
        for (slice, key) in [("stations_by_program", "program"), ("stations_by_day", "day")] {
            let sliced = try report(["yield", "--by", "station,\(key)"])
            for (station, values) in try #require(expected[slice] as? [String: [String: [String: Any]]]) {
                for (value, figures) in values {
                    let row = rows(sliced).first { $0["station"] as? String == station && $0[key] as? String == value }
                    problems += differences(figures, row, "\(slice).\(station).\(value)")
                }
            }
        }
        let line = try #require((expected["lines"] as? [String: [String: Any]])?["L1"])
        let lineRow = try #require((byStation["lines"] as? [[String: Any]])?.first)
        #expect(lineRow["route"] as? [String] == line["route"] as? [String])
        #expect((lineRow["rty"] as? NSNumber)?.doubleValue == (line["rty"] as? NSNumber)?.doubleValue)
        let byProgram = try report(["yield", "--by", "program"])
        for (program, rty) in try #require(line["rty_by_program"] as? [String: Any]) {
            let row = (byProgram["lines"] as? [[String: Any]])?.first { $0["program"] as? String == program }
            if rty is NSNull {
                #expect(row == nil || row?["rty"] is NSNull, "rty_by_program.\(program)")
            } else {
                #expect((row?["rty"] as? NSNumber)?.doubleValue == (rty as? NSNumber)?.doubleValue, "rty_by_program.\(program)")
            }
        }
        let escapes = try report(["escapes"])
        #expect(escapes["escape_count"] as? Int == line["escape_count"] as? Int)
        #expect((escapes["escapes"] as? [[String: Any]])?.compactMap { $0["serial"] as? String } == line["escapes"] as? [String])
        let overall = try #require(expected["overall"] as? [String: Any])
        let totals = try #require(byStation["overall"] as? [String: Any])
        for (key, value) in overall {
            #expect("\(totals[key] ?? "missing")" == "\(value)", "overall.\(key)")
        }
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
    }
}
