import Foundation
import SMTQTestSupport
import Testing

/// `smtq report scorecard` over the yield reference data: each figure is the yield or capability report's
/// over the same window (whole period and each week), each verdict the target's comparison.
struct ScorecardCLITests {
    static func config(in folder: TemporaryFolder) throws -> String {
        let text = """
            storage:
              database: \(folder.path("smtq.sqlite"))
            timezone: Europe/Berlin
            devices: []
            lines:
              L1: {route: [AOI-1, ICT-1, FCT-1]}
            products:
              PCB-A:
                opportunities: 1250
                targets: {fpy: 95%, final_yield: 99%, dpmo: 40, false_call_rate: 30%, cpk: 1.33}
                measurements:
                  VCC: {unit: V, lsl: 3.2, usl: 3.4}
              PCB-B:
                opportunities: 840
                targets: {fpy: 99.9%}
            customers:
              acme: {products: [PCB-A]}
              bolt: {products: [PCB-B]}

            """
        let path = folder.path("smtq.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let imported = try BinaryRunner.run("smtq", ["import", CLIFixtures.referenceUnits, "--db", folder.path("smtq.sqlite")])
        #expect(imported.status == 0, "\(imported.standardError)")
        return path
    }

    static let window = ["--since", "2026-11-24T00:00:00Z", "--until", "2026-11-26T00:00:00Z"]

    @Test("scorecard figures equal the yield and capability reports over the same period, and each verdict is the target's")
    func equalsReports() throws {
        let folder = try TemporaryFolder("smtq-scorecard")
        let config = try Self.config(in: folder)
        let card = try CLIFixtures.json(BinaryRunner.run("smtq", ["report", "scorecard", "--customer", "acme", "--config", config, "--format", "json"]
                                                                    + Self.window))
        let rows = try #require(card["rows"] as? [[String: Any]])
        #expect(card["customer"] as? String == "acme")
        #expect((card["weeks"] as? [[String: Any]])?.map { $0["week"] as? String } == ["2026-W48"])
        #expect(rows.allSatisfy { $0["product"] as? String == "PCB-A" })

        let yield = try CLIFixtures.json(BinaryRunner.run("smtq", ["report", "yield", "--program", "PCB-A", "--config", config, "--format", "json"]
                                                                     + Self.window))
        let yieldRows = try #require(yield["rows"] as? [[String: Any]])
        #expect(yieldRows.count == 3)
        var compared = 0
        for metric in ["fpy", "final_yield", "dpmo", "false_call_rate"] {
            for station in yieldRows {
                let place = "L1/\(station["station"] as? String ?? "?")"
                let row = try #require(rows.first { $0["metric"] as? String == metric && $0["station"] as? String == place }, "\(metric) \(place)")
                let expected = station[metric] as? Double
                #expect(row["actual"] as? Double == expected, "\(metric) \(place)")
                #expect((row["weeks"] as? [Any])?.first as? Double == expected, "one week: the same figure")
                #expect(row["n"] as? Int == station["units"] as? Int)
                let target = try #require(row["target"] as? Double)
                if let expected {
                    let met = ["dpmo", "false_call_rate"].contains(metric) ? expected <= target : expected >= target
                    #expect(row["met"] as? Bool == met, "\(metric) \(place)")
                }
                compared += 1
            }
        }
        #expect(compared == 12)

        let capability = try CLIFixtures.json(BinaryRunner.run("smtq", ["report", "capability", "--measurement", "VCC", "--program", "PCB-A",
                                                                         "--config", config, "--format", "json"] + Self.window))
        let capabilityRows = try #require(capability["rows"] as? [[String: Any]])
        #expect(!capabilityRows.isEmpty)
        for station in capabilityRows {
            let row = try #require(rows.first { $0["metric"] as? String == "cpk" && $0["station"] as? String == station["station"] as? String })
            #expect(row["measurement"] as? String == "VCC")
            #expect(row["actual"] as? Double == station["cpk"] as? Double)
            #expect(row["n"] as? Int == station["n"] as? Int)
            if let cpk = station["cpk"] as? Double { #expect(row["met"] as? Bool == (cpk >= 1.33)) }
        }
        #expect(rows.count == 12 + capabilityRows.count)
    }

    @Test("table and html say met and missed; a week splits the figures; an unknown customer is one line and exit 64")
    func formats() throws {
        let folder = try TemporaryFolder("smtq-scorecard-formats")
        let config = try Self.config(in: folder)
        let table = try BinaryRunner.run("smtq", ["report", "scorecard", "--customer", "bolt", "--config", config] + Self.window)
        #expect(table.status == 0, "\(table.standardError)")
        #expect(table.standardOutput.contains("customer bolt"))
        #expect(table.standardOutput.contains("PCB-B") && !table.standardOutput.contains("PCB-A"))
        #expect(table.standardOutput.contains("MISSED"), "99.9% FPY is missed somewhere in the reference data")
        let html = try BinaryRunner.run("smtq", ["report", "scorecard", "--customer", "acme", "--config", config, "--format", "html"] + Self.window)
        #expect(html.standardOutput.contains("<table class=\"scorecard\">") && html.standardOutput.hasPrefix("<!DOCTYPE html>"))
        let unknown = try BinaryRunner.run("smtq", ["report", "scorecard", "--customer", "nobody", "--config", config])
        #expect(unknown.status == 64)
        #expect(unknown.standardError.contains("there is no customer 'nobody'") && unknown.standardError.contains("acme, bolt"))
        // Over two weeks the data's week has figures and the week before none.
        let twoWeeks = try CLIFixtures.json(BinaryRunner.run("smtq", ["report", "scorecard", "--customer", "acme", "--config", config,
                                                                      "--format", "json", "--since", "2026-11-16", "--until", "2026-11-30"]))
        #expect((twoWeeks["weeks"] as? [[String: Any]])?.count == 2)
        let fpy = try #require((twoWeeks["rows"] as? [[String: Any]])?.first { $0["metric"] as? String == "fpy" })
        let weeks = try #require(fpy["weeks"] as? [Any])
        #expect(weeks.first is NSNull && weeks.last as? Double == fpy["actual"] as? Double)
    }
}
