import ArgumentParser
import Foundation
import SMTQCore

/// The product's own report commands over the same file, next to the direct aggregation in the sqlite3 shell:
/// `smtq report yield --by station,hour` against per-station hourly FPY in SQL, and `smtq report spc --chart
/// p` (hourly p chart of AOI-1, limits and run rules included) against its subgroup counts in SQL. Each side
/// is a whole process run; the answers are compared figure by figure.
extension ReportBenchmark {
    /// The seconds pandas and DuckDB spent on each question inside their process (as they report it).
    static let peerSeconds = Locked<[String: [Double]]>([:])

    static let directPChart = """
        SELECT time / 3600000000, count(*), sum(result) FROM units
        WHERE station_id = (SELECT id FROM stations WHERE name = 'AOI-1') GROUP BY 1 ORDER BY 1;
        """

    func compareCommands() throws {
        let smtq = DaemonBenchmark.smtq
        let yieldArguments = ["report", "yield", "--db", db, "--by", "station,hour", "--format", "csv"]
        let chartArguments = ["report", "spc", "--db", db, "--chart", "p", "--station", "AOI-1", "--subgroup", "1h", "--format", "csv"]
        var times: [String: [Double]] = [:]
        var outputs: [String: String] = [:]
        let peers = noPeers ? [] : ["duckdb", "pandas"]
        print("smtq report commands against the sqlite3 shell\(noPeers ? "" : ", DuckDB (sqlite extension) and pandas"), "
              + "each a whole process, \(rounds) rounds (pandas \(pandasRounds))")
        for round in 1...rounds {
            var contenders: [(String, () throws -> (Double, String))] = [
                ("yield: sqlite3", { try self.shell(Self.queries[0].sql) }),
                ("yield: smtq", { try Bench.process(smtq, yieldArguments) }),
                ("p-chart: sqlite3", { try self.shell(Self.directPChart) }),
                ("p-chart: smtq", { try Bench.process(smtq, chartArguments) }),
            ]
            for peer in peers where peer != "pandas" || round <= pandasRounds {
                contenders.append(("yield: \(peer)", { try self.peer(peer, "yield") }))
                contenders.append(("p-chart: \(peer)", { try self.peer(peer, "pchart") }))
            }
            for (name, run) in contenders {
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
        for (kind, key) in [("yield", "yield"), ("p-chart", "pchart")] {
            let direct = outputs["\(kind): sqlite3"]!
            let same = kind == "yield" ? Self.sameYield(direct: direct, report: outputs["yield: smtq"]!, stations: stations)
                : Self.samePChart(direct: direct, report: outputs["p-chart: smtq"]!)
            print("\(kind): smtq's answer and the sqlite3 shell's \(same ? "are identical" : "DIFFER")")
            guard same else { throw ExitCode.failure }
            let report = Bench.median(times["\(kind): smtq"]!)
            Figures.record("reports.\(key).smtq", report, "s", note: "whole process, median of \(rounds)")
            for contender in ["sqlite3"] + peers {
                guard let seconds = times["\(kind): \(contender)"] else { continue }
                if contender != "sqlite3", outputs["\(kind): \(contender)"] != direct {
                    print("\(kind): \(contender)'s answer DIFFERS from the sqlite3 shell's")
                    throw ExitCode.failure
                }
                let value = Bench.median(seconds)
                let inside = Self.peerSeconds.withLock { $0["\(kind): \(contender)"] ?? [] }
                Figures.record("reports.\(key).\(contender)", value, "s", note: contender == "sqlite3" ? "direct SQL, whole process"
                               : "whole process; the question alone \(inside.isEmpty ? "n/a" : Figures.format(Bench.median(inside))) s")
                Figures.ratio("reports.\(key).\(contender)/smtq", value / report,
                              target: contender == "duckdb" ? .above(1) : .atLeast(20),
                              comparison: "\(contender)'s time over smtq's, the same answer")
            }
        }
    }

    /// pandas or DuckDB answering `question` over the file (scripts/bench-peers/report_peer.py), a whole process.
    private func peer(_ engine: String, _ question: String) throws -> (Double, String) {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ValidationError("\(python) is missing: run scripts/bootstrap --bench (the venv with pandas and duckdb)")
        }
        let (seconds, output, errors) = try Bench.processWithErrors(python, [DaemonBenchmark.repository + "/scripts/bench-peers/report_peer.py",
                                                                              engine, question, db])
        if let line = errors.split(separator: "\n").last(where: { $0.hasPrefix("in-process seconds:") }),
           let inside = Double(line.split(separator: " ").last ?? "") {
            ReportBenchmark.peerSeconds.withLock { $0["\(question == "pchart" ? "p-chart" : "yield"): \(engine)", default: []].append(inside) }
        }
        return (seconds, output)
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
