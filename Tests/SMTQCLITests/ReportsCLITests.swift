import Foundation
import FoundationXML
import SMTQTestSupport
import Testing

/// The report commands on a small database whose every figure is worked out by hand below.
struct ReportsCLITests {
    /// Line L1 (AOI-1 → ICT-1), Europe/Berlin (+01:00 in November), shifts early 06–14, late 14–22, night 22–06.
    ///  A1: AOI pass 07:00Z (08:00 local, early); ICT pass 07:30Z, VCC 3.30.
    ///  A2: AOI fail 20:50Z (21:50, late; C1 BRIDGE), AOI retest pass 21:10Z (22:10, night); ICT fail 22:00Z (23:00; U1 SHORT),
    ///      VCC 3.45 — an escape, and a retest that counts against FPY but not final yield.
    ///  A3: AOI pass 23:30Z (00:30 on the 25th, the night shift of the 24th; R5 OFFSET false call); ICT pass 23:50Z, VCC 3.28.
    ///  A4: AOI fail 2026-11-25 00:10Z (01:10, same night; C1 and C2 BRIDGE), scrapped.
    static let units = [
        #"{"line":"L1","station":"AOI-1","device":"aoi1","program":"PCB-A","serial":"A1","result":"pass","time":"2026-11-24T07:00:00Z"}"#,
        #"{"line":"L1","station":"ICT-1","device":"ict1","program":"PCB-A","serial":"A1","result":"pass","time":"2026-11-24T07:30:00Z","measurements":[{"name":"VCC","value":3.30,"unit":"V"}]}"#,
        #"{"line":"L1","station":"AOI-1","device":"aoi1","program":"PCB-A","serial":"A2","result":"fail","time":"2026-11-24T20:50:00Z","defects":[{"refdes":"C1","code":"BRIDGE","verdict":"real"}]}"#,
        #"{"line":"L1","station":"AOI-1","device":"aoi1","program":"PCB-A","serial":"A2","result":"pass","time":"2026-11-24T21:10:00Z"}"#,
        #"{"line":"L1","station":"ICT-1","device":"ict1","program":"PCB-A","serial":"A2","result":"fail","time":"2026-11-24T22:00:00Z","defects":[{"refdes":"U1","code":"SHORT","verdict":"real"}],"measurements":[{"name":"VCC","value":3.45,"unit":"V"}]}"#,
        #"{"line":"L1","station":"AOI-1","device":"aoi1","program":"PCB-A","serial":"A3","result":"pass","time":"2026-11-24T23:30:00Z","defects":[{"refdes":"R5","code":"OFFSET","verdict":"false_call"}]}"#,
        #"{"line":"L1","station":"ICT-1","device":"ict1","program":"PCB-A","serial":"A3","result":"pass","time":"2026-11-24T23:50:00Z","measurements":[{"name":"VCC","value":3.28,"unit":"V"}]}"#,
        #"{"line":"L1","station":"AOI-1","device":"aoi1","program":"PCB-A","serial":"A4","result":"fail","time":"2026-11-25T00:10:00Z","defects":[{"refdes":"C1","code":"BRIDGE","verdict":"real"},{"refdes":"C2","code":"BRIDGE","verdict":"real"}]}"#,
    ]

    static func setUp() throws -> (TemporaryFolder, String) {
        let folder = try TemporaryFolder("smtq-reports")
        let data = folder.path("units.jsonl")
        try units.joined(separator: "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let config = folder.path("smtq.yaml")
        try """
            timezone: Europe/Berlin
            shifts:
              - {name: early, start: "06:00", end: "14:00"}
              - {name: late, start: "14:00", end: "22:00"}
              - {name: night, start: "22:00", end: "06:00"}
            storage:
              database: \(folder.path("smtq.sqlite"))
            include: [\(TestEnvironment.packageRoot.appendingPathComponent("config/profiles").path)/*.yaml]
            devices:
              - {name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:1502", unit_id: 1}
            lines:
              L1: {route: [AOI-1, ICT-1]}
            products:
              PCB-A:
                opportunities: 100
                targets: {fpy: 90%, cpk: 1.33}
                measurements:
                  VCC: {unit: V, lsl: 3.2, usl: 3.4}
            spc:
              charts:
                - {name: aoi-p, chart: p, line: L1, station: AOI-1, subgroup: {shift: true}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let imported = try BinaryRunner.run("smtq", ["import", data, "--db", folder.path("smtq.sqlite")])
        #expect(imported.status == 0, "\(imported.standardError)")
        return (folder, config)
    }

    static func report(_ arguments: [String], config: String) throws -> [String: Any] {
        let result = try BinaryRunner.run("smtq", arguments + ["--config", config, "--format", "json"])
        #expect(result.status == 0, "\(arguments): \(result.standardError)")
        return try CLIFixtures.json(result)
    }

    static func row(_ json: [String: Any], _ match: [String: String]) -> [String: Any]? {
        (json["rows"] as? [[String: Any]])?.first { row in match.allSatisfy { row[$0.key] as? String == $0.value } }
    }

    /// Compares figures; `nil` expects JSON null.
    static func check(_ row: [String: Any]?, _ expected: [String: Double?], _ label: String) {
        guard let row else {
            Issue.record("\(label): no row")
            return
        }
        for (key, value) in expected {
            if let value {
                let got = (row[key] as? NSNumber)?.doubleValue
                #expect(got != nil && abs(got! - value) < 1e-12, "\(label).\(key): \(row[key] ?? "missing") != \(value)")
            } else {
                #expect(row[key] is NSNull, "\(label).\(key): \(row[key] ?? "missing") should be null")
            }
        }
    }

    @Test func yieldByShiftAndDayWithARetestAndAShiftAcrossMidnight() throws {
        let (folder, config) = try Self.setUp()
        defer { _ = folder }
        let byShift = try Self.report(["report", "yield", "--by", "shift"], config: config)
        Self.check(Self.row(byShift, ["station": "AOI-1", "shift": "2026-11-24 early"]),
                   ["units": 1, "tests": 1, "first_pass_units": 1, "fpy": 1, "final_yield": 1, "defects": 0, "false_calls": 0,
                    "false_call_rate": nil, "dpu": 0, "dpmo": 0], "AOI early")
        // A2: failed first, passed its retest in the next shift: against FPY, not final yield, and in the late shift only.
        Self.check(Self.row(byShift, ["station": "AOI-1", "shift": "2026-11-24 late"]),
                   ["units": 1, "tests": 2, "first_pass_units": 0, "fpy": 0, "final_yield": 1, "defects": 1, "false_calls": 0,
                    "false_call_rate": 0, "dpu": 1, "dpmo": 10_000], "AOI late")
        // The night shift of the 24th runs past midnight: A3 (00:30 local) and A4 (01:10 local) belong to it.
        Self.check(Self.row(byShift, ["station": "AOI-1", "shift": "2026-11-24 night"]),
                   ["units": 2, "tests": 2, "first_pass_units": 1, "fpy": 0.5, "final_yield": 0.5, "defects": 2, "false_calls": 1,
                    "false_call_rate": 1.0 / 3, "dpu": 1, "dpmo": 10_000], "AOI night")
        Self.check(Self.row(byShift, ["station": "ICT-1", "shift": "2026-11-24 night"]),
                   ["units": 2, "tests": 2, "first_pass_units": 1, "fpy": 0.5, "final_yield": 0.5, "defects": 1], "ICT night")
        let shiftRows = byShift["rows"] as? [[String: Any]] ?? []
        #expect(shiftRows.filter { ($0["units"] as? Int ?? 0) > 0 }.count == 5)
        // A station of the route without units in a shift is a row of its own: 0 units, undefined ratios, in route order.
        for shift in Set(shiftRows.compactMap { $0["shift"] as? String }) {
            #expect(shiftRows.filter { $0["shift"] as? String == shift }.map { $0["station"] as? String } == ["AOI-1", "ICT-1"], "\(shift)")
        }
        let zeroRows = shiftRows.filter { ($0["units"] as? Int) == 0 }
        #expect(!zeroRows.isEmpty && zeroRows.allSatisfy { $0["fpy"] is NSNull && $0["dpmo"] is NSNull && $0["tests"] as? Int == 0 })
        let night = (byShift["lines"] as? [[String: Any]])?.first { $0["shift"] as? String == "2026-11-24 night" }
        #expect((night?["rty"] as? NSNumber)?.doubleValue == 0.25)
        let target = (Self.row(byShift, ["station": "AOI-1", "shift": "2026-11-24 night"])?["targets"] as? [String: [String: Any]])?["fpy"]
        #expect((target?["target"] as? NSNumber)?.doubleValue == 0.9 && target?["met"] as? Bool == false)

        let byDay = try Self.report(["report", "yield", "--by", "day", "--station", "AOI-1"], config: config)
        Self.check(Self.row(byDay, ["day": "2026-11-24"]), ["units": 2, "tests": 3, "first_pass_units": 1, "fpy": 0.5, "final_yield": 1], "day 24")
        Self.check(Self.row(byDay, ["day": "2026-11-25"]), ["units": 2, "tests": 2, "first_pass_units": 1, "fpy": 0.5, "final_yield": 0.5], "day 25")
        #expect((byDay["lines"] as? [Any])?.isEmpty == true)

        let empty = try Self.report(["report", "yield", "--since", "2027-01-01"], config: config)
        #expect((empty["rows"] as? [Any])?.isEmpty == true && empty["since"] as? String == "2026-12-31T23:00:00Z")
        let emptyTable = try BinaryRunner.run("smtq", ["report", "yield", "--since", "2027-01-01", "--config", config, "--format", "table"])
        #expect(emptyTable.status == 0 && emptyTable.standardOutput.contains("no units in this window"))
        let table = try BinaryRunner.run("smtq", ["report", "yield", "--by", "shift", "--config", config, "--format", "table"])
        #expect(table.standardOutput.contains("50.00% !") && table.standardOutput.contains("n/a"), "\(table.standardOutput)")
    }

    @Test func paretoEscapesCapabilityTraceAndSPC() throws {
        let (folder, config) = try Self.setUp()
        defer { _ = folder }
        let pareto = try Self.report(["report", "pareto", "--key", "code"], config: config)
        let rows = try #require(pareto["rows"] as? [[String: Any]])
        #expect(rows.map { $0["code"] as? String } == ["BRIDGE", "SHORT"])
        #expect(rows.map { $0["count"] as? Int } == [3, 1])
        #expect(rows.map { ($0["cumulative_percent"] as? NSNumber)?.doubleValue } == [75, 100])
        let refdes = try Self.report(["report", "pareto", "--key", "refdes", "--false-calls"], config: config)
        #expect((refdes["rows"] as? [[String: Any]])?.map { $0["refdes"] as? String } == ["R5"])

        let escapes = try Self.report(["report", "escapes"], config: config)
        #expect(escapes["escape_count"] as? Int == 1)
        let escape = try #require((escapes["escapes"] as? [[String: Any]])?.first)
        #expect(escape["serial"] as? String == "A2" && escape["failed_station"] as? String == "ICT-1")
        #expect((escape["defects"] as? [[String: Any]])?.first?["code"] as? String == "SHORT")

        let capability = try Self.report(["report", "capability", "--measurement", "VCC"], config: config)
        let values = [3.30, 3.45, 3.28]
        let mean = values.reduce(0, +) / 3
        let overall = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
        let within = ((0.15 + 0.17) / 2) / (2 / Double.pi.squareRoot())
        Self.check(Self.row(capability, ["program": "PCB-A"]),
                   ["n": 3, "mean": mean, "sigma_overall": overall, "cp": 0.2 / (6 * within), "cpk": (3.4 - mean) / (3 * within),
                    "pp": 0.2 / (6 * overall), "ppk": (3.4 - mean) / (3 * overall), "out_of_spec": 1, "out_of_spec_percent": 100.0 / 3],
                   "capability")
        #expect(abs(((Self.row(capability, ["program": "PCB-A"])?["sigma_within"] as? NSNumber)?.doubleValue ?? 0) - within) < 1e-9)

        let trace = try Self.report(["trace", "A2"], config: config)
        let results = try #require(trace["results"] as? [[String: Any]])
        #expect(results.map { $0["station"] as? String } == ["AOI-1", "AOI-1", "ICT-1"])
        #expect(results.map { $0["attempt"] as? Int } == [1, 2, 1])
        #expect(results.map { $0["result"] as? String } == ["fail", "pass", "fail"])

        let spc = try Self.report(["report", "spc", "--chart", "aoi-p"], config: config)
        #expect(spc["chart"] as? String == "p")
        #expect((spc["subgroups"] as? [[String: Any]])?.map { $0["label"] as? String }
                == ["2026-11-24 06:00+01:00 early", "2026-11-24 14:00+01:00 late", "2026-11-24 22:00+01:00 night"])
        // Test events by their own time: early 1 of 1 pass; late: A2's fail (21:50); night: A2's retest, A3, A4 (1 fail of 3).
        #expect((spc["points"] as? [[String: Any]])?.map { ($0["value"] as? NSNumber)?.doubleValue } == [0, 1, 1.0 / 3])
        #expect(((spc["center"] as? NSNumber)?.doubleValue ?? 0) == 2.0 / 5)
    }

    @Test func filtersAreValuesAndBadInputIsOneLine() throws {
        let (folder, config) = try Self.setUp()
        defer { _ = folder }
        for hostile in ["AOI-1' OR '1'='1", "x\"; DROP TABLE units; --", "%", "AOI-1;"] {
            let result = try BinaryRunner.run("smtq", ["report", "yield", "--station", hostile, "--config", config])
            #expect(result.status == 64 && result.standardError.split(separator: "\n").count == 1
                    && result.standardError.contains("is not in the database"), "\(hostile): \(result.standardError)")
        }
        #expect((try Self.report(["report", "yield"], config: config)["rows"] as? [Any])?.count == 2)
        for (arguments, text) in [(["report", "yield", "--since", "tomorrow-ish"], "--since 'tomorrow-ish' is not"),
                                  (["report", "yield", "--by", "week"], "--by 'week' is not one of"),
                                  (["report", "pareto", "--key", "color"], "--key 'color' is not one of"),
                                  (["report", "yield", "--format", "xml"], "--format 'xml' is not one of")] {
            let result = try BinaryRunner.run("smtq", arguments + ["--config", config])
            #expect(result.status == 64 && result.standardError.split(separator: "\n").count == 1 && result.standardError.contains(text),
                    "\(arguments): \(result.standardError)")
        }
        let missing = try BinaryRunner.run("smtq", ["report", "yield", "--db", folder.path("missing.sqlite")])
        #expect(missing.status == 1 && missing.standardError.split(separator: "\n").count == 1 && missing.standardError.contains("missing.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("missing.sqlite")))
    }

    @Test func refusalsAndEmptyResultsKeepTheirFormat() throws {
        let (folder, config) = try Self.setUp()
        defer { _ = folder }
        for (arguments, text, status) in [
            (["report", "yield", "--since", "2026-11-25", "--until", "2026-11-24"], "is not after --since", Int32(64)),
            (["report", "spc", "--chart", "aoi-p", "--station", "ICT-1"], "apply to chart types", 64),
            (["report", "spc", "--chart", "imr", "--station", "ICT-1", "--measurement", "VDD"], "--measurement 'VDD' is not in the database (known: VCC)", 64),
            (["report", "capability", "--measurement", "vcc"], "--measurement 'vcc' is not in the database (known: VCC)", 64),
            (["spc", "clear", "aoi_p"], "chart 'aoi_p' has no active limits", 1),
            (["spc", "baseline", "aoi-p", "--until", "2026-11-24T08:00:00Z"], "its limits would have no width", 65),
            (["report", "yield", "--db", folder.url.path], "is a folder, not a database file", 1),
        ] {
            let result = try BinaryRunner.run("smtq", arguments + (arguments.contains("--db") ? [] : ["--config", config]))
            #expect(result.status == status && result.standardError.contains(text) && result.standardError.split(separator: "\n").count == 1,
                    "\(arguments): \(result.status) \(result.standardError)")
        }
        // An empty window is still JSON or CSV in the asked format.
        let json = try Self.report(["report", "spc", "--chart", "aoi-p", "--since", "2027-01-01"], config: config)
        #expect((json["points"] as? [Any])?.isEmpty == true && (json["message"] as? String)?.contains("no stored data") == true)
        let csv = try BinaryRunner.run("smtq", ["report", "spc", "--chart", "aoi-p", "--since", "2027-01-01", "--config", config, "--format", "csv"])
        #expect(csv.standardOutput == "index,value,center,lcl,ucl,signals\r\n")
        // --station on escapes: the station where the escape was caught.
        let atICT = try Self.report(["report", "escapes", "--station", "ICT-1"], config: config)
        #expect(atICT["escape_count"] as? Int == 1)
        let atAOI = try Self.report(["report", "escapes", "--station", "AOI-1"], config: config)
        #expect(atAOI["escape_count"] as? Int == 1)
    }
}
