import ArgumentParser
import Foundation
import SMTQCore

/// The product's own report commands over the same file, next to the direct aggregation in the sqlite3 shell:
/// `smtq report yield --by station,hour` against per-station hourly FPY in SQL, and `smtq report spc --chart
/// p` (hourly p chart of AOI-1, limits and run rules included) against its subgroup counts in SQL. Each side
/// is a whole process run; the answers are compared figure by figure.
extension ReportBenchmark {
    static let directPChart = """
        SELECT time / 3600000000, count(*), sum(result) FROM units
        WHERE station_id = (SELECT id FROM stations WHERE name = 'AOI-1') GROUP BY 1 ORDER BY 1;
        """

    func compareCommands() throws {
        let smtq = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("smtq").path
        let yieldArguments = ["report", "yield", "--db", db, "--by", "station,hour", "--format", "csv"]
        let chartArguments = ["report", "spc", "--db", db, "--chart", "p", "--station", "AOI-1", "--subgroup", "1h", "--format", "csv"]
        var times: [String: [Double]] = [:]
        var outputs: [String: String] = [:]
        print("smtq report commands against the sqlite3 shell, \(rounds) rounds")
        for _ in 1...rounds {
            for (name, run) in [("yield: sqlite3", { try self.shell(Self.queries[0].sql) }),
                                ("yield: smtq", { try Bench.process(smtq, yieldArguments) }),
                                ("p-chart: sqlite3", { try self.shell(Self.directPChart) }),
                                ("p-chart: smtq", { try Bench.process(smtq, chartArguments) })] {
                let (seconds, output) = try run()
                times[name, default: []].append(seconds)
                outputs[name] = output
                print(String(format: "  %-18@ %8.3f s  (%d lines)", name, seconds, output.split(whereSeparator: \.isNewline).count))
            }
        }
        let stations = Dictionary(uniqueKeysWithValues: try shell("SELECT id, name FROM stations;").1.split(separator: "\n").map {
            let parts = $0.split(separator: "|")
            return (String(parts[0]), String(parts[1]))
        })
        let yieldSame = Self.sameYield(direct: outputs["yield: sqlite3"]!, report: outputs["yield: smtq"]!, stations: stations)
        let chartSame = Self.samePChart(direct: outputs["p-chart: sqlite3"]!, report: outputs["p-chart: smtq"]!)
        for (kind, same) in [("yield", yieldSame), ("p-chart", chartSame)] {
            let direct = Bench.median(times["\(kind): sqlite3"]!), report = Bench.median(times["\(kind): smtq"]!)
            print(String(format: "%@: sqlite3 %.3f s, smtq %.3f s, %.0fx faster; answers %@", kind, direct, report, direct / report,
                         same ? "identical" : "DIFFER"))
            if !same { throw ExitCode.failure }
        }
    }

    /// Hour number → "YYYY-MM-DDTHH" (UTC, the report's default zone).
    static func hourLabel(_ hour: Substring) -> String {
        String(RFC3339.string(from: Date(timeIntervalSince1970: Double(hour)! * 3600)).prefix(13))
    }

    /// Units and first-pass units per station and hour.
    static func sameYield(direct: String, report: String, stations: [String: String]) -> Bool {
        let expected = Set(direct.split(separator: "\n").map { line -> String in
            let parts = line.split(separator: "|")
            return "\(stations[String(parts[0])]!) \(hourLabel(parts[1])) \(parts[2]) \(parts[3])"
        })
        let got = Set(report.split(separator: "\r\n").dropFirst().map { line -> String in
            let parts = line.split(separator: ",", omittingEmptySubsequences: false)
            return "\(parts[1]) \(parts[2]) \(parts[3]) \(parts[5])"
        })
        return !expected.isEmpty && expected == got
    }

    /// Each hourly point's proportion (printed to six decimals by the report).
    static func samePChart(direct: String, report: String) -> Bool {
        let expected = direct.split(separator: "\n").map { line -> Double in
            let parts = line.split(separator: "|")
            return Double(parts[2])! / Double(parts[1])!
        }
        let got = report.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! }
        return !expected.isEmpty && expected.count == got.count && zip(expected, got).allSatisfy { abs($0 - $1) <= 5e-7 }
    }
}
