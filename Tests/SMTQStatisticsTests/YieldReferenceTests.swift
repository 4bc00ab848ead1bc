import Foundation
import SMTQCore
import SMTQStatistics
import Testing

/// `Tests/Reference/yield/`: every figure of expected.json recomputed from units.jsonl by the yield
/// functions (stations, per program, per UTC day cohort, lines with RTY and escapes, overall).
struct YieldReferenceTests {
    static var folder: URL { ReferenceCaseTests.folder.appendingPathComponent("yield") }

    func figures(_ yield: StationYield) -> [String: Any] {
        func value(_ number: Double?) -> Any { number.map { $0 as Any } ?? NSNull() }
        return ["units": yield.units, "tests": yield.tests, "first_pass_units": yield.firstPassUnits, "fpy": value(yield.fpy),
                "final_yield": value(yield.finalYield), "defects": yield.defects, "false_calls": yield.falseCalls,
                "false_call_rate": value(yield.falseCallRate), "dpu": value(yield.dpu), "dpmo": value(yield.dpmo)]
    }

    @Test func referenceYield() throws {
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("expected.json"))) as? [String: Any])
        let products = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("products.json"))) as? [String: [String: Int]])
        let routes = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("route.json"))) as? [String: [String]])
        let opportunities = products.compactMapValues { $0["opportunities"] }
        let records = try String(contentsOf: Self.folder.appendingPathComponent("units.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(UnitRecord.self, from: Data($0.utf8)) }
        let observations = records.map { record in
            YieldObservation(serial: record.serial, station: record.station, program: record.program, time: record.time,
                             passed: record.result == .pass,
                             defects: record.defects?.filter { $0.verdict == .real }.count ?? 0,
                             falseCalls: record.defects?.filter { $0.verdict == .falseCall }.count ?? 0)
        }
        let byStation = Dictionary(grouping: observations, by: \.station)
        let stations = Set(byStation.keys).union(routes.values.flatMap { $0 })
        let days = Set(observations.map { String(RFC3339.string(from: $0.time).prefix(10)) })
        var actual: [String: Any] = [:]
        var stationFigures: [String: Any] = [:], byProgram: [String: Any] = [:], byDay: [String: Any] = [:]
        for station in stations {
            let results = byStation[station] ?? []
            stationFigures[station] = figures(Yield.station(results, opportunities: opportunities))
            byProgram[station] = Dictionary(uniqueKeysWithValues: opportunities.keys.map { program in
                (program, figures(Yield.station(results, opportunities: opportunities) { $0.program == program }))
            })
            byDay[station] = Dictionary(uniqueKeysWithValues: days.map { day in
                (day, figures(Yield.station(results, opportunities: opportunities) { RFC3339.string(from: $0.time).hasPrefix(day) }))
            })
        }
        actual["stations"] = stationFigures
        actual["stations_by_program"] = byProgram
        actual["stations_by_day"] = byDay
        var lines: [String: Any] = [:]
        for (line, route) in routes {
            let fpy = { (program: String?) in
                route.map { Yield.station(byStation[$0] ?? [], opportunities: opportunities) { program == nil || $0.program == program }.fpy }
            }
            let escapes = Yield.escapes(route: route, results: observations)
            lines[line] = ["route": route, "rty": Yield.rty(fpy(nil)).map { $0 as Any } ?? NSNull(),
                           "rty_by_program": Dictionary(uniqueKeysWithValues: opportunities.keys.map { ($0, Yield.rty(fpy($0)).map { $0 as Any } ?? NSNull()) }),
                           "escape_count": escapes.count, "escapes": escapes]
        }
        actual["lines"] = lines
        let serials = Dictionary(grouping: observations, by: \.serial)
        let defects = observations.reduce(0) { $0 + $1.defects }, falseCalls = observations.reduce(0) { $0 + $1.falseCalls }
        let opportunitySum = serials.values.reduce(0) { $0 + (opportunities[$1[0].program] ?? 0) }
        actual["overall"] = ["units": serials.count, "tests": observations.count, "defects": defects, "false_calls": falseCalls,
                             "false_call_rate": Double(falseCalls) / Double(defects + falseCalls),
                             "dpu": Double(defects) / Double(serials.count), "dpmo": Double(defects) * 1e6 / Double(opportunitySum),
                             "first_time": RFC3339.string(from: observations.map(\.time).min()!),
                             "last_time": RFC3339.string(from: observations.map(\.time).max()!)]
        let differences = ReferenceCaseTests.differences(expected, actual, path: "yield")
        #expect(differences.isEmpty, "\(differences.prefix(15).joined(separator: "\n"))")
    }
}
